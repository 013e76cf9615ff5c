"""Guessing an enrollment key: each wrong key is recorded (even though the call fails), five
within fifteen minutes make the learner wait, and the sweep forgets day-old failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lms_app import db
from lms_app.jobs.runner import Runner
from lms_app.models import Enrollment, EnrollmentKeyFailure, utcnow
from lms_app.services import courses, enrollment, jobs
from lms_app.services.errors import Invalid, Throttled
from tests.unit.test_enrollment import IRENE, LEO, published

KEY = "harbor-42"


@pytest.fixture
def keyed(demo, session, actor_of):
    irene = actor_of(IRENE)
    course = published(session, irene)
    courses.set_enrollment_key(session, irene, course.id, KEY)
    session.commit()
    return course


def try_key(actor, course_id: int, key: str) -> Exception | Enrollment:
    """As the catalog page does: one transaction per try, committed even when the key is refused."""
    with db.session_scope() as s:
        try:
            return enrollment.self_enroll(s, actor, course_id, key)
        except Invalid as exc:
            return exc


def failures(session, course_id: int) -> list[EnrollmentKeyFailure]:
    session.rollback()  # see what the tries committed
    return list(session.exec(select(EnrollmentKeyFailure).where(EnrollmentKeyFailure.course_id == course_id)).all())


def age_failures(course_id: int, by: timedelta) -> None:
    with db.session_scope() as s:
        for failure in s.exec(select(EnrollmentKeyFailure).where(EnrollmentKeyFailure.course_id == course_id)).all():
            failure.at -= by
            s.add(failure)


def test_a_wrong_key_is_recorded_although_the_call_fails(keyed, session, actor_of):
    leo = actor_of(LEO)
    result = try_key(leo, keyed.id, "harbor-43")
    assert isinstance(result, Invalid) and result.message == "That key is not right."
    recorded = failures(session, keyed.id)
    assert [(f.user_id, f.course_id) for f in recorded] == [(leo.user_id, keyed.id)]
    assert session.exec(select(Enrollment)).all() == []


def test_five_wrong_keys_lock_out_even_the_right_one_without_checking_it(keyed, session, actor_of, monkeypatch):
    leo = actor_of(LEO)
    for i in range(enrollment.KEY_TRIES):
        assert isinstance(try_key(leo, keyed.id, f"guess-{i}"), Invalid)
    checked = []
    monkeypatch.setattr(enrollment, "verify_password", lambda *args: checked.append(args) or True)
    with db.session_scope() as s, pytest.raises(Throttled, match=r"^Too many wrong keys\. Try again in 15 minutes\.$"):
        enrollment.self_enroll(s, leo, keyed.id, KEY)
    assert checked == []  # the slow hash was not even computed
    assert len(failures(session, keyed.id)) == enrollment.KEY_TRIES  # a refused try is not a new failure
    # Another learner, or another course, is not affected.
    assert try_key(actor_of("sven@example.com"), keyed.id, KEY).status == "active"


def test_the_wait_ends_when_the_oldest_failure_leaves_the_window(keyed, session, actor_of):
    leo = actor_of(LEO)
    for i in range(enrollment.KEY_TRIES):
        try_key(leo, keyed.id, f"guess-{i}")
    age_failures(keyed.id, timedelta(minutes=12))
    with db.session_scope() as s, pytest.raises(Throttled, match=r"Try again in 3 minutes\."):
        enrollment.self_enroll(s, leo, keyed.id, KEY)
    age_failures(keyed.id, timedelta(minutes=3, seconds=1))
    run = try_key(leo, keyed.id, KEY)
    assert isinstance(run, Enrollment) and run.status == "active"


def test_four_wrong_keys_then_the_right_one_succeeds(keyed, session, actor_of):
    leo = actor_of(LEO)
    for i in range(enrollment.KEY_TRIES - 1):
        try_key(leo, keyed.id, f"guess-{i}")
    assert try_key(leo, keyed.id, KEY).status == "active"
    assert len(failures(session, keyed.id)) == enrollment.KEY_TRIES - 1  # nothing is cleared


def test_the_sweep_prunes_failures_older_than_a_day(keyed, session, actor_of):
    leo = actor_of(LEO)
    for i in range(2):
        try_key(leo, keyed.id, f"guess-{i}")
    age_failures(keyed.id, timedelta(days=1, minutes=1))
    try_key(leo, keyed.id, "guess-recent")
    with db.session_scope() as s:
        jobs.enqueue(s, "enrollment.sweep", run_at=utcnow())
    Runner().run_until_idle()
    assert [f.at > utcnow() - timedelta(minutes=5) for f in failures(session, keyed.id)] == [True]
