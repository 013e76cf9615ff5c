"""Progress: locks (prerequisites, drip release) with the reason a learner reads, opening
lessons, time and video watching that cannot be inflated, completing lessons and courses,
staff corrections, resuming."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Enrollment, Lesson, LessonProgress, User, utcnow
from lms_app.services import courses, enrollment, progress
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied

IRENE, ISAAC, LEO, AMARA = "irene@example.com", "isaac@example.com", "leo@example.com", "amara@example.com"
TEXT = {"markdown": "Read me."}
VIDEO = {"source": "upload", "file_path": "videos/drill.mp4", "duration_seconds": 300}


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def uid(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


@pytest.fixture
def course(demo, session, actor_of):
    """Basics (Welcome, Fire exits [needs Welcome]) then Practice (Drill video, Live session)."""
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "Store safety")
    basics = courses.add_module(session, irene, c.id, "Basics")
    practice = courses.add_module(session, irene, c.id, "Practice")
    welcome = courses.add_lesson(session, irene, basics.id, "Welcome", "text", TEXT)
    exits = courses.add_lesson(session, irene, basics.id, "Fire exits", "text", TEXT)
    courses.add_lesson(session, irene, practice.id, "Drill", "video", VIDEO)
    courses.add_lesson(session, irene, practice.id, "Live walk-through", "live_session",
                       {"starts_at": "2027-03-03T14:00+01:00", "location": "Store 12"}, required=False)
    courses.set_lesson_prerequisites(session, irene, exits.id, [welcome.id])
    courses.update_course(session, irene, c.id, self_enrollment=True)
    courses.set_visibility(session, irene, c.id, "published")
    session.commit()
    return c


def lesson(session: Session, title: str) -> Lesson:
    return session.exec(select(Lesson).where(Lesson.title == title)).one()


def states(session, actor, run, **kw) -> dict[str, tuple[str, str]]:
    return {s.title: (s.state, s.reason) for s in progress.lesson_states(session, actor, run.id, **kw)}


def test_prerequisites_lock_with_the_reason_and_unlock(course, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    assert states(session, leo, run) == {
        "Welcome": ("available", ""), "Fire exits": ("locked", "Finish “Welcome” first"),
        "Drill": ("available", ""), "Live walk-through": ("available", ""),
    }
    with pytest.raises(PermissionDenied, match="Finish “Welcome” first"):
        progress.open_lesson(session, leo, run.id, lesson(session, "Fire exits").id)
    opened = progress.open_lesson(session, leo, run.id, lesson(session, "Welcome").id)
    assert opened.content == TEXT and opened.completion == "viewed"
    assert states(session, leo, run)["Welcome"] == ("in_progress", "")
    assert progress.mark_viewed(session, leo, run.id, lesson(session, "Welcome").id)
    assert states(session, leo, run)["Fire exits"] == ("available", "")


def test_module_prerequisite_locks_the_next_module(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    basics, practice = courses.modules_of(session, course.id)
    courses.set_module_prerequisites(session, irene, practice.id, [basics.id])
    run = enrollment.self_enroll(session, leo, course.id)
    assert states(session, leo, run)["Drill"] == ("locked", "Finish “Basics” first")
    for title in ("Welcome", "Fire exits"):
        progress.mark_viewed(session, leo, run.id, lesson(session, title).id)
    assert states(session, leo, run)["Drill"] == ("available", "")


def test_drip_release_by_date_and_by_days_after_enrolling(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    basics, practice = courses.modules_of(session, course.id)
    courses.set_release(session, irene, module_id=practice.id, days_after_enrollment=7)
    courses.set_release(session, irene, lesson_id=lesson(session, "Welcome").id, available_on=date(2027, 3, 3))
    session.commit()
    enrolled = datetime(2027, 2, 1, 9, 0, tzinfo=timezone.utc)
    run = enrollment.self_enroll(session, leo, course.id, now=enrolled)
    found = states(session, leo, run, now=enrolled + timedelta(hours=1))
    assert found["Welcome"] == ("locked", "Opens on 3 March 2027")
    assert found["Drill"] == ("locked", "Opens 7 days after you enrolled (on 8 February 2027)")
    with pytest.raises(PermissionDenied, match="Opens on 3 March 2027"):
        progress.open_lesson(session, leo, run.id, lesson(session, "Welcome").id, now=enrolled)
    # Leo's zone is Europe/Paris: the date opens at midnight there (23:00 UTC the day before).
    found = states(session, leo, run, now=datetime(2027, 3, 2, 23, 0, 1, tzinfo=timezone.utc))
    assert found["Welcome"] == ("available", "") and found["Drill"] == ("available", "")
    states_at = progress.lesson_states(session, leo, run.id, now=enrolled)
    assert next(s for s in states_at if s.title == "Drill").opens_at == enrolled + timedelta(days=7)


def test_a_learner_not_enrolled_cannot_open_a_lesson(course, session, actor_of):
    leo, amara = actor_of(LEO), actor_of(AMARA)
    welcome = lesson(session, "Welcome")
    with pytest.raises(NotFound, match="not enrolled"):
        progress.current_enrollment(session, amara, course.id)
    run = enrollment.self_enroll(session, leo, course.id)
    session.commit()
    # Someone else's run does not open anything either.
    with pytest.raises(NotFound):
        progress.open_lesson(session, amara, run.id, welcome.id)
    with pytest.raises(NotFound):
        progress.lesson_states(session, amara, run.id)
    assert progress.current_enrollment(session, leo, course.id).id == run.id


def test_all_required_lessons_complete_the_course_with_a_date(course, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    for title in ("Welcome", "Fire exits"):
        progress.mark_viewed(session, leo, run.id, lesson(session, title).id)
    assert progress.course_progress(session, leo, run.id).percent == 66  # 2 of 3 required
    drill = lesson(session, "Drill")
    with pytest.raises(Invalid, match=r"Watch at least 90% of the video first \(so far 0%\)"):
        progress.complete_lesson(session, leo, run.id, drill.id)
    done_at = utcnow()
    result = progress.record_video_watch(session, leo, run.id, drill.id, [[0, 120]], now=done_at)
    result = progress.record_video_watch(session, leo, run.id, drill.id, [[120, 240]], now=done_at)
    assert not result.done and result.watched_seconds == 240
    result = progress.record_video_watch(session, leo, run.id, drill.id, [[240, 270]], now=done_at)
    assert result.done and result.share == 0.9
    session.commit()
    # The optional live session does not hold the course back.
    assert run.status == "completed" and run.completed_at == done_at
    summary = progress.course_progress(session, leo, run.id)
    assert (summary.done, summary.total, summary.percent) == (3, 3, 100)
    assert events(session, "enrollment.completed")[-1].after["learner"] == LEO


def test_the_chosen_lessons_rule(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    courses.update_course(session, irene, course.id, completion_rule="chosen")
    courses.update_lesson(session, irene, lesson(session, "Fire exits").id, counts_for_completion=True)
    session.commit()
    run = enrollment.self_enroll(session, leo, course.id)
    progress.mark_viewed(session, leo, run.id, lesson(session, "Welcome").id)
    assert run.status == "active" and progress.course_progress(session, leo, run.id).total == 1
    progress.complete_lesson(session, leo, run.id, lesson(session, "Fire exits").id)
    assert run.status == "completed" and run.completed_at is not None


def test_distinct_seconds_skipping_ahead_and_rewatching(course, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    drill = lesson(session, "Drill").id
    now = utcnow()
    assert progress.record_video_watch(session, leo, run.id, drill, [[0, 30]], now=now).watched_seconds == 30
    # Skipping ahead to 4:50: only what was played counts, not the jump.
    assert progress.record_video_watch(session, leo, run.id, drill, [[290, 300]], now=now).watched_seconds == 40
    # Watching the start again adds nothing.
    assert progress.record_video_watch(session, leo, run.id, drill, [[0, 30], [10, 20]], now=now).watched_seconds == 40
    # Past the end of the video counts nothing; one report cannot claim the whole video.
    assert progress.record_video_watch(session, leo, run.id, drill, [[295, 9999]], now=now).watched_seconds == 40
    result = progress.record_video_watch(session, leo, run.id, drill, [[0, 300]], now=now)
    assert result.watched_seconds == 40 + progress.MAX_WATCH_GAIN_SECONDS and not result.done
    row = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == drill)).one()
    assert row.watched == [[0, 150], [290, 300]]
    with pytest.raises(Invalid, match="no video"):
        progress.record_video_watch(session, leo, run.id, lesson(session, "Welcome").id, [[0, 10]])


def test_heartbeats_are_capped(course, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    welcome = lesson(session, "Welcome").id
    t0 = utcnow()
    progress.open_lesson(session, leo, run.id, welcome, now=t0)
    assert progress.record_heartbeat(session, leo, run.id, welcome, 600, now=t0 + timedelta(minutes=10)) == 60
    # A burst of reports right after: only the wall time since the last one (plus slack) counts.
    assert progress.record_heartbeat(session, leo, run.id, welcome, 60, now=t0 + timedelta(minutes=10, seconds=1)) == 6
    assert progress.record_heartbeat(session, leo, run.id, welcome, -50, position=0.5, now=t0 + timedelta(minutes=11)) == 0
    assert progress.record_heartbeat(session, leo, run.id, welcome, 30, now=t0 + timedelta(minutes=11, seconds=30)) == 30
    row = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == welcome)).one()
    assert row.seconds_spent == 96 and row.position == 0.5


def test_attendance_is_recorded_by_staff_with_a_reason(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    live = lesson(session, "Live walk-through").id
    with pytest.raises(Invalid, match="staff record attendance"):
        progress.complete_lesson(session, leo, run.id, live)
    with pytest.raises(Invalid, match="Say why"):
        progress.mark_complete_for(session, irene, run.id, live, "  ")
    with pytest.raises(PermissionDenied):
        progress.mark_complete_for(session, actor_of(ISAAC), run.id, live, "I was there")
    progress.mark_complete_for(session, irene, run.id, live, "Attended on 3 March")
    session.commit()
    row = session.exec(select(LessonProgress).where(LessonProgress.lesson_id == live)).one()
    assert row.status == "done" and row.completed_by_id == uid(session, IRENE) and row.reason == "Attended on 3 March"
    assert events(session, "progress.marked_complete")[-1].after == {"lesson": "Live walk-through", "reason": "Attended on 3 March"}


def test_staff_reset_progress_with_a_reason_but_not_a_completed_run(course, session, actor_of):
    irene, leo = actor_of(IRENE), actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    welcome = lesson(session, "Welcome").id
    progress.mark_viewed(session, leo, run.id, welcome)
    with pytest.raises(Invalid, match="Say why"):
        progress.reset_progress_for(session, irene, run.id, welcome, "")
    assert progress.reset_progress_for(session, irene, run.id, welcome, "Content was rewritten") == 1
    assert states(session, leo, run)["Fire exits"] == ("locked", "Finish “Welcome” first")
    assert events(session, "progress.reset")[-1].after["reason"] == "Content was rewritten"
    # Finish everything (staff mark the video), then a reset is refused: the record stays.
    for title in ("Welcome", "Fire exits"):
        progress.mark_viewed(session, leo, run.id, lesson(session, title).id)
    progress.mark_complete_for(session, irene, run.id, lesson(session, "Drill").id, "Watched it in class")
    assert run.status == "completed"
    with pytest.raises(Conflict, match="completed one stays on record"):
        progress.reset_progress_for(session, irene, run.id, None, "Again")


def test_resume_where_one_left_off(course, session, actor_of):
    leo = actor_of(LEO)
    run = enrollment.self_enroll(session, leo, course.id)
    assert progress.resume_target(session, leo, run.id) == (lesson(session, "Welcome").id, None)
    drill = lesson(session, "Drill").id
    progress.record_video_watch(session, leo, run.id, drill, [[0, 42]], position=42)
    assert progress.resume_target(session, leo, run.id) == (drill, 42.0)
    session.commit()
    assert session.get(Enrollment, run.id).last_lesson_id == drill
