"""Assignments: a learner hands in text and/or files for an assignment lesson, by a due date
and before a cut-off, and may hand in again until a grader has graded the work; staff give a
learner an extension. Grading and releasing are the grading service's (it uses
`assignment_settings_of` and `late_penalty`).

Rules this module settles:
- a learner works only in their own submission, for an assignment lesson open to them
  (progress decides: enrolled, access not ended, not locked); one submission per run, handed
  in again as often as they like until graded;
- the learner's due date and cut-off are the lesson's, unless an override (an extension)
  gives them others (overrides.effective); a cut-off before the learner's due date moves to it;
- past the cut-off nothing is handed in; past the due date the work is late by the seconds
  since the due date (`late_seconds`, recomputed on each handing-in and on an extension);
- handing in again replaces the text; files chosen replace the files handed in before (which
  are deleted once the change is saved), none chosen keeps them;
- files: within the assignment's count, size and types; a file's content must be what its
  name says (recognised by its first bytes: a program renamed .pdf is refused); kept in
  private storage under submissions/<course id>/ and read only through `submission_file`, by
  the learner or the course's staff;
- the learner sees a grade, the feedback and the rubric levels only once released; until
  then graded work shows as submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lms_app import settings as app_settings
from lms_app.assessments.assignment_settings import (
    ACCEPTABLE_EXTENSIONS,
    SUBMISSION_TYPE_LABELS,
    AssignmentSettings,
    late_penalty,
)
from lms_app.models import Course, Enrollment, Lesson, LessonOverride, Rubric, Submission, User, utcnow
from lms_app.services import activity, audit, courses, files, overrides, progress, storage, timefmt
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

__all__ = ["late_penalty", "assignment_settings_of"]

ASSIGNMENT_KIND = "assignment"
SUBMITTED, GRADED, RELEASED = "submitted", "graded", "released"
MAX_TEXT = 200_000
MB = 1024 * 1024
INLINE = (".pdf", ".png", ".jpg", ".webp", ".txt")
TYPE_NAMES = {".pdf": "PDF", ".png": "PNG", ".jpg": "JPEG", ".webp": "WebP", ".docx": "Word", ".xlsx": "Excel",
              ".pptx": "PowerPoint", ".odt": "OpenDocument text", ".ods": "OpenDocument spreadsheet",
              ".odp": "OpenDocument presentation", ".txt": "plain text"}


def assignment_settings_of(lesson: Lesson) -> AssignmentSettings:
    """The checked settings of an assignment lesson (Invalid when they are not complete)."""
    return AssignmentSettings.from_content(lesson.content)


# --- what the learner sees -----------------------------------------------------------------------

@dataclass
class HandedInFile:
    index: int
    name: str
    size: int
    url: str


@dataclass
class RubricLine:
    criterion: str
    level: str
    points: float
    max_points: float
    description: str = ""


@dataclass
class MySubmission:
    """An assignment as its learner sees it now."""

    lesson_id: int
    settings: AssignmentSettings
    due_at: datetime | None  # the learner's own (an extension counts)
    cut_off_at: datetime | None
    extended: bool  # an extension moved the learner's dates
    status: str  # not_submitted | submitted | graded (released)
    can_submit: bool
    closed_reason: str = ""  # why nothing can be handed in (cut-off passed, graded)
    submission_id: int | None = None
    number: int = 0
    submitted_at: datetime | None = None
    late_seconds: int = 0
    text: str = ""
    files: list[HandedInFile] = field(default_factory=list)
    # Once released:
    points: float | None = None
    penalty: float = 0.0
    final_points: float | None = None
    max_points: float | None = None
    percent: float | None = None
    passed: bool | None = None
    feedback: str = ""
    rubric: list[RubricLine] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return self.status != "not_submitted" and self.late_seconds > 0


def submission_file_url(submission_id: int, index: int) -> str:
    """Where a handed-in file is read (the learner or the course's staff)."""
    return f"/files/submissions/{submission_id}/{index}"


def _assignment(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind != ASSIGNMENT_KIND:
        raise NotFound("That assignment does not exist.")
    return lesson


def _ready(lesson: Lesson) -> AssignmentSettings:
    try:
        return assignment_settings_of(lesson)
    except Invalid as exc:
        raise Conflict(f"This assignment is not ready: {exc.message} Tell the course's staff.") from None


def _learner_assignment(session: Session, actor: Actor, lesson_id: int, now: datetime) -> tuple[Lesson, AssignmentSettings, Enrollment]:
    lesson = _assignment(session, actor, lesson_id)
    try:
        enrollment = progress.check_lesson_open(session, actor, lesson, now=now)
    except NotFound:
        raise PermissionDenied("You are not enrolled in this course.") from None
    return lesson, _ready(lesson), enrollment


def learner_dates(session: Session, lesson: Lesson, s: AssignmentSettings, user_id: int) -> tuple[datetime | None, datetime | None, bool]:
    """A learner's due date and cut-off (an extension wins over the lesson's), and whether an
    extension applies. A cut-off before the due date moves to the due date."""
    eff = overrides.effective(session, lesson.id, user_id)
    due = eff.due_at or s.due_at
    cut_off = eff.closes_at or s.cut_off_at
    if due and cut_off and cut_off < due:
        cut_off = due
    return due, cut_off, bool(eff.due_at or eff.closes_at)


def _late_seconds(due: datetime | None, at: datetime) -> int:
    return max(0, int((at - due).total_seconds())) if due else 0


def _zone(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.timezone if user else "UTC"


def _row(session: Session, lesson_id: int, enrollment_id: int, *, lock: bool = False) -> Submission | None:
    stmt = select(Submission).where(Submission.lesson_id == lesson_id, Submission.enrollment_id == enrollment_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.exec(stmt).first()


def _rubric_lines(session: Session, row: Submission) -> list[RubricLine]:
    chosen = row.rubric or {}
    rubric = session.get(Rubric, int(chosen.get("rubric_id") or 0)) if chosen.get("rubric_id") else None
    if rubric is None:
        return []
    lines = []
    for criterion, level in zip(rubric.criteria or [], chosen.get("levels") or []):
        levels = criterion.get("levels") or []
        if not isinstance(level, int) or not 0 <= level < len(levels):
            continue
        top = max((float(lv.get("points") or 0) for lv in levels), default=0.0)
        picked = levels[level]
        lines.append(RubricLine(str(criterion.get("name") or ""), str(picked.get("label") or ""), float(picked.get("points") or 0),
                                top, str(picked.get("description") or "")))
    return lines


def my_submission(session: Session, actor: Actor, lesson_id: int, *, now: datetime | None = None) -> MySubmission:
    """The learner's view of an assignment: its settings, their own due date and cut-off, what
    they handed in and its status; the grade and feedback only once released."""
    now = now or utcnow()
    lesson, s, enrollment = _learner_assignment(session, actor, lesson_id, now)
    due, cut_off, extended = learner_dates(session, lesson, s, actor.user_id)
    row = _row(session, lesson.id, enrollment.id)
    view = MySubmission(lesson.id, s, due, cut_off, extended, "not_submitted", True)
    if row is not None:
        view.submission_id, view.number, view.submitted_at = row.id, row.number, row.submitted_at
        view.late_seconds, view.text = row.late_seconds, row.text
        view.files = [HandedInFile(i, str(f.get("name") or ""), int(f.get("size") or 0), submission_file_url(row.id, i))
                      for i, f in enumerate(row.files or [])]
        view.status = "graded" if row.status == RELEASED else "submitted"
        if row.status != SUBMITTED:
            view.can_submit = False
            view.closed_reason = "Your work has been graded." if row.status == RELEASED else "Your work is being graded: it can no longer be changed."
        if row.status == RELEASED and row.points is not None:
            view.points, view.penalty = row.points, row.penalty or 0.0
            view.max_points = row.max_points or s.max_points
            view.final_points = max(0.0, round(row.points - view.penalty, 2))
            fraction = view.final_points / view.max_points if view.max_points else 0.0
            view.percent = round(fraction * 100, 2)
            view.passed = s.passes(fraction)
            view.feedback = row.feedback or ""
            view.rubric = _rubric_lines(session, row)
    if view.can_submit and cut_off and now >= cut_off:
        view.can_submit = False
        view.closed_reason = f"The cut-off was {timefmt.show(cut_off, _zone(session, actor.user_id))}: work can no longer be handed in."
    return view


# --- handing in ----------------------------------------------------------------------------------

def type_names(extensions: list[str]) -> str:
    """'PDF or Word': the kinds of file these endings name."""
    names = list(dict.fromkeys(TYPE_NAMES.get(ACCEPTABLE_EXTENSIONS[e], e) for e in extensions))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def _keep_file(course_id: int, s: AssignmentSettings, stream: BinaryIO, file_name: str) -> dict:
    """Check one handed-in file (type by its name and its content, size) and write it to
    private storage; gives its entry for Submission.files. Nothing points to it yet."""
    shown = files.clean_file_name(file_name, "") or "The file"
    ext = Path(str(file_name or "")).suffix.lower()
    allowed = s.allowed_extensions()
    if ext not in allowed:
        raise Invalid(f"“{shown}”: this assignment takes {type_names(allowed)} files ({', '.join(allowed)}).")
    limit = min(s.max_file_mb, app_settings.MAX_FILE_MB) * MB
    wanted = ACCEPTABLE_EXTENSIONS[ext]
    file_path, size = files.store_handed_in(stream, shown, wanted, TYPE_NAMES.get(wanted, wanted), f"submissions/{course_id}", limit)
    return {"file_path": file_path, "name": files.clean_file_name(file_name, wanted), "size": size}


def submit(session: Session, actor: Actor, lesson_id: int, text: str = "", uploads: list[tuple[BinaryIO, str]] | None = None, *,
           now: datetime | None = None) -> MySubmission:
    """Hand in work for an assignment: text and/or files (`uploads`: (stream, file name)
    pairs), as the assignment takes them. Refused after the learner's cut-off and once the
    work is graded. Handing in again replaces the text, and the files when new ones are given
    (the old ones are deleted after the change is saved); `number` counts the handings-in.
    Lateness is measured against the learner's own due date."""
    now = now or utcnow()
    lesson, s, enrollment = _learner_assignment(session, actor, lesson_id, now)
    due, cut_off, _ = learner_dates(session, lesson, s, actor.user_id)
    if cut_off and now >= cut_off:
        raise Conflict(f"The cut-off for this assignment was {timefmt.show(cut_off, _zone(session, actor.user_id))}: work can no longer be handed in.")
    row = _row(session, lesson.id, enrollment.id, lock=True)
    if row is not None and row.status != SUBMITTED:
        raise Conflict("Your work has been graded: it can no longer be changed.")
    text = str(text or "").strip()
    uploads = list(uploads or [])
    if len(text) > MAX_TEXT:
        raise Invalid(f"The text must have at most {MAX_TEXT:,} characters.")
    if text and not s.takes_text:
        raise Invalid("This assignment takes files only: upload your work as a file.")
    if uploads and not s.takes_files:
        raise Invalid("This assignment takes text only: write your answer in the text box.")
    if len(uploads) > s.max_files:
        raise Invalid(f"Hand in at most {s.max_files} file{'s' if s.max_files != 1 else ''}.")
    kept = list(row.files or []) if row is not None and not uploads else []
    if s.submission_type == "text" and not text:
        raise Invalid("Write your answer before handing it in.")
    if s.submission_type == "file" and not uploads and not kept:
        raise Invalid("Choose at least one file to hand in.")
    if s.submission_type == "both" and not text and not uploads and not kept:
        raise Invalid("Write an answer or choose a file to hand in.")
    written: list[dict] = []
    try:
        for stream, name in uploads:
            written.append(_keep_file(lesson.course_id, s, stream, name))
    except BaseException:
        for entry in written:
            storage.remove_now(entry["file_path"])
        raise
    storage.remove_after_rollback(session, [e["file_path"] for e in written])
    new_files = written or kept
    late = _late_seconds(due, now)
    if row is None:
        row = Submission(org_id=lesson.org_id, lesson_id=lesson.id, enrollment_id=enrollment.id, user_id=actor.user_id,
                         number=1, text=text, files=new_files, submitted_at=now, late_seconds=late, max_points=s.max_points)
        try:
            # A second tab may hand in at the same moment: the unique (lesson, run) lets one win.
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise Conflict("Your work was just handed in from another tab: reload the page to see it.") from None
    else:
        replaced = [f["file_path"] for f in row.files or [] if f.get("file_path") not in {n["file_path"] for n in new_files}]
        row.number += 1
        row.text, row.files, row.submitted_at, row.late_seconds, row.max_points = text, new_files, now, late, s.max_points
        session.add(row)
        session.flush()
        storage.remove_after_commit(session, replaced)
    activity.record(session, org_id=lesson.org_id, user_id=actor.user_id, kind="assignment_submitted", course_id=lesson.course_id,
                    lesson_id=lesson.id, at=now)
    audit.record(session, actor, "assignment.submitted", target_type="submission", target_id=row.id,
                 target_label=lesson.title, after={"number": row.number, "files": len(new_files), "late_seconds": late})
    return my_submission(session, actor, lesson.id, now=now)


# --- reading a handed-in file --------------------------------------------------------------------

def submission_file(session: Session, actor: Actor, submission_id: int, index: int) -> files.ServedFile:
    """A handed-in file, for the learner who handed it in or the course's staff (anyone else
    signed in is refused). PDFs, images and plain text show in the page; the rest downloads."""
    require(actor, None)
    row = session.get(Submission, int(submission_id)) if submission_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That file does not exist.")
    courses.check_own_or_staff(session, actor, row.user_id, row.lesson_id)
    entries = row.files or []
    if not 0 <= int(index) < len(entries):
        raise NotFound("That file does not exist.")
    entry = entries[int(index)]
    path = storage.resolve(str(entry.get("file_path") or ""), "submissions", "The file is missing from storage.")
    ext = path.suffix.lower()
    return files.ServedFile(path, files.MIME_TYPES.get(ext, "application/octet-stream"), str(entry.get("name") or path.name), ext in INLINE)


# --- extensions ----------------------------------------------------------------------------------

@dataclass
class Extension:
    override_id: int
    user_id: int
    name: str
    email: str
    due_at: datetime | None
    closes_at: datetime | None
    reason: str


@dataclass
class Learner:
    user_id: int
    name: str
    email: str


def _staff_assignment(session: Session, actor: Actor, lesson_id: int) -> tuple[Lesson, Course]:
    lesson = _assignment(session, actor, lesson_id)
    course = courses.staffed_course(session, actor, lesson.course_id)
    return lesson, course


def list_extensions(session: Session, actor: Actor, lesson_id: int) -> list[Extension]:
    """The learners given other dates at this assignment (the course's staff only)."""
    lesson, _ = _staff_assignment(session, actor, lesson_id)
    rows = session.exec(select(LessonOverride, User).join(User, User.id == LessonOverride.user_id).where(
        LessonOverride.lesson_id == lesson.id, LessonOverride.user_id.is_not(None),
        (LessonOverride.due_at.is_not(None)) | (LessonOverride.closes_at.is_not(None)),
    ).order_by(User.name, User.id)).all()
    return [Extension(o.id, u.id, u.name, u.email, o.due_at, o.closes_at, o.reason) for o, u in rows]


def extension_candidates(session: Session, actor: Actor, lesson_id: int) -> list[Learner]:
    """The learners of the course (a current run) who may be given an extension."""
    lesson, course = _staff_assignment(session, actor, lesson_id)
    rows = session.exec(select(User).join(Enrollment, Enrollment.user_id == User.id).where(
        Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed"))).order_by(User.name, User.id)).all()
    seen: dict[int, Learner] = {}
    for u in rows:
        seen.setdefault(u.id, Learner(u.id, u.name, u.email))
    return list(seen.values())


def _aware(value: datetime | None, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid(f"{what} needs a date, a time and a time zone.")
    return value


def grant_extension(session: Session, actor: Actor, lesson_id: int, user_id: int, due_at: datetime | None,
                    closes_at: datetime | None, reason: str) -> LessonOverride:
    """Give one learner another due date and/or cut-off at an assignment (the course's staff),
    with a reason; audit-logged. A learner has one extension per assignment: granting again
    replaces it. Work already handed in and not yet released is measured against the new date."""
    lesson, course = _staff_assignment(session, actor, lesson_id)
    due_at, closes_at = _aware(due_at, "The new due date"), _aware(closes_at, "The new cut-off")
    reason = str(reason or "").strip()
    if due_at is None and closes_at is None:
        raise Invalid("Give a new due date, a new cut-off, or both.")
    if due_at and closes_at and closes_at < due_at:
        raise Invalid("The new cut-off cannot be before the new due date.")
    if not reason:
        raise Invalid("Say why the extension is given (it is kept in the audit trail).")
    if len(reason) > 500:
        raise Invalid("The reason must have at most 500 characters.")
    learner = session.get(User, int(user_id)) if user_id else None
    run = None
    if learner is not None and learner.org_id == actor.org_id:
        run = session.exec(select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == learner.id,
                                                    Enrollment.status.in_(("active", "completed")))
                           .order_by(Enrollment.enrolled_at.desc())).first()
    if run is None:
        raise NotFound("That person is not a learner of this course.")
    row = session.exec(select(LessonOverride).where(LessonOverride.lesson_id == lesson.id, LessonOverride.user_id == learner.id)).first()
    before = {"due_at": row.due_at, "closes_at": row.closes_at, "reason": row.reason} if row else None
    if row is None:
        row = LessonOverride(org_id=lesson.org_id, lesson_id=lesson.id, user_id=learner.id)
    row.due_at, row.closes_at, row.reason, row.created_by_id, row.created_at = due_at, closes_at, reason, actor.user_id, utcnow()
    session.add(row)
    session.flush()
    _remeasure(session, lesson, run.id, learner.id)
    audit.record(session, actor, "assignment.extension_granted", target_type="lesson_override", target_id=row.id,
                 target_label=learner.email, before=before,
                 after={"lesson": lesson.title, "due_at": due_at, "closes_at": closes_at, "reason": reason})
    return row


def remove_extension(session: Session, actor: Actor, override_id: int) -> None:
    """Take a learner's extension away (the course's staff); audit-logged."""
    require(actor, None)
    row = session.get(LessonOverride, int(override_id)) if override_id else None
    if row is None or row.org_id != actor.org_id or row.user_id is None:
        raise NotFound("That extension does not exist.")
    lesson, _ = _staff_assignment(session, actor, row.lesson_id)
    learner = session.get(User, row.user_id)
    before = {"due_at": row.due_at, "closes_at": row.closes_at, "reason": row.reason}
    session.delete(row)
    session.flush()
    run = session.exec(select(Submission).where(Submission.lesson_id == lesson.id, Submission.user_id == row.user_id)).all()
    for sub in run:
        _remeasure(session, lesson, sub.enrollment_id, row.user_id)
    audit.record(session, actor, "assignment.extension_removed", target_type="lesson_override", target_id=override_id,
                 target_label=learner.email if learner else str(row.user_id), before=before, after={"lesson": lesson.title})


def _remeasure(session: Session, lesson: Lesson, enrollment_id: int, user_id: int) -> None:
    """Lateness of work not yet released, against the learner's dates as they are now."""
    row = _row(session, lesson.id, enrollment_id)
    if row is None or row.status == RELEASED:
        return
    try:
        s = assignment_settings_of(lesson)
    except Invalid:
        return
    due, _, _ = learner_dates(session, lesson, s, user_id)
    late = _late_seconds(due, row.submitted_at)
    if late != row.late_seconds:
        row.late_seconds = late
        session.add(row)
        session.flush()


# --- authoring -----------------------------------------------------------------------------------

@dataclass
class RubricChoice:
    id: int
    title: str


def save_settings(session: Session, actor: Actor, lesson_id: int, content: dict) -> AssignmentSettings:
    """Save an assignment's settings (the course's instructors): checked as a whole, the rubric
    one of the course's."""
    lesson = _assignment(session, actor, lesson_id)
    courses.authored_course(session, actor, lesson.course_id)
    s = AssignmentSettings.from_content(content)
    if s.rubric_id is not None:
        rubric = session.get(Rubric, s.rubric_id)
        if rubric is None or rubric.course_id != lesson.course_id:
            raise Invalid("The rubric is not one of this course's rubrics.")
    courses.update_lesson(session, actor, lesson.id, content=s.to_content())
    return s


def describe(s: AssignmentSettings) -> str:
    """What is handed in, in words: 'Text and files: up to 3 files of 10 MB (PDF or Word)'."""
    out = SUBMISSION_TYPE_LABELS[s.submission_type]
    if s.takes_files:
        out += f": up to {s.max_files} file{'s' if s.max_files != 1 else ''} of {s.max_file_mb} MB"
        if s.accepted_types:
            out += f" ({type_names(s.accepted_types)})"
    return out


@dataclass
class EditorView:
    """An assignment's settings as saved (possibly incomplete), for its editor."""

    content: dict
    can_edit: bool
    rubrics: list[RubricChoice]


def editor_view(session: Session, actor: Actor, lesson_id: int) -> EditorView:
    """What the assignment editor shows (the course's staff; its instructors may change it)."""
    lesson, course = _staff_assignment(session, actor, lesson_id)
    rubrics = [RubricChoice(r.id, r.title) for r in session.exec(select(Rubric).where(Rubric.course_id == course.id).order_by(Rubric.title)).all()]
    return EditorView(dict(lesson.content or {}), courses.can_author(session, actor, course), rubrics)
