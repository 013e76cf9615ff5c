"""SCORM lessons: packages uploaded by instructors, attempts and the run-time data learners'
SCOs commit, and how their results reach the lesson's completion and the gradebook.

The run-time itself (the `API` / `API_1484_11` objects a SCO calls) runs in the player page
(assets/scorm/runtime.js): SCORM calls are synchronous. It commits the data model here, where
it is validated again against the same spec file (services/scorm_datamodel) before it is kept.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import func
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Course, Enrollment, Lesson, LessonProgress, User
from lms_app.models.base import utcnow
from lms_app.models.scorm import ScormAttempt, ScormItemState, ScormPackage
from lms_app.services import audit, courses, gradebook, progress, scorm_datamodel, scorm_package, storage, xapi_emit
from lms_app.services.csv_export import safe_cell
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

STORAGE_AREA = "scorm"
MAX_COMMIT_BYTES = 512 * 1024  # 2004 suspend_data is 64,000 characters; interactions add the rest

# Where each version keeps what the LMS tells the SCO at launch.
_LAUNCH_NAMES = {
    "1.2": {
        "learner_id": "cmi.core.student_id", "learner_name": "cmi.core.student_name", "credit": "cmi.core.credit",
        "mode": "cmi.core.lesson_mode", "entry": "cmi.core.entry", "total_time": "cmi.core.total_time",
        "launch_data": "cmi.launch_data", "mastery_score": "cmi.student_data.mastery_score",
        "max_time_allowed": "cmi.student_data.max_time_allowed", "time_limit_action": "cmi.student_data.time_limit_action",
        "exit": "cmi.core.exit", "session_time": "cmi.core.session_time",
    },
    "2004": {
        "learner_id": "cmi.learner_id", "learner_name": "cmi.learner_name", "credit": "cmi.credit", "mode": "cmi.mode",
        "entry": "cmi.entry", "total_time": "cmi.total_time", "launch_data": "cmi.launch_data",
        "completion_threshold": "cmi.completion_threshold", "scaled_passing_score": "cmi.scaled_passing_score",
        "max_time_allowed": "cmi.max_time_allowed", "time_limit_action": "cmi.time_limit_action",
        "exit": "cmi.exit", "session_time": "cmi.session_time",
    },
}


# --- packages ----------------------------------------------------------------------------------

def _authored_scorm_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    return courses.authored_lesson(session, actor, lesson_id, "scorm", "Only SCORM lessons hold a SCORM package.")


def import_package(session: Session, actor: Actor, lesson_id: int, zip_path: Path, file_name: str, *,
                   move_open_attempts: bool = False) -> ScormPackage:
    """Check an uploaded zip (limits, paths, manifest: scorm_package.inspect, before anything is
    unpacked), unpack it into private storage and make it the lesson's package (the course's
    instructors only). A package that replaces another becomes its next version: finished
    attempts keep their results; open ones continue on their version unless
    `move_open_attempts`, which closes them so learners start again on the new one."""
    lesson = _authored_scorm_lesson(session, actor, lesson_id)
    manifest = scorm_package.inspect(zip_path)
    folder = f"{STORAGE_AREA}/{lesson.course_id}/{secrets.token_hex(12)}"
    target = settings.PRIVATE_DIR / folder
    scorm_package.extract(zip_path, target, manifest)
    with storage.adopting(session, folder):
        version = (session.exec(select(func.max(ScormPackage.version)).where(ScormPackage.lesson_id == lesson.id)).one() or 0) + 1
        package = ScormPackage(
            org_id=lesson.org_id, lesson_id=lesson.id, version=version, scorm_version=manifest.scorm_version,
            edition=manifest.edition, title=(manifest.title or "")[:300], file_name=(file_name or "package.zip")[:255],
            size_bytes=zip_path.stat().st_size, unpacked_bytes=manifest.unpacked_bytes, file_count=manifest.file_count,
            storage_dir=folder, manifest=manifest.to_dict(), uploaded_by_id=actor.user_id,
        )
        session.add(package)
        session.flush()
        moved = 0
        if move_open_attempts:
            for attempt in session.exec(select(ScormAttempt).where(ScormAttempt.lesson_id == lesson.id, ScormAttempt.status == "open")):
                attempt.status = "superseded"
                attempt.updated_at = utcnow()
                session.add(attempt)
                moved += 1
        content = {**(lesson.content or {}), "package_id": package.id}
        courses.update_lesson(session, actor, lesson.id, content=content)
        audit.record(session, actor, "scorm.package_uploaded", target_type="lesson", target_id=lesson.id, target_label=lesson.title,
                     after={"version": version, "scorm": manifest.edition, "file": package.file_name, "items": len(manifest.items),
                            "open_attempts_moved": moved})
    return package


def import_upload(session: Session, actor: Actor, lesson_id: int, stream: BinaryIO, file_name: str, *,
                  move_open_attempts: bool = False) -> ScormPackage:
    """An uploaded zip (a stream) as the lesson's package: written to a temporary file within
    the package size limit, imported by `import_package`, and the temporary file removed."""
    _authored_scorm_lesson(session, actor, lesson_id)
    head = stream.read(4) or b""
    if not head.startswith(b"PK"):
        raise Invalid("A SCORM package is a .zip file: this file is not one.")
    limit = scorm_package.MAX_PACKAGE_BYTES
    too_large = Invalid(f"The package is refused: it is larger than {limit // (1024 * 1024)} MB.")
    temporary, _ = storage.write(f"{STORAGE_AREA}/incoming", ".zip", head, stream, limit, too_large)
    try:
        return import_package(session, actor, lesson_id, settings.PRIVATE_DIR / temporary, file_name, move_open_attempts=move_open_attempts)
    finally:
        storage.remove_now(temporary)


def package_of(session: Session, lesson: Lesson) -> ScormPackage | None:
    package_id = (lesson.content or {}).get("package_id")
    return session.get(ScormPackage, int(package_id)) if package_id else None


@dataclass
class PackageInfo:
    version: int
    edition: str
    title: str
    file_name: str
    size_bytes: int
    items: list[str]
    unsupported: list[str]
    uploaded_at: datetime


@dataclass
class EditorView:
    package: PackageInfo | None
    max_attempts: int | None


def editor_view(session: Session, actor: Actor, lesson_id: int) -> EditorView:
    """The lesson's current package and attempt settings, for its editor (instructors only)."""
    lesson = _authored_scorm_lesson(session, actor, lesson_id)
    package = package_of(session, lesson)
    info = None
    if package is not None:
        manifest = scorm_package.Manifest.from_dict(package.manifest)
        info = PackageInfo(package.version, package.edition, package.title, package.file_name, package.size_bytes,
                           [i.title for i in manifest.launchable_items], list(manifest.unsupported), package.uploaded_at)
    return EditorView(info, max_attempts(lesson))


def save_settings(session: Session, actor: Actor, lesson_id: int, *, max_attempts: Any) -> None:
    """How many attempts learners get (empty: no limit). The package itself changes only by upload."""
    lesson = _authored_scorm_lesson(session, actor, lesson_id)
    if not (lesson.content or {}).get("package_id"):
        raise Invalid("Upload the package first.")
    content = {k: v for k, v in (lesson.content or {}).items() if k != "max_attempts"}
    if str(max_attempts or "").strip():
        content["max_attempts"] = str(max_attempts).strip()
    courses.update_lesson(session, actor, lesson.id, content=content)


def adopt_copied_packages(session: Session, actor: Actor, lessons: list[Lesson]) -> None:
    """SCORM lessons of a course built from another (a copy, an archive): each gets a package
    row of its own over the unpacked files of the package its content names, when that package
    is in the organization and the actor is on the staff of its course; otherwise (an archive
    from elsewhere, a package the actor may not see) the lesson waits for an upload."""
    for lesson in lessons:
        package_id = (lesson.content or {}).get("package_id") if lesson.kind == "scorm" else None
        if not package_id:
            continue
        content = {k: v for k, v in lesson.content.items() if k != "package_id"}
        source = session.get(ScormPackage, int(package_id)) if isinstance(package_id, int) else None
        source_lesson = session.get(Lesson, source.lesson_id) if source is not None and source.org_id == lesson.org_id else None
        course = session.get(Course, source_lesson.course_id) if source_lesson is not None else None
        if course is not None and courses.can_view_as_staff(session, actor, course):
            fields = source.model_dump(exclude={"id", "lesson_id", "version", "uploaded_at"})
            copy = ScormPackage(**fields, lesson_id=lesson.id, version=1)
            session.add(copy)
            session.flush()
            content["package_id"] = copy.id
        lesson.content = content
        session.add(lesson)
    session.flush()


def package_folders(session: Session, lesson_ids: list[int]) -> list[str]:
    """The unpacked folders of these lessons' packages (every version)."""
    return list(session.exec(select(ScormPackage.storage_dir).where(ScormPackage.lesson_id.in_(lesson_ids))).all())


def forget_unused_folders(session: Session, folders: list[str]) -> None:
    """Delete, once the transaction commits, the package folders no package row uses any more
    (copies of a course share their packages' files)."""
    session.flush()
    used = set(session.exec(select(ScormPackage.storage_dir).where(ScormPackage.storage_dir.in_(folders))).all()) if folders else set()
    storage.remove_after_commit(session, sorted(set(folders) - used))


# --- serving the package's files ---------------------------------------------------------------

def content_file(session: Session, actor: Actor, package_id: int, relative: str) -> tuple[Path, str]:
    """A file of a package, for someone who may read its lesson (the course's staff, or a
    learner enrolled for whom the lesson is open): its path and content type."""
    package = session.get(ScormPackage, int(package_id))
    if package is None or package.org_id != actor.org_id:
        raise NotFound("That package does not exist.")
    lesson = session.get(Lesson, package.lesson_id)
    progress.check_lesson_readable(session, actor, lesson)
    root = storage.resolve_folder(package.storage_dir, STORAGE_AREA, "The package's files are missing. Ask the course's instructor to upload it again.")
    path = scorm_package.safe_member_path(root, relative)
    return path, scorm_package.content_type(path.name)


# --- attempts and launching --------------------------------------------------------------------

def _items(package: ScormPackage) -> list[scorm_package.Item]:
    return list(scorm_package.Manifest.from_dict(package.manifest).launchable_items)


def _attempts(session: Session, lesson_id: int, enrollment_id: int) -> list[ScormAttempt]:
    return list(session.exec(select(ScormAttempt).where(ScormAttempt.lesson_id == lesson_id, ScormAttempt.enrollment_id == enrollment_id)
                             .order_by(ScormAttempt.number)))


def max_attempts(lesson: Lesson) -> int | None:
    return (lesson.content or {}).get("max_attempts") or None


def _package_attempt_limit(session: Session, lesson: Lesson) -> int | None:
    """The attempt limit a one-SCO package sets for itself (imsss:limitConditions), used when
    the lesson sets none."""
    package = package_of(session, lesson)
    items = _items(package) if package is not None else []
    return items[0].attempt_limit if len(items) == 1 else None


def _new_attempt(session: Session, lesson: Lesson, enrollment: Enrollment, number: int) -> ScormAttempt:
    package = package_of(session, lesson)
    if package is None:
        raise NotFound("This lesson has no package yet. Ask the course's instructor to upload it.")
    attempt = ScormAttempt(org_id=lesson.org_id, lesson_id=lesson.id, package_id=package.id, enrollment_id=enrollment.id,
                           user_id=enrollment.user_id, number=number)
    session.add(attempt)
    session.flush()
    return attempt


def _current_attempt(session: Session, lesson: Lesson, enrollment: Enrollment, *, new: bool) -> ScormAttempt:
    attempts = _attempts(session, lesson.id, enrollment.id)
    latest = attempts[-1] if attempts else None
    if new:
        if latest is not None and latest.status == "open":
            raise Conflict("Finish the attempt you started before starting a new one.")
        limit = max_attempts(lesson) or _package_attempt_limit(session, lesson)
        if limit and len(attempts) >= limit:
            raise Conflict(f"You have used all {limit} attempts at this lesson.")
    if latest is None or new or latest.status == "superseded":
        return _new_attempt(session, lesson, enrollment, (latest.number + 1) if latest else 1)
    return latest


def _learner_name(user: User) -> str:
    # SCORM wants "Family, Given"; the LMS keeps one display name.
    parts = (user.name or user.email).rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else parts[0]


def _nav(items: list[scorm_package.Item], index: int) -> dict[str, Any]:
    """Which navigation requests are valid from the item on stage: continue and previous need
    flow (previous is refused when forward only), choosing a part needs choice, and an item
    with choiceExit off cannot be left by choosing another."""
    item = items[index]
    return {
        "continue": item.flow and index + 1 < len(items),
        "previous": item.flow and not item.forward_only and index > 0,
        "choice": [i.identifier for i in items] if item.choice and item.choice_exit else [],
    }


def launch(session: Session, actor: Actor, lesson_id: int, *, item: str | None = None, new_attempt: bool = False) -> dict[str, Any]:
    """Everything the player page needs to run one SCO of the learner's attempt: the version,
    the launch address, the data model to start from (what the LMS sets plus what the SCO
    saved), where to commit and which navigation requests are valid. Starts the attempt on
    first launch (or a new one when asked and allowed)."""
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind != "scorm":
        raise NotFound("That lesson does not exist.")
    try:
        enrollment = progress.check_lesson_open(session, actor, lesson)
    except NotFound:
        raise PermissionDenied("Only learners enrolled in the course play its packages.") from None
    attempt = _current_attempt(session, lesson, enrollment, new=new_attempt)
    package = session.get(ScormPackage, attempt.package_id)
    items = _items(package)
    chosen = item or attempt.last_item or items[0].identifier
    index = next((n for n, i in enumerate(items) if i.identifier == chosen), None)
    if index is None:
        raise NotFound("That part of the package does not exist.")
    sco = items[index]
    state = session.exec(select(ScormItemState).where(ScormItemState.attempt_id == attempt.id, ScormItemState.item == sco.identifier)).first()
    if state is None:
        state = ScormItemState(attempt_id=attempt.id, item=sco.identifier)
    version = package.scorm_version
    names = _LAUNCH_NAMES[version]
    suspended = state.exit == "suspend"
    if state.sessions == 0:
        entry = "ab-initio"
    elif suspended:
        entry = "resume"
    elif version == "2004":
        # A SCO left without suspending ended its attempt: the next launch starts afresh.
        state.values, entry = {}, "ab-initio"
    else:
        entry = ""
    review = attempt.status == "completed"
    state.sessions += 1
    state.seq = 0
    state.review = review
    if not review:
        state.exit = ""
    state.updated_at = utcnow()
    session.add(state)
    attempt.last_item = sco.identifier
    attempt.updated_at = utcnow()
    session.add(attempt)
    session.flush()
    if not review:
        xapi_emit.emit(session, lesson.org_id, xapi_emit.for_scorm_launch(session, user_id=enrollment.user_id, lesson=lesson))
    user = session.get(User, enrollment.user_id)
    launch_values = {
        "learner_id": str(user.id), "learner_name": _learner_name(user), "credit": "no-credit" if review else "credit", "entry": entry,
        "mode": "review" if review else "normal", "total_time": scorm_datamodel.format_timespan(version, state.total_seconds),
        "launch_data": sco.data_from_lms or "", "max_time_allowed": sco.max_time_allowed or "", "time_limit_action": sco.time_limit_action or "",
        "mastery_score": "" if sco.mastery_score is None else _number(sco.mastery_score),
        "completion_threshold": "" if sco.completion_threshold is None else _number(sco.completion_threshold),
        "scaled_passing_score": "" if sco.scaled_passing_score is None else _number(sco.scaled_passing_score),
    }
    values = dict(state.values)
    for key, value in launch_values.items():
        name = names.get(key)
        if name and value != "":
            values[name] = value
    if version == "1.2" and state.sessions == 1:
        values.setdefault("cmi.core.lesson_status", "not attempted")
    return {
        "version": version,
        "lesson_id": lesson.id,
        "attempt": {"id": attempt.id, "number": attempt.number, "status": attempt.status},
        "item": sco.identifier,
        "items": [{"id": i.identifier, "title": i.title} for i in items],
        "launch_url": f"/scorm/content/{package.id}/{sco.launch}",
        "values": values,
        "commit_url": f"/scorm/commit/{attempt.id}?item={_quote(sco.identifier)}&session={state.sessions}",
        "nav": _nav(items, index),
        "flow": {"choice": sco.choice, "flow": sco.flow, "forward_only": sco.forward_only, "choice_exit": sco.choice_exit},
    }


def _number(value: float) -> str:
    return f"{value:g}"


def _quote(text: str) -> str:
    return quote(text, safe="")


# --- commits -----------------------------------------------------------------------------------

@dataclass
class CommitResult:
    accepted: bool  # False: a late commit of an earlier session, ignored
    status: str  # what the LMS shows for this SCO
    attempt_completed: bool
    lesson_done: bool


def commit(session: Session, actor: Actor, attempt_id: int, item: str, launch_session: str, payload: Any) -> CommitResult:
    """Keep what a SCO committed (`payload`: {"values": {element: value}, "seq": n, "finished":
    bool}) into the learner's own attempt, after validating every element against the spec. A
    commit from an earlier launch of the SCO, or older than one already kept, changes nothing.
    When the package's rollup says the attempt is complete, the lesson is completed (unless it
    was failed) and its score goes to the gradebook."""
    attempt = session.get(ScormAttempt, int(attempt_id))
    if attempt is None or attempt.org_id != actor.org_id or attempt.user_id != actor.user_id:
        raise PermissionDenied("That attempt is not yours.")
    if attempt.status == "superseded":
        raise Conflict("This attempt was closed when the package was replaced. Open the lesson again to start on the new version.")
    values, seq = (payload.get("values"), payload.get("seq")) if isinstance(payload, dict) else (None, None)
    if not isinstance(values, dict) or not isinstance(seq, int) or isinstance(seq, bool):
        raise Invalid("A commit carries the data model's values and a sequence number.")
    if not all(isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in values.items()):
        raise Invalid("The committed data is not a list of elements and values.")
    finished = payload.get("finished") is True
    package = session.get(ScormPackage, attempt.package_id)
    state = session.exec(select(ScormItemState).where(ScormItemState.attempt_id == attempt.id, ScormItemState.item == item)).first()
    if state is None:
        raise NotFound("That part of the package was not launched.")
    if launch_session != str(state.sessions) or seq <= state.seq or state.review:
        return CommitResult(False, state.status_label, attempt.status == "completed", _lesson_done(session, attempt))
    version = package.scorm_version
    names = _LAUNCH_NAMES[version]
    cleaned = scorm_datamodel.validate_commit(version, {k: str(v) for k, v in values.items()})
    session_time = cleaned.pop(names["session_time"], None)
    exit_value = cleaned.pop(names["exit"], "")
    # A navigation request belongs to the session that made it, never to the next launch.
    nav_request = cleaned.pop("adl.nav.request", "")
    sco = next(i for i in _items(package) if i.identifier == item)
    state.values = cleaned
    state.seq = seq
    if finished:
        session_seconds = scorm_datamodel.timespan_seconds(version, session_time) if session_time else 0.0
        state.total_seconds += session_seconds
        state.exit = "suspend" if exit_value == "suspend" or nav_request == "suspendAll" else exit_value
    results = scorm_datamodel.results(version, cleaned, mastery_score=sco.mastery_score, scaled_passing_score=sco.scaled_passing_score,
                                      completion_threshold=sco.completion_threshold)
    state.completed, state.passed, state.score_scaled, state.score_raw = results.completed, results.passed, results.score_scaled, results.score_raw
    state.status_label = results.status_label
    state.updated_at = utcnow()
    session.add(state)
    session.flush()
    _roll_up(session, attempt, package)
    if finished:
        lesson = session.get(Lesson, attempt.lesson_id)
        xapi_emit.emit(session, attempt.org_id, xapi_emit.for_scorm_session(
            session, user_id=attempt.user_id, lesson=lesson, interactions=scorm_datamodel.interactions(version, cleaned),
            completed=state.completed, passed=state.passed, score_scaled=state.score_scaled, seconds=session_seconds))
    return CommitResult(True, state.status_label, attempt.status == "completed", _lesson_done(session, attempt))


def _roll_up(session: Session, attempt: ScormAttempt, package: ScormPackage) -> None:
    """The attempt's results from its SCOs': complete when every SCO is (an asset once opened),
    failed when one failed, passed when the others that report success passed; the score is
    the mean of the scores reported."""
    items = _items(package)
    states = {s.item: s for s in session.exec(select(ScormItemState).where(ScormItemState.attempt_id == attempt.id))}
    done = [s is not None and (s.completed or (i.scorm_type == "asset" and s.sessions > 0)) for i in items for s in [states.get(i.identifier)]]
    successes = [s.passed for s in states.values() if s.passed is not None]
    scores = [s.score_scaled for s in states.values() if s.score_scaled is not None]
    attempt.completed = all(done)
    attempt.passed = (False if False in successes else True) if successes else None
    attempt.score_scaled = round(sum(scores) / len(scores), 4) if scores else None
    attempt.total_seconds = sum(s.total_seconds for s in states.values())
    attempt.updated_at = utcnow()
    if attempt.completed and attempt.status == "open":
        attempt.status = "completed"
        attempt.finished_at = utcnow()
    session.add(attempt)
    session.flush()
    lesson = session.get(Lesson, attempt.lesson_id)
    if attempt.score_scaled is not None:
        best = session.exec(select(func.max(ScormAttempt.score_scaled)).where(
            ScormAttempt.lesson_id == lesson.id, ScormAttempt.enrollment_id == attempt.enrollment_id)).one()
        gradebook.record_result(session, lesson, attempt.enrollment_id, max(0.0, min(1.0, float(best))))
    if attempt.completed and attempt.passed is not False:
        progress.record_passed(session, None, attempt.enrollment_id, lesson.id)


def _lesson_done(session: Session, attempt: ScormAttempt) -> bool:
    row = session.exec(select(LessonProgress).where(LessonProgress.enrollment_id == attempt.enrollment_id,
                                                     LessonProgress.lesson_id == attempt.lesson_id)).first()
    return row is not None and row.status == "done"


# --- what the learner sees before launching ----------------------------------------------------

@dataclass
class LearnerSummary:
    has_package: bool
    attempt_number: int
    attempt_status: str  # "", open, completed, superseded
    status_label: str
    score_percent: str
    can_start_new: bool
    attempts_left: str


def learner_summary(session: Session, actor: Actor, lesson: Lesson, enrollment: Enrollment) -> LearnerSummary:
    """The learner's latest attempt at a SCORM lesson, for the player's panel."""
    package = package_of(session, lesson)
    attempts = _attempts(session, lesson.id, enrollment.id)
    latest = attempts[-1] if attempts else None
    limit = max_attempts(lesson) or _package_attempt_limit(session, lesson)
    left = "" if not limit else f"{max(0, limit - len(attempts))} of {limit} attempts left"
    if latest is None:
        return LearnerSummary(package is not None, 0, "", "Not started", "", False, left)
    label = "Passed" if latest.passed else "Failed" if latest.passed is False else "Completed" if latest.completed else "In progress"
    if latest.status == "superseded":
        label = "Closed: the package was updated"
    score = "" if latest.score_scaled is None else f"{round(latest.score_scaled * 100)}%"
    can_new = latest.status != "open" and (not limit or len(attempts) < limit)
    return LearnerSummary(package is not None, latest.number, latest.status, label, score, can_new, left)


# --- what instructors see ----------------------------------------------------------------------

@dataclass
class AttemptRow:
    id: int
    learner: str
    email: str
    number: int
    status: str
    result: str
    score: str
    time: str
    updated: datetime


def _staffed_scorm_lesson(session: Session, actor: Actor, lesson_id: int) -> tuple[Lesson, str]:
    """The SCORM lesson and its course's title, for the course's staff."""
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id or lesson.kind != "scorm":
        raise NotFound("That lesson does not exist.")
    return lesson, courses.staffed_course(session, actor, lesson.course_id).title


def _result_label(attempt: ScormAttempt) -> str:
    if attempt.passed is True:
        return "Passed"
    if attempt.passed is False:
        return "Failed"
    return "Completed" if attempt.completed else "Incomplete"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


@dataclass
class AttemptsView:
    lesson: Lesson
    course_title: str
    rows: list[AttemptRow]


def attempt_rows(session: Session, actor: Actor, lesson_id: int, *, search: str = "") -> AttemptsView:
    """Every learner's attempts at a SCORM lesson, newest first (the course's staff only)."""
    lesson, course_title = _staffed_scorm_lesson(session, actor, lesson_id)
    query = (select(ScormAttempt, User).join(User, User.id == ScormAttempt.user_id).where(ScormAttempt.lesson_id == lesson.id)
             .order_by(ScormAttempt.updated_at.desc(), ScormAttempt.id.desc()))
    if search.strip():
        needle = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.name).like(needle) | func.lower(User.email).like(needle))
    rows = [AttemptRow(a.id, u.name or u.email, u.email, a.number, a.status.capitalize(), _result_label(a),
                       "" if a.score_scaled is None else f"{round(a.score_scaled * 100)}%", _duration(a.total_seconds), a.updated_at)
            for a, u in session.exec(query)]
    return AttemptsView(lesson, course_title, rows)


@dataclass
class ItemDetail:
    title: str
    status: str
    score: str
    time: str
    interactions: list[dict[str, str]]
    objectives: list[dict[str, str]]


def attempt_detail(session: Session, actor: Actor, attempt_id: int) -> tuple[AttemptRow, list[ItemDetail]]:
    """One attempt, SCO by SCO: status, score, time, interactions (responses and results) and
    objectives (the course's staff only)."""
    attempt = session.get(ScormAttempt, int(attempt_id)) if attempt_id else None
    if attempt is None or attempt.org_id != actor.org_id:
        raise NotFound("That attempt does not exist.")
    _staffed_scorm_lesson(session, actor, attempt.lesson_id)
    user = session.get(User, attempt.user_id)
    package = session.get(ScormPackage, attempt.package_id)
    states = {s.item: s for s in session.exec(select(ScormItemState).where(ScormItemState.attempt_id == attempt.id))}
    details = []
    for item in _items(package):
        state = states.get(item.identifier)
        if state is None:
            details.append(ItemDetail(item.title, "Not attempted", "", "", [], []))
            continue
        details.append(ItemDetail(
            item.title, state.status_label, "" if state.score_scaled is None else f"{round(state.score_scaled * 100)}%", _duration(state.total_seconds),
            [_strings(r) for r in scorm_datamodel.interactions(package.scorm_version, state.values)],
            [_strings(r) for r in scorm_datamodel.objectives(package.scorm_version, state.values)],
        ))
    row = AttemptRow(attempt.id, user.name or user.email, user.email, attempt.number, attempt.status.capitalize(), _result_label(attempt),
                     "" if attempt.score_scaled is None else f"{round(attempt.score_scaled * 100)}%", _duration(attempt.total_seconds), attempt.updated_at)
    return row, details


def _strings(row: dict[str, Any]) -> dict[str, str]:
    return {str(k): ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else ("" if v is None else str(v)) for k, v in row.items()}


def export_attempts_csv(session: Session, actor: Actor, lesson_id: int) -> tuple[str, str]:
    """The lesson's attempts as CSV, one row per interaction (attempts without interactions get
    one row), audited; gives the file name and its text."""
    view = attempt_rows(session, actor, lesson_id)
    lesson, rows = view.lesson, view.rows
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Learner", "Email", "Attempt", "Status", "Result", "Score", "Time", "Last activity (UTC)", "SCO",
                     "Interaction", "Type", "Response", "Correct responses", "Interaction result"])
    for row in rows:
        _, items = attempt_detail(session, actor, row.id)
        base = [row.learner, row.email, row.number, row.status, row.result, row.score, row.time, row.updated.strftime("%Y-%m-%d %H:%M")]
        lines = [[item.title, i.get("id", ""), i.get("type", ""), i.get("learner_response", ""), i.get("correct_responses", ""), i.get("result", "")]
                 for item in items for i in item.interactions] or [["", "", "", "", "", ""]]
        for line in lines:
            writer.writerow([safe_cell(v) for v in base + line])
    audit.record(session, actor, "export.scorm_attempts", target_type="lesson", target_id=lesson.id, target_label=lesson.title,
                 after={"attempts": len(rows)})
    return f"scorm-attempts-lesson-{lesson.id}.csv", out.getvalue()

