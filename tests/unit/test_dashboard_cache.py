"""The dashboards' cache: computed once, marked stale by changes in its organization, brought
up to date by its patch (or computed again)."""

from __future__ import annotations

import pytest

from lms_app import live
from lms_app.services import dashboard_cache


@pytest.fixture(autouse=True)
def _empty_cache():
    dashboard_cache.clear()
    yield
    dashboard_cache.clear()


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute, calls


def test_a_result_is_computed_once_until_its_organization_changes():
    compute, calls = _counter()
    assert dashboard_cache.cached("a", 1, compute) == 1
    assert dashboard_cache.cached("a", 1, compute) == 1
    dashboard_cache.changed([live.Change(2, 5, None, "login")])  # another organization
    assert dashboard_cache.cached("a", 1, compute) == 1
    dashboard_cache.changed([live.Change(1, 5, None, "login")])
    assert dashboard_cache.cached("a", 1, compute) == 2
    assert len(calls) == 2


def test_a_patch_brings_the_result_up_to_date_with_the_changes_it_missed():
    compute, calls = _counter()
    seen = []

    def patch(value, changes):
        seen.append([c.user_id for c in changes])
        return value + 100

    assert dashboard_cache.cached("b", 1, compute, patch=patch) == 1
    dashboard_cache.changed([live.Change(1, 5, None, "login"), live.Change(1, 6, None, "login")])
    assert dashboard_cache.cached("b", 1, compute, patch=patch) == 101
    assert dashboard_cache.cached("b", 1, compute, patch=patch) == 101  # nothing new: no patch
    assert seen == [[5, 6]] and len(calls) == 1


def test_a_patch_that_gives_up_means_computing_again():
    compute, calls = _counter()
    dashboard_cache.cached("c", 1, compute, patch=lambda value, changes: None)
    dashboard_cache.changed([live.Change(1, 5, None, "login")])
    assert dashboard_cache.cached("c", 1, compute, patch=lambda value, changes: None) == 2


def test_too_many_waiting_changes_mean_computing_again(monkeypatch):
    monkeypatch.setattr(dashboard_cache, "MAX_PENDING", 3)
    compute, calls = _counter()
    patched = []
    dashboard_cache.cached("d", 1, compute, patch=lambda value, changes: patched.append(changes) or value)
    dashboard_cache.changed([live.Change(1, u, None, "login") for u in range(4)])
    assert dashboard_cache.cached("d", 1, compute) == 2
    assert patched == []


def test_results_expire(monkeypatch):
    compute, calls = _counter()
    dashboard_cache.cached("e", 1, compute)
    monkeypatch.setattr(dashboard_cache, "MAX_AGE_SECONDS", -1)
    assert dashboard_cache.cached("e", 1, compute) == 2
