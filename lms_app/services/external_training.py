"""Training done elsewhere: a course taken outside the LMS, recorded with its evidence (a PDF
or an image of the certificate) and reviewed before it counts.

A learner records their own; a manager may record one for someone they manage, and a holder
of "compliance.manage" for anyone. A record stays pending until a reviewer approves or
rejects it (a rejection says why): the person's manager or a holder of "compliance.manage",
never the person themselves. An approved record that stands in for a course of the LMS
satisfies the person's requirements for that course as if they had completed it at the end
of the day the training was completed (in their own time zone).

The evidence is kept in private storage (external/<organization id>/, under a random name)
and read only through `evidence_file`: the person, and those who may review their records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Course, Department, ExternalTraining, User, utcnow
from lms_app.services import audit, due_dates, files, notifications, requirements, storage
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require
from lms_app.services.teams import team_member_ids

MAX_TITLE = 200
MAX_PROVIDER = 200
MAX_NOTE = 1000
MAX_HOURS = 1000
EVIDENCE_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
NOT_EVIDENCE = "The evidence must be a PDF or an image (PNG, JPEG or WebP)."
STATUSES = ("pending", "approved", "rejected")


@dataclass
class TrainingRow:
    id: int
    user_id: int
    user_name: str
    user_email: str
    department: str
    title: str
    provider: str
    completed_on: date
    hours: float
    course_title: str  # the course it stands in for ("" for none)
    status: str
    evidence_name: str
    submitted_by: str  # who recorded it, when not the person themselves ("" otherwise)
    submitted_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    review_note: str


# --- who may do what -----------------------------------------------------------------------------

def _manages(session: Session, actor: Actor, user_id: int) -> bool:
    return actor.can("teams.view") and user_id in team_member_ids(session, actor.user_id)


def _may_review(session: Session, actor: Actor, user_id: int) -> bool:
    return user_id != actor.user_id and (actor.can("compliance.manage") or _manages(session, actor, user_id))


def require_reviewer(actor: Actor) -> None:
    """Reviewing (and recording for others) is for managers and holders of "compliance.manage"."""
    if not actor.can("compliance.manage"):
        require(actor, "teams.view")


def _person(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, int(user_id)) if user_id else None
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That person does not exist.")
    return user


def _record(session: Session, actor: Actor, training_id: int) -> ExternalTraining:
    row = session.get(ExternalTraining, int(training_id)) if training_id else None
    if row is None or row.org_id != actor.org_id:
        raise NotFound("That training record does not exist.")
    return row


# --- recording -----------------------------------------------------------------------------------

def _clean_date(value, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise Invalid("Give the date the training was completed.") from None
    if day > today:
        raise Invalid("The completion date cannot be in the future.")
    if day.year < 1950:
        raise Invalid("That completion date is too far in the past.")
    return day


def _clean_hours(value) -> float:
    try:
        hours = float(str(value if value is not None else "").strip().replace(",", "."))
    except ValueError:
        raise Invalid("Give the training's length in hours (for example 7.5).") from None
    if not 0 < hours <= MAX_HOURS:  # NaN and infinity fail too
        raise Invalid(f"The hours must be more than 0 and at most {MAX_HOURS}.")
    return round(hours, 2)


def _stand_in_course(session: Session, actor: Actor, course_id) -> Course | None:
    if course_id in (None, "", 0, "0", "none"):
        return None
    course = session.get(Course, int(course_id)) if str(course_id).isdigit() else None
    if course is None or course.org_id != actor.org_id or course.visibility == "draft":
        raise NotFound("That course does not exist.")
    return course


def _keep_evidence(org_id: int, stream: BinaryIO, file_name: str | None) -> tuple[str, str]:
    """Check the evidence by its content (PDF, PNG, JPEG or WebP; not empty; within the file
    size limit) and write it to private storage. Gives (stored path, original name)."""
    head = stream.read(files.HEAD) or b""
    if not head:
        raise Invalid("The evidence file is empty.")
    ext = ".pdf" if head.startswith(b"%PDF-") else files.image_type(head)
    if ext is None:
        raise Invalid(NOT_EVIDENCE)
    limit = settings.MAX_FILE_MB * 1024 * 1024
    path, _ = storage.write(f"external/{org_id}", ext, head, stream, limit, Invalid(f"The evidence file is larger than {settings.MAX_FILE_MB} MB."))
    return path, files.clean_file_name(file_name, ext)


def record(session: Session, actor: Actor, *, title: str, provider: str, completed_on, hours, evidence: tuple[BinaryIO, str] | None,
           course_id=None, user_id: int | None = None, now: datetime | None = None) -> ExternalTraining:
    """Record training done elsewhere, pending review: the actor's own, or (`user_id`) that of
    someone they manage (holders of "compliance.manage": anyone). The completion date may not
    be in the person's future; 0 < hours <= 1000; the evidence file is required."""
    require(actor, "learning.view")
    now = now or utcnow()
    person = _person(session, actor, user_id or actor.user_id)
    if person.id != actor.user_id and not (actor.can("compliance.manage") or _manages(session, actor, person.id)):
        raise PermissionDenied("You may record training only for yourself and the people you manage.")
    title = " ".join((title or "").split())
    provider = " ".join((provider or "").split())
    if not title:
        raise Invalid("Give the training's title.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"The title must have at most {MAX_TITLE} characters.")
    if not provider:
        raise Invalid("Say who provided the training.")
    if len(provider) > MAX_PROVIDER:
        raise Invalid(f"The provider must have at most {MAX_PROVIDER} characters.")
    day = _clean_date(completed_on, due_dates.local_date(now, person.timezone))
    length = _clean_hours(hours)
    course = _stand_in_course(session, actor, course_id)
    if evidence is None:
        raise Invalid("Attach the evidence: the certificate or attendance record, as a PDF or an image.")
    stored, name = _keep_evidence(actor.org_id, *evidence)
    with storage.adopting(session, stored):
        row = ExternalTraining(org_id=actor.org_id, user_id=person.id, title=title, provider=provider, completed_on=day, hours=length,
                               evidence_path=stored, evidence_name=name, course_id=course.id if course else None, status="pending",
                               submitted_by_id=actor.user_id, submitted_at=now)
        session.add(row)
        session.flush()
        audit.record(session, actor, "external_training.recorded", target_type="external_training", target_id=row.id,
                     target_label=f"{person.email}: {title}",
                     after={"learner": person.email, "title": title, "provider": provider, "completed_on": day.isoformat(), "hours": length,
                            "course": course.title if course else None, "evidence": name})
    return row


# --- reviewing -----------------------------------------------------------------------------------

def review(session: Session, actor: Actor, training_id: int, *, approve: bool, note: str = "", now: datetime | None = None) -> ExternalTraining:
    """Approve or reject a pending record (a rejection needs a note saying why). Reviewers: the
    person's manager, or holders of "compliance.manage"; nobody reviews their own. An approved
    record standing in for a course satisfies the person's requirements for it. The person is
    notified either way."""
    require_reviewer(actor)
    row = _record(session, actor, training_id)
    if not _may_review(session, actor, row.user_id):
        raise PermissionDenied("You do not have permission to do that." if row.user_id != actor.user_id
                               else "Your own training is reviewed by your manager or a compliance administrator.")
    if row.status != "pending":
        raise Conflict(f"This record was already {row.status}.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(f"The note must have at most {MAX_NOTE} characters.")
    if not approve and not note:
        raise Invalid("Say why the record is rejected: the person reads it.")
    now = now or utcnow()
    row.status = "approved" if approve else "rejected"
    row.reviewed_by_id, row.reviewed_at, row.review_note = actor.user_id, now, note
    session.add(row)
    session.flush()
    person = session.get(User, row.user_id)
    course = session.get(Course, row.course_id) if row.course_id else None
    satisfied = 0
    if approve and course is not None:
        satisfied = requirements.record_completion(session, row.user_id, course_id=course.id, completed_at=due_dates.end_of_day(row.completed_on, person.timezone),
                                                   via="external", external_training_id=row.id)
    audit.record(session, actor, f"external_training.{row.status}", target_type="external_training", target_id=row.id,
                 target_label=f"{person.email}: {row.title}", before={"status": "pending"},
                 after={"status": row.status, "note": note or None, "course": course.title if course else None,
                        "requirements_satisfied": satisfied if approve and course is not None else None})
    verdict = "approved" if approve else "not approved"
    body = f"Your record of “{row.title}” ({row.provider}) was {verdict} by {actor.name}." + (f"\n\n{note}" if note else "")
    notifications.notify(session, org_id=row.org_id, user_id=row.user_id, kind="external_training_reviewed",
                         title=f"Training elsewhere {verdict}: {row.title}", body=body, link="/learn/external",
                         dedupe_key=f"external_training_reviewed:{row.id}")
    return row


# --- reading -------------------------------------------------------------------------------------

def _rows(session: Session, stmt) -> list[TrainingRow]:
    people = {}
    records = session.exec(stmt).all()
    wanted = {r.user_id for r in records} | {r.submitted_by_id for r in records if r.submitted_by_id} | {r.reviewed_by_id for r in records if r.reviewed_by_id}
    for uid, name, email, dept in session.exec(select(User.id, User.name, User.email, Department.name)
                                               .join(Department, Department.id == User.department_id, isouter=True)
                                               .where(User.id.in_(wanted or {0}))).all():
        people[uid] = (name, email, dept or "")
    titles = dict(session.exec(select(Course.id, Course.title).where(Course.id.in_({r.course_id for r in records if r.course_id} or {0}))).all())
    out = []
    for r in records:
        name, email, dept = people.get(r.user_id, ("", "", ""))
        recorder = people.get(r.submitted_by_id, ("",))[0] if r.submitted_by_id and r.submitted_by_id != r.user_id else ""
        reviewer = people.get(r.reviewed_by_id, ("",))[0] if r.reviewed_by_id else ""
        out.append(TrainingRow(r.id, r.user_id, name, email, dept, r.title, r.provider, r.completed_on, r.hours, titles.get(r.course_id, ""),
                               r.status, r.evidence_name, recorder, r.submitted_at, reviewer, r.reviewed_at, r.review_note))
    return out


def my_records(session: Session, actor: Actor) -> list[TrainingRow]:
    """The actor's own records, newest first."""
    require(actor, "learning.view")
    return _rows(session, select(ExternalTraining).where(ExternalTraining.user_id == actor.user_id, ExternalTraining.org_id == actor.org_id)
                 .order_by(ExternalTraining.completed_on.desc(), ExternalTraining.id.desc()))


def review_queue(session: Session, actor: Actor, *, status: str = "pending", limit: int = 500) -> list[TrainingRow]:
    """The records a reviewer may review, of one status: everyone's for holders of
    "compliance.manage", the records of the people they manage for a manager. Pending ones
    oldest first (the longest waiting at the top); reviewed ones newest first."""
    require_reviewer(actor)
    if status not in STATUSES:
        raise Invalid("Unknown status.")
    stmt = select(ExternalTraining).where(ExternalTraining.org_id == actor.org_id, ExternalTraining.status == status,
                                          ExternalTraining.user_id != actor.user_id)
    if not actor.can("compliance.manage"):
        stmt = stmt.where(ExternalTraining.user_id.in_(team_member_ids(session, actor.user_id) or {0}))
    order = (ExternalTraining.submitted_at, ExternalTraining.id) if status == "pending" else (ExternalTraining.reviewed_at.desc(), ExternalTraining.id.desc())
    return _rows(session, stmt.order_by(*order).limit(limit))


def recordable_people(session: Session, actor: Actor, query: str, *, limit: int = 8) -> list[tuple[int, str, str]]:
    """People the actor may record training for, matching the search: (id, name, email)."""
    require_reviewer(actor)
    query = (query or "").strip()[:100]
    if len(query) < 2:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(User.id, User.name, User.email).where(
        User.org_id == actor.org_id, User.is_active.is_(True), User.pending_approval.is_(False), User.id != actor.user_id,
        or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if not actor.can("compliance.manage"):
        stmt = stmt.where(User.id.in_(team_member_ids(session, actor.user_id) or {0}))
    return [tuple(r) for r in session.exec(stmt.order_by(User.name).limit(limit)).all()]


def course_options(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The courses a record may stand in for: the organization's published courses, by title."""
    require(actor, "learning.view")
    return [tuple(r) for r in session.exec(select(Course.id, Course.title).where(Course.org_id == actor.org_id, Course.visibility == "published")
                                           .order_by(func.lower(Course.title))).all()]


def evidence_file(session: Session, actor: Actor, training_id: int) -> files.ServedFile:
    """A record's evidence, for the person and those who may review their records; anyone
    else in the organization is refused."""
    require(actor, None)
    row = _record(session, actor, training_id)
    if row.user_id != actor.user_id and not _may_review(session, actor, row.user_id):
        raise PermissionDenied("You do not have permission to do that.")
    if not row.evidence_path:
        raise NotFound("This record has no evidence file.")
    path = storage.resolve(row.evidence_path, "external", "The evidence file is missing.")
    return files.ServedFile(path, EVIDENCE_TYPES.get(path.suffix.lower(), "application/octet-stream"), row.evidence_name or path.name, True)
