"""Scheduled backups: off until an admin sets an interval; the job runner writes a checked
archive when one is due, keeps the newest few, records it, and the overview tells how old
the last good one is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from lms_app.jobs.runner import Runner
from lms_app.models import AuditEvent
from lms_app.services import backups, jobs, org_settings
from lms_app.services.errors import PermissionDenied
from lms_app.state.admin_overview import backup_card

ADMIN = "admin@example.com"


@pytest.fixture
def schedule(session, demo, actor_of, tmp_path):
    """Turn scheduled backups on (every 24 hours, keep 2) into a folder of the test's own."""
    folder = tmp_path / "backups"
    org_settings.update(session, actor_of(ADMIN), backup_every_hours=24, backup_keep=2, backup_folder=str(folder))
    session.commit()
    return folder


def test_nothing_is_written_while_backups_are_off(session, demo, actor_of):
    assert backups.run_scheduled(session) is None
    status = backups.schedule_status(session, actor_of(ADMIN))
    assert status.every_hours == 0 and not status.overdue
    assert backup_card(status)["tone"] == "off"


def test_a_due_backup_is_written_checked_recorded_and_old_ones_pruned(session, schedule, actor_of):
    admin = actor_of(ADMIN)
    assert backups.schedule_status(session, admin).overdue  # on, and nothing written yet
    first = backups.run_scheduled(session)
    session.commit()
    assert first is not None and first.path.parent == schedule
    backups.verify_backup(first.path)
    assert backups.run_scheduled(session) is None  # not due again yet
    now = datetime.now(timezone.utc)
    later = [backups.run_scheduled(session, now + timedelta(hours=24 * n)) for n in (1, 2)]
    session.commit()
    assert all(result is not None for result in later)
    kept = backups.list_backups(schedule)
    assert [info.path for info in kept] == [later[1].path, later[0].path]  # keep 2: the first is gone
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "backup.created").order_by(AuditEvent.seq)).all()
    assert len(events) == 3 and events[-1].after["removed"] == [first.path.name]
    status = backups.schedule_status(session, admin)
    assert status.last.path == later[1].path and not status.overdue
    card = backup_card(status)
    assert card["tone"] == "ok" and card["title"].startswith("Last good backup") and "newest 2 are kept" in card["detail"]
    # A day and more without a new archive: overdue.
    assert backups.schedule_status(session, admin, now + timedelta(hours=26)).overdue


def test_the_job_runner_takes_the_backup(session, schedule):
    jobs.enqueue(session, backups.SCHEDULE_JOB)
    session.commit()
    Runner().run_until_idle()
    assert len(backups.list_backups(schedule)) == 1


def test_only_admins_see_the_backup_status(session, demo, actor_of):
    with pytest.raises(PermissionDenied):
        backups.schedule_status(session, actor_of("leo@example.com"))
