"""Dashboard results kept in each worker and brought up to date when changes arrive.

An entry belongs to one organization. A change in that organization marks the entry stale
(cheap: it happens right after a learner's commit); the next read brings it up to date, with
the entry's `patch` when it has one (re-reading only what the changes touched) or by computing
it again. Patches must be idempotent: a change can be seen twice. Entries also expire after
MAX_AGE_SECONDS, for changes nobody announces (an admin's edits, a seed).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lms_app import live

T = TypeVar("T")

MAX_ENTRIES = 256
MAX_AGE_SECONDS = 600
# Past this many changes waiting, an entry is computed again rather than patched.
MAX_PENDING = 500


@dataclass
class _Entry:
    value: Any
    org_id: int
    patch: Callable[[Any, list[live.Change]], Any] | None
    made: float
    pending: list[live.Change] = field(default_factory=list)


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()


def cached(key: Hashable, org_id: int, compute: Callable[[], T], *,
           patch: Callable[[T, list[live.Change]], T | None] | None = None) -> T:
    """The value under `key`, computed on first use and kept up to date. `patch(value,
    changes)` returns the updated value (None: compute it again)."""
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            pending, entry.pending = entry.pending, []
    if entry is not None and now - entry.made <= MAX_AGE_SECONDS:
        if not pending:
            return entry.value
        if entry.patch is not None:
            value = entry.patch(entry.value, pending)
            if value is not None:
                entry.value = value
                return value
    value = compute()
    with _lock:
        _entries[key] = _Entry(value, org_id, patch, now)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def changed(changes: list[live.Change]) -> None:
    orgs = {c.org_id for c in changes}
    with _lock:
        for entry in _entries.values():
            if entry.org_id in orgs:
                entry.pending.extend(c for c in changes if c.org_id == entry.org_id)
                if len(entry.pending) > MAX_PENDING:
                    entry.pending, entry.made = [], float("-inf")


def clear() -> None:
    with _lock:
        _entries.clear()


live.on_change(changed)
