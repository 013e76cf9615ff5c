"""Live updates: a change is published once its transaction commits (never for a rolled-back
one), crosses workers through Redis, and refreshes only the dashboards that want it."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
import redis

from lms_app import db, live, settings
from lms_app.services import activity


@pytest.fixture
def heard():
    changes: list[live.Change] = []
    hook = changes.extend
    live.on_change(hook)
    yield changes
    live._change_hooks.remove(hook)


def test_a_change_is_published_when_its_transaction_commits(demo, heard):
    leo = demo["leo@example.com"]
    with db.session_scope() as session:
        activity.record(session, org_id=leo.org_id, user_id=leo.id, kind="login")
        session.flush()
        assert heard == []  # not before the commit
    assert heard == [live.Change(leo.org_id, leo.id, None, "login")]


def test_a_rolled_back_change_is_never_published(demo, heard):
    leo = demo["leo@example.com"]
    with pytest.raises(RuntimeError), db.session_scope() as session:
        activity.record(session, org_id=leo.org_id, user_id=leo.id, kind="login")
        raise RuntimeError("the action failed")
    with db.session_scope():
        pass  # a later transaction of the same kind publishes nothing left over
    assert heard == []


def test_unknown_activity_kinds_are_refused(demo, session):
    with pytest.raises(ValueError):
        activity.record(session, org_id=1, user_id=demo["leo@example.com"].id, kind="sneezed")


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379")
def test_changes_cross_workers_through_redis(monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setattr(live, "_redis_client", None)
    sent = [live.Change(1, 7, 3, "lesson_completed"), live.Change(1, 8, None, "login")]

    async def scenario():
        queue: asyncio.Queue = asyncio.Queue()
        feeder = asyncio.create_task(live._feed_from_redis(queue))
        try:
            for _ in range(50):  # until the subscription is in place
                await asyncio.to_thread(live.publish, sent)
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(queue.get(), 0.1)
            raise AssertionError("nothing came through Redis")
        finally:
            feeder.cancel()

    assert asyncio.run(scenario()) == sent


class _Tab:
    """What deliver() sees of a browser tab's state: the page it is on, and the refresh."""

    def __init__(self, path: str):
        self.router = SimpleNamespace(url=SimpleNamespace(path=path))
        self.refreshed: list[list[live.Change]] = []

    def _on_changes(self, changes):
        self.refreshed.append(changes)


class _App:
    def __init__(self, tabs: dict[str, _Tab]):
        self.tabs = tabs

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        tab = self.tabs[token.ident]

        async def get_state(cls):
            return tab

        yield SimpleNamespace(get_state=get_state)


class _Dashboard:
    @classmethod
    def get_full_name(cls):
        return "dashboard_state"


def test_only_the_dashboards_that_want_a_change_are_refreshed(monkeypatch):
    monkeypatch.setattr(live, "_watches", {})
    tabs = {"team": _Tab("/teams"), "other_team": _Tab("/teams"), "course": _Tab("/teach/courses/3/analytics"),
            "elsewhere": _Tab("/learn")}
    live.watch("team", _Dashboard, route_prefix="/teams", org_id=1, user_ids=frozenset({7, 9}))
    live.watch("other_team", _Dashboard, route_prefix="/teams", org_id=1, user_ids=frozenset({11}))
    live.watch("course", _Dashboard, route_prefix="/teach/courses/", org_id=1, course_id=3)
    live.watch("elsewhere", _Dashboard, route_prefix="/teams", org_id=1)
    changes = [live.Change(1, 7, 3, "lesson_completed"), live.Change(2, 7, 3, "lesson_completed")]

    refreshed = asyncio.run(live.deliver(_App(tabs), changes))

    assert refreshed == 2
    assert tabs["team"].refreshed == [[changes[0]]]  # the other organization's change is not theirs
    assert tabs["course"].refreshed == [[changes[0]]]
    assert tabs["other_team"].refreshed == []
    # A tab that moved on to another page stops being refreshed, and is forgotten.
    assert tabs["elsewhere"].refreshed == []
    assert live.watching("elsewhere", _Dashboard) is None
    assert live.watching("team", _Dashboard) is not None
