"""Progress through a course: which lessons are open (prerequisites, drip release), opening
a lesson, time spent, distinct seconds of video watched, completing lessons by each kind's
rule, the course's completion, staff corrections, and where to resume.

Who may do what: a learner works only in their own enrollments (anyone else's is NotFound,
so a learner not enrolled cannot read a lesson); the course's staff (instructors and
assistants) and holders of "courses.manage" may read a learner's lesson states and progress,
mark a lesson done for them or reset it, always with a reason kept in the audit trail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from lms_app.lessons import registry
from lms_app.lessons.registry import Evidence
from lms_app.models import (
    Course,
    Enrollment,
    Lesson,
    LessonPrerequisite,
    LessonProgress,
    ModulePrerequisite,
    User,
    utcnow,
)
from lms_app.services import activity, audit, requirements, timefmt
from lms_app.services.courses import can_view_as_staff, final_assessment, lessons_of, module_gate, modules_of
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

# Time counted per heartbeat at most: a page sends one every ~30 s while visible.
MAX_HEARTBEAT_SECONDS = 60
# Beyond the wall time since the previous report, so a burst of calls cannot add up time.
HEARTBEAT_SLACK_SECONDS = 5
# New distinct video seconds one report may add (a minute of play at double speed).
MAX_WATCH_GAIN_SECONDS = 2 * MAX_HEARTBEAT_SECONDS
MAX_MEDIA_SECONDS = 24 * 3600


@dataclass
class LessonState:
    lesson_id: int
    module_id: int
    module_title: str
    title: str
    kind: str
    icon: str
    state: str  # locked | available | in_progress | done
    reason: str  # why it is locked ("" otherwise)
    opens_at: datetime | None  # when a drip release opens it
    counts: bool  # counts for the course's completion


@dataclass
class OpenedLesson:
    lesson_id: int
    title: str
    kind: str
    content: dict[str, Any]
    status: str
    position: float | None
    completion: str  # how the kind reports completion


@dataclass
class CourseProgress:
    enrollment_id: int
    status: str
    done: int
    total: int
    percent: int
    completed_at: datetime | None


@dataclass
class VideoProgress:
    watched_seconds: int
    duration: int | None
    share: float
    done: bool


# --- access -------------------------------------------------------------------------------

def _own_enrollment(session: Session, actor: Actor, enrollment_id: int) -> Enrollment:
    require(actor, "learning.view")
    enrollment = session.get(Enrollment, int(enrollment_id)) if enrollment_id else None
    if enrollment is None or enrollment.user_id != actor.user_id or enrollment.org_id != actor.org_id:
        raise NotFound("You are not enrolled in this course.")
    return enrollment


def _readable_enrollment(session: Session, actor: Actor, enrollment_id: int) -> Enrollment:
    """The learner's own enrollment, or any enrollment of a course the actor is staff of."""
    require(actor, None)
    enrollment = session.get(Enrollment, int(enrollment_id)) if enrollment_id else None
    if enrollment is None or enrollment.org_id != actor.org_id:
        raise NotFound("That enrollment does not exist.")
    if enrollment.user_id != actor.user_id and not can_view_as_staff(session, actor, session.get(Course, enrollment.course_id)):
        raise NotFound("That enrollment does not exist.")
    return enrollment


def _staff_enrollment(session: Session, actor: Actor, enrollment_id: int) -> tuple[Enrollment, Course]:
    require(actor, None)
    enrollment = session.get(Enrollment, int(enrollment_id)) if enrollment_id else None
    if enrollment is None or enrollment.org_id != actor.org_id:
        raise NotFound("That enrollment does not exist.")
    course = session.get(Course, enrollment.course_id)
    if not can_view_as_staff(session, actor, course):
        raise PermissionDenied("Only the course's staff can change a learner's progress.")
    return enrollment, course


def _check_access(enrollment: Enrollment, tz: str, now: datetime) -> None:
    """Working in a course needs a run that is active (or completed: reviewing stays open)."""
    if enrollment.status == "withdrawn":
        raise PermissionDenied("You are no longer enrolled in this course.")
    if enrollment.status == "expired" or (enrollment.status == "active" and enrollment.expires_at and enrollment.expires_at <= now):
        raise PermissionDenied(f"Your access to this course ended on {_day(enrollment.expires_at or now, tz)}.")


def current_enrollment(session: Session, actor: Actor, course_id: int) -> Enrollment:
    """The actor's run of a course to work in: the active one, else the latest completed one."""
    require(actor, "learning.view")
    rows = session.exec(select(Enrollment).where(
        Enrollment.course_id == int(course_id), Enrollment.user_id == actor.user_id, Enrollment.org_id == actor.org_id,
        Enrollment.status.in_(("active", "completed")),
    ).order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())).all()
    active = [e for e in rows if e.status == "active"]
    if active or rows:
        return (active or rows)[0]
    raise NotFound("You are not enrolled in this course.")


# --- structure and rules -------------------------------------------------------------------

def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(timefmt.zone(tz))
    return f"{local.day} {local:%B %Y}"


def _opens_at(available_on: date | None, after_days: int | None, enrolled_at: datetime, tz: str) -> datetime | None:
    if available_on is not None:
        return datetime.combine(available_on, time.min, timefmt.zone(tz))
    if after_days:
        return enrolled_at + timedelta(days=after_days)
    return None


def _release_reason(available_on: date | None, after_days: int | None, opens_at: datetime, tz: str) -> str:
    if available_on is not None:
        return f"Opens on {_day(opens_at, tz)}"
    return f"Opens {after_days} day{'s' if after_days != 1 else ''} after you enrolled (on {_day(opens_at, tz)})"


def counted_lessons(course: Course, lessons: list[Lesson]) -> list[Lesson]:
    """The lessons the course's progress counts: the required ones ("all_required"), the
    chosen ones ("chosen"), or the required ones and the final assessment ("final_assessment")."""
    if course.completion_rule == "chosen":
        return [lesson for lesson in lessons if lesson.counts_for_completion]
    counted = [lesson for lesson in lessons if lesson.required]
    if course.completion_rule == "final_assessment":
        final = final_assessment(lessons)
        if final is not None and final not in counted:
            counted.append(final)
    return counted


def _rule_met(course: Course, lessons: list[Lesson], done: set[int]) -> bool:
    if course.completion_rule == "final_assessment":
        final = final_assessment(lessons)
        return final is not None and final.id in done
    counted = counted_lessons(course, lessons)
    return bool(counted) and all(lesson.id in done for lesson in counted)


def _progress_rows(session: Session, enrollment_id: int) -> dict[int, LessonProgress]:
    return {p.lesson_id: p for p in session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == enrollment_id)).all()}


def _states(session: Session, enrollment: Enrollment, now: datetime) -> tuple[Course, list[Lesson], list[LessonState]]:
    course = session.get(Course, enrollment.course_id)
    learner = session.get(User, enrollment.user_id)
    tz = learner.timezone if learner else "UTC"
    modules = modules_of(session, course.id)
    lessons = lessons_of(session, course.id)
    rows = _progress_rows(session, enrollment.id)
    done = {lid for lid, p in rows.items() if p.status == "done"}
    by_id = {lesson.id: lesson for lesson in lessons}
    in_module: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        in_module.setdefault(lesson.module_id, []).append(lesson)
    module_titles = {m.id: m.title for m in modules}
    module_requires: dict[int, list[int]] = {}
    for mid, req in session.exec(select(ModulePrerequisite.module_id, ModulePrerequisite.requires_module_id)
                                 .where(ModulePrerequisite.module_id.in_(module_titles or [0]))).all():
        module_requires.setdefault(mid, []).append(req)
    lesson_requires: dict[int, list[int]] = {}
    for lid, req in session.exec(select(LessonPrerequisite.lesson_id, LessonPrerequisite.requires_lesson_id)
                                 .where(LessonPrerequisite.lesson_id.in_(by_id or [0]))).all():
        lesson_requires.setdefault(lid, []).append(req)
    order = {m.id: i for i, m in enumerate(modules)}
    lesson_order = {lesson.id: i for i, lesson in enumerate(lessons)}

    def release(item) -> tuple[str, datetime | None]:
        opens = _opens_at(item.available_on, item.available_after_days, enrollment.enrolled_at, tz)
        if opens is not None and now < opens:
            return _release_reason(item.available_on, item.available_after_days, opens, tz), opens
        return "", None

    module_lock: dict[int, tuple[str, datetime | None]] = {}
    for module in modules:
        reason, opens = release(module)
        if not reason:
            for req in sorted(module_requires.get(module.id, []), key=lambda m: order.get(m, 0)):
                if any(lesson.id not in done for lesson in module_gate(in_module.get(req, []))):
                    reason = f"Finish “{module_titles[req]}” first"
                    break
        module_lock[module.id] = (reason, opens)

    counted = {lesson.id for lesson in counted_lessons(course, lessons)}
    states: list[LessonState] = []
    for lesson in lessons:
        kind = registry.get(lesson.kind)
        reason, opens = module_lock[lesson.module_id]
        if not reason:
            reason, opens = release(lesson)
        if not reason:
            for req in sorted(lesson_requires.get(lesson.id, []), key=lambda lid: lesson_order.get(lid, 0)):
                if req not in done and req in by_id:
                    reason = f"Finish “{by_id[req].title}” first"
                    break
        row = rows.get(lesson.id)
        if lesson.id in done:
            state, reason, opens = "done", "", None
        elif reason:
            state = "locked"
        elif row is not None and row.status == "in_progress":
            state = "in_progress"
        else:
            state = "available"
        states.append(LessonState(lesson.id, lesson.module_id, module_titles[lesson.module_id], lesson.title, lesson.kind,
                                  kind.icon, state, reason, opens, lesson.id in counted))
    return course, lessons, states


def lesson_states(session: Session, actor: Actor, enrollment_id: int, *, now: datetime | None = None) -> list[LessonState]:
    """Each lesson of the run in outline order: locked (with the reason a learner reads),
    available, in progress or done."""
    enrollment = _readable_enrollment(session, actor, enrollment_id)
    return _states(session, enrollment, now or utcnow())[2]


def _lesson_for(session: Session, enrollment: Enrollment, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.course_id != enrollment.course_id:
        raise NotFound("That lesson does not exist.")
    return lesson


def _open_row(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, now: datetime) -> tuple[Enrollment, Lesson, LessonProgress]:
    """The learner's progress row for a lesson they may work in (refusing locked lessons)."""
    enrollment = _own_enrollment(session, actor, enrollment_id)
    learner = session.get(User, enrollment.user_id)
    _check_access(enrollment, learner.timezone if learner else "UTC", now)
    lesson = _lesson_for(session, enrollment, lesson_id)
    state = next(s for s in _states(session, enrollment, now)[2] if s.lesson_id == lesson.id)
    if state.state == "locked":
        raise PermissionDenied(f"This lesson is not open yet. {state.reason}.")
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.lesson_id == lesson.id)).first()
    if row is None:
        row = LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id, status="in_progress", started_at=now, last_seen_at=now)
    elif row.status == "not_started":
        row.status, row.started_at, row.last_seen_at = "in_progress", now, now
    enrollment.last_lesson_id = lesson.id
    enrollment.last_activity_at = now
    session.add_all([row, enrollment])
    session.flush()
    return enrollment, lesson, row


def check_lesson_open(session: Session, actor: Actor, lesson: Lesson, *, now: datetime | None = None) -> Enrollment:
    """The actor's current run of the lesson's course, if it may open this lesson now (the same
    checks as opening it, but nothing is recorded). NotFound when not enrolled; PermissionDenied
    when the access ended or the lesson is locked."""
    now = now or utcnow()
    enrollment = current_enrollment(session, actor, lesson.course_id)
    learner = session.get(User, enrollment.user_id)
    _check_access(enrollment, learner.timezone if learner else "UTC", now)
    state = next((s for s in _states(session, enrollment, now)[2] if s.lesson_id == lesson.id), None)
    if state is None:
        raise NotFound("That lesson does not exist.")
    if state.state == "locked":
        raise PermissionDenied(f"This lesson is not open yet. {state.reason}.")
    return enrollment


def check_lesson_readable(session: Session, actor: Actor, lesson: Lesson, *, now: datetime | None = None) -> None:
    """Whether the actor may read the lesson (its files, its session details): the course's
    staff, or a learner for whom it is open. Someone not enrolled is refused with
    PermissionDenied (the lesson's existence is no secret within the organization)."""
    course = session.get(Course, lesson.course_id)
    if course is not None and can_view_as_staff(session, actor, course):
        return
    if not actor.can("learning.view"):
        raise PermissionDenied("You do not have permission to do that.")
    try:
        check_lesson_open(session, actor, lesson, now=now)
    except NotFound:
        raise PermissionDenied("You are not enrolled in this course.") from None


# --- learner actions ------------------------------------------------------------------------

def open_lesson(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, *, now: datetime | None = None) -> OpenedLesson:
    """Open a lesson in one's own run: refused when it is locked or the access ended."""
    now = now or utcnow()
    enrollment, lesson, row = _open_row(session, actor, enrollment_id, lesson_id, now)
    activity.record(session, org_id=enrollment.org_id, user_id=enrollment.user_id, kind="lesson_opened", course_id=enrollment.course_id,
                    lesson_id=lesson.id, at=now)
    return OpenedLesson(lesson.id, lesson.title, lesson.kind, dict(lesson.content), row.status, row.position, registry.get(lesson.kind).completion)


def record_heartbeat(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, seconds: float, *,
                     position: float | None = None, now: datetime | None = None) -> int:
    """Time spent with the lesson visible. Each report counts at most MAX_HEARTBEAT_SECONDS and
    never more than the wall time since the previous one (plus a little slack). Returns the
    seconds counted."""
    now = now or utcnow()
    enrollment, _, row = _open_row(session, actor, enrollment_id, lesson_id, now)
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        raise Invalid("The time spent must be a number of seconds.") from None
    counted = int(max(0.0, min(seconds if math.isfinite(seconds) else 0.0, MAX_HEARTBEAT_SECONDS)))
    if row.last_seen_at is not None and row.seconds_spent:
        elapsed = max(0.0, (now - row.last_seen_at).total_seconds())
        counted = min(counted, int(math.ceil(elapsed)) + HEARTBEAT_SLACK_SECONDS)
    row.seconds_spent += counted
    row.last_seen_at = now
    _set_position(row, position)
    session.add(row)
    session.flush()
    return counted


def _set_position(row: LessonProgress, position: float | None) -> None:
    if position is None:
        return
    try:
        position = float(position)
    except (TypeError, ValueError):
        raise Invalid("The position must be a number.") from None
    if math.isfinite(position) and position >= 0:
        row.position = position


def _merge(ranges: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def _seconds(ranges: list[list[int]]) -> int:
    return sum(end - start for start, end in ranges)


def _clean_ranges(ranges: Any, limit: int | None) -> list[list[int]]:
    if not isinstance(ranges, (list, tuple)) or len(ranges) > 1000:
        raise Invalid("The played ranges are not in the expected form.")
    out = []
    for item in ranges:
        try:
            start, end = (float(x) for x in item)
        except (TypeError, ValueError):
            raise Invalid("The played ranges are not in the expected form.") from None
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        start, end = max(0, math.floor(start)), math.floor(end)
        if limit is not None:
            end = min(end, limit)
        if end > start:
            out.append([start, end])
    return _merge(out)


def _trim_gain(old: list[list[int]], new: list[list[int]], budget: int) -> list[list[int]]:
    """Add the unseen parts of the new ranges, in playing order, until `budget` new distinct
    seconds were added."""
    merged = _merge([list(r) for r in old])
    for start, end in new:
        gaps, cursor = [], start
        for s, e in merged:
            if e <= cursor:
                continue
            if s >= end:
                break
            if s > cursor:
                gaps.append((cursor, s))
            cursor = max(cursor, e)
            if cursor >= end:
                break
        if cursor < end:
            gaps.append((cursor, end))
        for gap_start, gap_end in gaps:
            take = min(gap_end - gap_start, budget)
            if take <= 0:
                break
            merged.append([gap_start, gap_start + take])
            budget -= take
        merged = _merge(merged)
        if budget <= 0:
            break
    return merged


def _evidence(row: LessonProgress, **extra: Any) -> Evidence:
    return Evidence(watched_seconds=_seconds(row.watched or []), media_duration=row.media_duration, **extra)


def record_video_watch(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, ranges: list[list[float]], *,
                       duration: float | None = None, position: float | None = None, now: datetime | None = None) -> VideoProgress:
    """Merge the ranges the player reports as played into the distinct seconds watched:
    skipping ahead adds nothing in between, watching again adds nothing twice. The lesson is
    done once the kind's share (90% by default) was watched."""
    now = now or utcnow()
    enrollment, lesson, row = _open_row(session, actor, enrollment_id, lesson_id, now)
    kind = registry.get(lesson.kind)
    if kind.completion != "watched":
        raise Invalid("This lesson has no video to watch.")
    if not lesson.content.get("duration_seconds") and duration is not None and not row.media_duration:
        try:
            reported = int(float(duration))
        except (TypeError, ValueError):
            reported = 0
        if 0 < reported <= MAX_MEDIA_SECONDS:
            row.media_duration = reported
    length = registry.media_duration(lesson.content, Evidence(media_duration=row.media_duration))
    new = _clean_ranges(ranges, length)
    row.watched = _trim_gain(row.watched or [], new, MAX_WATCH_GAIN_SECONDS)
    _set_position(row, position)
    row.last_seen_at = now
    session.add(row)
    session.flush()
    evidence = _evidence(row)
    if row.status != "done" and kind.is_complete(lesson.content, evidence):
        _complete(session, actor, enrollment, row, now)
    return VideoProgress(evidence.watched_seconds, length, registry.watched_share(lesson.content, evidence), row.status == "done")


def mark_viewed(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, *, now: datetime | None = None) -> bool:
    """The learner reached the end of the lesson (read to the bottom, opened the file or the
    link). Completes kinds that report "viewed". Returns whether the lesson is done."""
    now = now or utcnow()
    enrollment, lesson, row = _open_row(session, actor, enrollment_id, lesson_id, now)
    if row.status != "done" and registry.get(lesson.kind).is_complete(lesson.content, _evidence(row, viewed=True)):
        _complete(session, actor, enrollment, row, now)
    return row.status == "done"


def complete_lesson(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, *, now: datetime | None = None) -> None:
    """"Mark as done" by the learner, accepted only when the kind's rule is met: enough of a
    video watched; never for kinds staff or a grader complete (attendance, passing)."""
    now = now or utcnow()
    enrollment, lesson, row = _open_row(session, actor, enrollment_id, lesson_id, now)
    if row.status == "done":
        return
    kind = registry.get(lesson.kind)
    if not kind.learner_completes or kind.completion in ("attended", "passed"):
        raise Invalid("The course's staff record attendance for this session." if kind.completion == "attended"
                      else "This lesson is completed by passing it.")
    evidence = _evidence(row, viewed=True, marked_done=True)
    if not kind.is_complete(lesson.content, evidence):
        if kind.completion == "watched":
            share = registry.watched_share(lesson.content, evidence)
            raise Invalid(f"Watch at least {registry.watch_threshold(lesson.content):.0%} of the video first (so far {share:.0%}).")
        raise Invalid("This lesson is not finished yet.")
    _complete(session, actor, enrollment, row, now)


def record_passed(session: Session, actor: Actor | None, enrollment_id: int, lesson_id: int, *, now: datetime | None = None) -> bool:
    """A graded lesson (a quiz) was passed in a run: completes it by its kind's rule, and maybe
    the course. Called by the grading services (actor None: the job runner), never on a
    learner's word. Returns whether the lesson is done."""
    now = now or utcnow()
    enrollment = session.get(Enrollment, int(enrollment_id))
    if enrollment is None:
        raise NotFound("That enrollment does not exist.")
    lesson = _lesson_for(session, enrollment, lesson_id)
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.lesson_id == lesson.id)).first()
    if row is not None and row.status == "done":
        return True
    row = row or LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id, status="in_progress", started_at=now)
    if not registry.get(lesson.kind).is_complete(lesson.content, _evidence(row, passed=True)):
        return False
    _complete(session, actor, enrollment, row, now)
    return True


def _complete(session: Session, actor: Actor | None, enrollment: Enrollment, row: LessonProgress, now: datetime, *,
              by: int | None = None, reason: str = "") -> None:
    row.status = "done"
    row.completed_at = now
    row.started_at = row.started_at or now
    row.completed_by_id = by
    row.reason = reason
    session.add(row)
    session.flush()
    activity.record(session, org_id=enrollment.org_id, user_id=enrollment.user_id, kind="lesson_completed", course_id=enrollment.course_id,
                    lesson_id=row.lesson_id, at=now)
    _complete_course_if_met(session, actor, enrollment, now)


def _complete_course_if_met(session: Session, actor: Actor | None, enrollment: Enrollment, now: datetime) -> None:
    if enrollment.status != "active":
        return
    course = session.get(Course, enrollment.course_id)
    lessons = lessons_of(session, course.id)
    done = {lid for lid, p in _progress_rows(session, enrollment.id).items() if p.status == "done"}
    if not _rule_met(course, lessons, done):
        return
    enrollment.status = "completed"
    enrollment.completed_at = now
    session.add(enrollment)
    session.flush()
    activity.record(session, org_id=enrollment.org_id, user_id=enrollment.user_id, kind="course_completed", course_id=enrollment.course_id, at=now)
    learner = session.get(User, enrollment.user_id)
    # org_id given: a completion recorded by the job runner has no actor to take it from.
    audit.record(session, actor, "enrollment.completed", org_id=enrollment.org_id, target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{learner.email if learner else enrollment.user_id} in {course.title}",
                 after={"course": course.title, "learner": learner.email if learner else None, "completed_at": now,
                        "rule": course.completion_rule})
    # The certificate and the required training it satisfies follow in the same transaction.
    requirements.course_completed(session, enrollment)


# --- progress figures ------------------------------------------------------------------------

def course_progress(session: Session, actor: Actor, enrollment_id: int) -> CourseProgress:
    """How far the run is: the lessons that count for completion, done of total, percent."""
    enrollment = _readable_enrollment(session, actor, enrollment_id)
    course = session.get(Course, enrollment.course_id)
    counted = {lesson.id for lesson in counted_lessons(course, lessons_of(session, course.id))}
    done = sum(1 for lid, p in _progress_rows(session, enrollment.id).items() if p.status == "done" and lid in counted)
    percent = 100 if enrollment.status == "completed" else (done * 100 // len(counted) if counted else 0)
    return CourseProgress(enrollment.id, enrollment.status, done, len(counted), percent, enrollment.completed_at)


def percent_by_enrollment(session: Session, enrollments: list[Enrollment]) -> dict[int, int]:
    """Percent of counted lessons done, for many runs at once (roster, My learning)."""
    if not enrollments:
        return {}
    course_ids = {e.course_id for e in enrollments}
    counted: dict[int, set[int]] = {}
    for course in session.exec(select(Course).where(Course.id.in_(course_ids))).all():
        counted[course.id] = {lesson.id for lesson in counted_lessons(course, lessons_of(session, course.id))}
    done: dict[int, set[int]] = {}
    ids = [e.id for e in enrollments]
    for start in range(0, len(ids), 1000):
        for eid, lid in session.exec(select(LessonProgress.enrollment_id, LessonProgress.lesson_id).where(
                LessonProgress.enrollment_id.in_(ids[start:start + 1000]), LessonProgress.status == "done")).all():
            done.setdefault(eid, set()).add(lid)
    out = {}
    for e in enrollments:
        total = counted.get(e.course_id, set())
        out[e.id] = 100 if e.status == "completed" else (len(done.get(e.id, set()) & total) * 100 // len(total) if total else 0)
    return out


def resume_target(session: Session, actor: Actor, enrollment_id: int, *, now: datetime | None = None) -> tuple[int, float | None] | None:
    """Where "Continue" leads: the last lesson opened (and the position in it) if it is still
    open, else the first open lesson not done; None when nothing is open."""
    enrollment = _own_enrollment(session, actor, enrollment_id)
    states = _states(session, enrollment, now or utcnow())[2]
    open_ids = {s.lesson_id for s in states if s.state != "locked"}
    if enrollment.last_lesson_id in open_ids:
        row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id,
                                                        LessonProgress.lesson_id == enrollment.last_lesson_id)).first()
        if row is None or row.status != "done":
            return enrollment.last_lesson_id, row.position if row else None
    nxt = next((s for s in states if s.state in ("available", "in_progress")), None)
    return (nxt.lesson_id, None) if nxt else None


# --- staff corrections ------------------------------------------------------------------------

def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("Say why: the reason is kept in the audit trail.")
    return reason[:500]


def mark_complete_for(session: Session, actor: Actor, enrollment_id: int, lesson_id: int, reason: str, *,
                      now: datetime | None = None) -> None:
    """Staff mark a lesson done for a learner (attendance at a live session, work done
    elsewhere), with a mandatory reason; may complete the course."""
    now = now or utcnow()
    enrollment, course = _staff_enrollment(session, actor, enrollment_id)
    reason = _reason(reason)
    if enrollment.status not in ("active", "completed"):
        raise Conflict("This enrollment is no longer active.")
    lesson = _lesson_for(session, enrollment, lesson_id)
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.lesson_id == lesson.id)).first()
    if row is not None and row.status == "done":
        raise Conflict(f"“{lesson.title}” is already done.")
    row = row or LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id)
    learner = session.get(User, enrollment.user_id)
    audit.record(session, actor, "progress.marked_complete", target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{learner.email if learner else enrollment.user_id} in {course.title}",
                 after={"lesson": lesson.title, "reason": reason})
    _complete(session, actor, enrollment, row, now, by=actor.user_id, reason=reason)


def reset_progress_for(session: Session, actor: Actor, enrollment_id: int, lesson_id: int | None, reason: str) -> int:
    """Staff reset a learner's progress in one lesson (or, with lesson_id None, the whole run),
    with a mandatory reason. A completed run is a record and stays as it is: enroll the learner
    again for a retake. Returns how many lessons were reset."""
    enrollment, course = _staff_enrollment(session, actor, enrollment_id)
    reason = _reason(reason)
    if enrollment.status != "active":
        raise Conflict("Only an active enrollment can be reset: a completed one stays on record (enroll again for a retake).")
    stmt = select(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id, LessonProgress.status != "not_started")
    label = "all lessons"
    if lesson_id is not None:
        lesson = _lesson_for(session, enrollment, lesson_id)
        stmt = stmt.where(LessonProgress.lesson_id == lesson.id)
        label = lesson.title
    rows = session.exec(stmt).all()
    for row in rows:
        row.status, row.started_at, row.completed_at = "not_started", None, None
        row.seconds_spent, row.position, row.watched, row.media_duration = 0, None, [], None
        row.completed_by_id, row.reason = actor.user_id, reason
        session.add(row)
    session.flush()
    learner = session.get(User, enrollment.user_id)
    audit.record(session, actor, "progress.reset", target_type="enrollment", target_id=enrollment.id,
                 target_label=f"{learner.email if learner else enrollment.user_id} in {course.title}",
                 after={"lessons": label, "reset": len(rows), "reason": reason})
    return len(rows)

