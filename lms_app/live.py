"""Live updates: a learning change, once committed, is pushed to the dashboards open on it.

A service says what changed with `announce(session, Change(...))`; the change is published
only when the transaction commits (never for a rolled-back one). With Redis configured the
change goes through a Redis channel, so every worker hears it whichever worker committed it;
without Redis (one worker) it goes straight to this process's listener.

Each worker's listener (`listen_in_app`, a lifespan task) keeps the dashboards opened through
that worker (`watch`) and, for every burst of changes, refreshes the ones that care: inside
`app.modify_state`, which Reflex routes to the browser tab wherever its socket lives. A
watched state implements `_on_changes(changes)`; it runs in a thread, with the state locked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from lms_app import settings

log = logging.getLogger(__name__)

CHANNEL = "lms:live"
# Changes that arrive within this window are delivered together (one refresh per dashboard).
COALESCE_SECONDS = 0.25
# A dashboard left open longer than this stops receiving changes until it is loaded again.
WATCH_HOURS = 12
_PENDING = "live_changes"


@dataclass(frozen=True)
class Change:
    org_id: int
    user_id: int
    course_id: int | None
    kind: str  # an ActivityEvent kind


def announce(session: Session, change: Change) -> None:
    """Publish `change` once `session` commits."""
    session.info.setdefault(_PENDING, []).append(change)


@event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    changes = session.info.pop(_PENDING, None)
    if changes:
        publish(changes)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- transport ------------------------------------------------------------------------------

_change_hooks: list = []


def on_change(hook) -> None:
    """Call `hook(changes)` for every change this process commits or hears of (a cache that
    marks its entries stale; it must be quick: it runs right after a commit). A change may be
    seen twice (committed here and heard back through Redis)."""
    _change_hooks.append(hook)


def _run_hooks(changes: list[Change]) -> None:
    for hook in _change_hooks:
        try:
            hook(changes)
        except Exception:  # noqa: BLE001  (a view's bookkeeping never fails the change)
            log.exception("live change hook failed")


_redis_client = None
_local_queues: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []
_local_lock = threading.Lock()


def _channel(client) -> str:
    # Pub/sub channels ignore Redis's database numbers: two installs sharing a Redis server
    # (each on its own database) must not hear each other.
    return f"{CHANNEL}:{client.connection_pool.connection_kwargs.get('db', 0)}"


def publish(changes: list[Change]) -> None:
    """Send changes to every listener. A failure to publish never fails the learner's action:
    the dashboards are a view, and their next load reads the database anyway."""
    _run_hooks(changes)
    try:
        if settings.REDIS_URL:
            global _redis_client
            if _redis_client is None:
                import redis

                _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
            _redis_client.publish(_channel(_redis_client), json.dumps([asdict(c) for c in changes]))
            return
        with _local_lock:
            targets = list(_local_queues)
        for loop, queue in targets:
            loop.call_soon_threadsafe(queue.put_nowait, list(changes))
    except Exception:  # noqa: BLE001 (see the docstring)
        log.exception("could not publish %d live change(s)", len(changes))


async def _feed_from_redis(queue: asyncio.Queue) -> None:
    import redis.asyncio as aioredis

    while True:
        client = aioredis.Redis.from_url(settings.REDIS_URL)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(_channel(client))
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        queue.put_nowait([Change(**c) for c in json.loads(message["data"])])
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (Redis restarted: subscribe again)
            log.exception("live channel lost; subscribing again")
            await asyncio.sleep(1)
        finally:
            await client.aclose()


# --- watchers -------------------------------------------------------------------------------

@dataclass
class Watch:
    state_cls: type
    route_prefix: str
    org_id: int
    user_ids: frozenset[int] | None  # None: everyone in the organization
    course_id: int | None
    until: float

    def wants(self, change: Change) -> bool:
        return (change.org_id == self.org_id
                and (self.user_ids is None or change.user_id in self.user_ids)
                and (self.course_id is None or change.course_id == self.course_id))


_watches: dict[tuple[str, str], Watch] = {}


def watch(client_token: str, state_cls: type, *, route_prefix: str, org_id: int,
          user_ids: frozenset[int] | None = None, course_id: int | None = None) -> None:
    """Refresh this tab's `state_cls` when a matching change arrives, while the tab stays on a
    page under `route_prefix`. Called by the dashboard's load handler (in the worker holding
    the tab's socket); loading again replaces the previous interest."""
    if not client_token:
        return
    _watches[(client_token, state_cls.get_full_name())] = Watch(
        state_cls, route_prefix, org_id, user_ids, course_id, time.monotonic() + WATCH_HOURS * 3600)


def watching(client_token: str, state_cls: type) -> Watch | None:
    return _watches.get((client_token, state_cls.get_full_name()))


async def deliver(app, changes: list[Change]) -> int:
    """Refresh every watched dashboard that wants one of `changes`. Returns how many."""
    from reflex.istate.manager.token import BaseStateToken

    now = time.monotonic()
    refreshed = 0
    for key, w in list(_watches.items()):
        if w.until < now:
            _watches.pop(key, None)
            continue
        wanted = [c for c in changes if w.wants(c)]
        if not wanted:
            continue
        try:
            async with app.modify_state(BaseStateToken(ident=key[0], cls=w.state_cls)) as root:
                state = await root.get_state(w.state_cls)
                if not (state.router.url.path or "").startswith(w.route_prefix):
                    _watches.pop(key, None)  # the tab moved on to another page
                    continue
                await asyncio.to_thread(state._on_changes, wanted)
            refreshed += 1
        except Exception:  # noqa: BLE001  (one broken dashboard must not stop the others)
            log.exception("live refresh failed for %s", key[1])
    return refreshed


async def listen_in_app() -> None:
    """Lifespan task of each worker: hear changes, deliver them in bursts."""
    from lms_app.lms_app import app

    queue: asyncio.Queue = asyncio.Queue()
    entry = (asyncio.get_running_loop(), queue)
    feeder = asyncio.create_task(_feed_from_redis(queue)) if settings.REDIS_URL else None
    if feeder is None:
        with _local_lock:
            _local_queues.append(entry)
    try:
        while True:
            changes = list(await queue.get())
            await asyncio.sleep(COALESCE_SECONDS)
            while not queue.empty():
                changes.extend(queue.get_nowait())
            if feeder is not None:
                _run_hooks(changes)  # heard from Redis: maybe committed by another worker
            await deliver(app, changes)
    finally:
        if feeder is not None:
            feeder.cancel()
        else:
            with _local_lock:
                _local_queues.remove(entry)
