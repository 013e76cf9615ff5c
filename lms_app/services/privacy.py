"""Privacy: the archive of everything held about a person, and anonymizing someone who left.

The archive is one ZIP of JSON files (one per kind of data), the files the person handed in,
a README that says what each file holds and a manifest with the SHA-256 of every entry. It
holds nobody else's personal data: who graded, enrolled or exempted them is not named, and
audit events they did to other people keep the action but not the other person.

Anonymizing keeps what statistics and compliance records need (enrollments, progress, grades,
activity, certificates that still verify) but removes who the person was.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import Session, select

from lms_app.models import (
    ActivityEvent,
    AnnouncementSeen,
    AttemptAnswer,
    AuditEvent,
    Certificate,
    Course,
    Department,
    DepartmentManager,
    Enrollment,
    EnrollmentKeyFailure,
    ExternalTraining,
    GradeEntry,
    GradeItem,
    Group,
    GroupManager,
    GroupMember,
    Invitation,
    LearningPath,
    Lesson,
    LessonOverride,
    LessonProgress,
    LiveSessionSignup,
    LoginAttempt,
    LoginSession,
    Notification,
    NotificationPreference,
    Organization,
    OutgoingEmail,
    PasswordReset,
    PathEnrollment,
    QuizAttempt,
    Requirement,
    RequirementAssignment,
    Role,
    Submission,
    User,
    UserRole,
    utcnow,
)
from lms_app.models.catalog import CourseStaff
from lms_app.models.scorm import ScormAttempt, ScormItemState
from lms_app.models.xapi import XapiDocument, XapiStatement
from lms_app.services import audit, auth, certificates, storage, xapi_emit
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.files import clean_file_name
from lms_app.services.permissions import Actor, require, require_own_session
from lms_app.services.quizzes import QUIZ_FILES
from lms_app.services.users import ANONYMIZED_DOMAIN, active_admin_ids, is_anonymized

# Answers whose content is the person's own writing or file (the others are choices among options).
_FREE_ANSWER_TYPES = ("essay", "file_upload")

# What each file of the archive holds, in the order of the README.
ARCHIVE_FILES: dict[str, str] = {
    "profile.json": "Your account: name, email, language, time zone, hire date, department, status, when it was created and last used.",
    "roles.json": "Your roles in the organization (with when they were given and when they end) and your roles in courses.",
    "memberships.json": "The groups you belong to, your department, and the groups and departments you manage.",
    "enrollments.json": "Your course runs with the progress of each lesson, your learning paths, live session places, "
                        "and the special rules (extra attempts, other dates) set for you.",
    "quiz_attempts.json": "Your quiz attempts and your answers; scores and feedback once they were released to you.",
    "submissions.json": "Work you handed in for assignments (text and the names of the files, which are in files/submissions/); "
                        "points and feedback once released.",
    "grades.json": "Your gradebook entries in every course (items hidden from learners are left out).",
    "certificates.json": "Your certificates with their verification codes; the PDFs are in certificates/.",
    "requirements.json": "Training you were required to complete: due dates, completion, expiry and exemptions.",
    "external_training.json": "Training you recorded as done elsewhere, with its review; evidence files are in files/evidence/.",
    "notifications.json": "The notifications you received and your choices of which ones reach you by email.",
    "login_history.json": "Your sign-in sessions (device and address), sign-in attempts made with your email address, "
                          "invitations and password resets (times only; no secrets are exported).",
    "scorm_attempts.json": "Your attempts at SCORM lessons: status, score and time of each part, and the data the "
                           "package saved (bookmarks, answers).",
    "learning_records.json": "The xAPI statements about you in this site's Learning Record Store (what the LMS and "
                             "connected tools recorded of your learning).",
    "activity.json": "What you did in the app (signed in, opened or finished lessons, handed in work) and when you last "
                     "read each course's announcements.",
    "audit_events.json": "Audit trail events you did, and those done to your account, your enrollments or your certificates. Events done by "
                         "someone else do not name them; events you did to other people do not name them either.",
}


# --- who may do what ---------------------------------------------------------------------------

def _person(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, int(user_id)) if user_id else None
    if user is None or user.org_id != actor.org_id:
        raise NotFound("That person does not exist.")
    return user


def _readable_person(session: Session, actor: Actor, user_id: int) -> User:
    require_own_session(actor)
    if int(user_id or 0) != actor.user_id and not actor.can("users.manage"):
        raise PermissionDenied("You can download your own data only.")
    return _person(session, actor, user_id)


# --- the archive -------------------------------------------------------------------------------

def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {f: _iso(getattr(obj, f)) for f in fields}


def _titles(session: Session, model, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.title).where(model.id.in_(ids))).all())


class _Archive:
    """The ZIP being written, with the SHA-256 of every entry for the manifest."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.manifest: list[dict[str, Any]] = []

    def add(self, name: str, data: bytes) -> None:
        self.zip.writestr(name, data)
        self.manifest.append({"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})

    def add_json(self, name: str, value: Any) -> None:
        self.add(name, json.dumps(value, indent=2, ensure_ascii=False, default=_iso).encode())

    def add_stored(self, name: str, file_path: str | None) -> str | None:
        """A stored file under `name`; None (nothing added) when it is no longer in storage."""
        if not file_path:
            return None
        try:
            path = storage.resolve(file_path, file_path.split("/", 1)[0], "missing")
        except NotFound:
            return None
        self.add(name, path.read_bytes())
        return name

    def close(self) -> bytes:
        self.zip.close()
        return self.buffer.getvalue()


def _profile(session: Session, user: User) -> dict[str, Any]:
    department = session.get(Department, user.department_id) if user.department_id else None
    return {
        **_row(user, "id", "name", "email", "locale", "timezone", "hire_date", "is_active", "pending_approval", "created_at", "last_login_at"),
        "department": department.name if department else None,
        "password_set": user.password_hash is not None,
    }


def _roles(session: Session, user: User) -> dict[str, Any]:
    grants = session.exec(select(UserRole, Role.name).join(Role, Role.id == UserRole.role_id).where(UserRole.user_id == user.id)
                          .order_by(UserRole.granted_at)).all()
    staff = session.exec(select(CourseStaff, Course.title).join(Course, Course.id == CourseStaff.course_id)
                         .where(CourseStaff.user_id == user.id).order_by(CourseStaff.added_at)).all()
    return {
        "roles": [{"role": name, **_row(g, "granted_at", "expires_at")} for g, name in grants],
        "course_roles": [{"course": title, **_row(s, "role", "added_at")} for s, title in staff],
    }


def _memberships(session: Session, user: User) -> dict[str, Any]:
    department = session.get(Department, user.department_id) if user.department_id else None
    groups = session.exec(select(Group.name, GroupMember.added_at).join(GroupMember, GroupMember.group_id == Group.id)
                          .where(GroupMember.user_id == user.id).order_by(Group.name)).all()
    managed_groups = session.exec(select(Group.name).join(GroupManager, GroupManager.group_id == Group.id)
                                  .where(GroupManager.user_id == user.id).order_by(Group.name)).all()
    managed_departments = session.exec(select(Department.name).join(DepartmentManager, DepartmentManager.department_id == Department.id)
                                       .where(DepartmentManager.user_id == user.id).order_by(Department.name)).all()
    return {
        "department": department.name if department else None,
        "groups": [{"group": name, "added_at": _iso(at)} for name, at in groups],
        "manages_groups": list(managed_groups),
        "manages_departments": list(managed_departments),
    }


def _enrollments(session: Session, user: User, enrollments: list[Enrollment], courses: dict[int, str]) -> dict[str, Any]:
    progress: dict[int, list[dict[str, Any]]] = {}
    rows = session.exec(select(LessonProgress, Lesson.title).join(Lesson, Lesson.id == LessonProgress.lesson_id)
                        .where(LessonProgress.enrollment_id.in_([e.id for e in enrollments] or [0]))
                        .order_by(LessonProgress.enrollment_id, Lesson.position)).all()
    for p, title in rows:
        progress.setdefault(p.enrollment_id, []).append({
            "lesson": title, **_row(p, "status", "started_at", "completed_at", "seconds_spent", "position", "watched", "last_seen_at"),
            "marked_by_staff": p.completed_by_id is not None, "staff_reason": p.reason,
        })
    paths = session.exec(select(PathEnrollment, LearningPath.title).join(LearningPath, LearningPath.id == PathEnrollment.path_id)
                         .where(PathEnrollment.user_id == user.id).order_by(PathEnrollment.enrolled_at)).all()
    signups = session.exec(select(LiveSessionSignup, Lesson.title).join(Lesson, Lesson.id == LiveSessionSignup.lesson_id)
                           .where(LiveSessionSignup.user_id == user.id).order_by(LiveSessionSignup.signed_up_at)).all()
    overrides = session.exec(select(LessonOverride, Lesson.title).join(Lesson, Lesson.id == LessonOverride.lesson_id)
                             .where(LessonOverride.user_id == user.id).order_by(LessonOverride.created_at)).all()
    return {
        "enrollments": [{
            "id": e.id, "course": courses.get(e.course_id),
            **_row(e, "status", "source", "enrolled_at", "expires_at", "completed_at", "ended_at", "last_activity_at"),
            "enrolled_by_you": e.enrolled_by_id in (None, user.id) and e.source == "self",
            "lessons": progress.get(e.id, []),
        } for e in enrollments],
        "learning_paths": [{"path": title, **_row(p, "status", "enrolled_at", "completed_at")} for p, title in paths],
        "live_sessions": [{"session": title, **_row(s, "status", "signed_up_at", "updated_at")} for s, title in signups],
        "special_rules": [{"lesson": title, **_row(o, "extra_attempts", "extra_minutes", "opens_at", "due_at", "closes_at", "reason", "created_at")}
                          for o, title in overrides],
    }


def _quiz_attempts(session: Session, archive: _Archive, user: User, courses: dict[int, str]) -> list[dict[str, Any]]:
    attempts = session.exec(select(QuizAttempt, Lesson.title, Lesson.course_id).join(Lesson, Lesson.id == QuizAttempt.lesson_id)
                            .where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.started_at)).all()
    answers: dict[int, list[AttemptAnswer]] = {}
    for answer in session.exec(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_([a.id for a, _, _ in attempts] or [0]))
                               .order_by(AttemptAnswer.attempt_id, AttemptAnswer.position)).all():
        answers.setdefault(answer.attempt_id, []).append(answer)
    out = []
    for attempt, lesson_title, course_id in attempts:
        released = attempt.released_at is not None
        rows = []
        for a in answers.get(attempt.id, []):
            response = a.response
            if isinstance(response, str) and response.startswith(f"{QUIZ_FILES}/"):
                response = archive.add_stored(f"files/quiz_answers/{attempt.id}-{a.position + 1}{_suffix(response)}", response)
            rows.append({
                "position": a.position + 1, "question": a.question.get("title", ""), "question_text": a.question.get("text", ""),
                "type": a.question.get("type", ""), "your_answer": response,
                **({"points": a.points, "fraction": a.fraction, "feedback": a.feedback} if released else {}),
            })
        out.append({
            "course": courses.get(course_id), "quiz": lesson_title,
            **_row(attempt, "number", "status", "started_at", "deadline_at", "submitted_at", "released_at"),
            **(_row(attempt, "score", "max_score", "fraction", "passed") if released else {}),
            "answers": rows,
        })
    return out


def _suffix(file_path: str) -> str:
    name = file_path.rsplit("/", 1)[-1]
    return name[name.rfind("."):] if "." in name else ""


def _submissions(session: Session, archive: _Archive, user: User, courses: dict[int, str]) -> list[dict[str, Any]]:
    out = []
    rows = session.exec(select(Submission, Lesson.title, Lesson.course_id).join(Lesson, Lesson.id == Submission.lesson_id)
                        .where(Submission.user_id == user.id).order_by(Submission.submitted_at)).all()
    for sub, lesson_title, course_id in rows:
        files = []
        for index, entry in enumerate(sub.files or []):
            name = clean_file_name(str(entry.get("name") or ""), _suffix(str(entry.get("file_path") or "")))
            files.append({"name": entry.get("name"), "size": entry.get("size"),
                          "in_archive": archive.add_stored(f"files/submissions/{sub.id}-{index + 1}-{name}", entry.get("file_path"))})
        released = sub.released_at is not None
        out.append({
            "course": courses.get(course_id), "assignment": lesson_title,
            **_row(sub, "number", "status", "text", "submitted_at", "late_seconds", "released_at"),
            "files": files,
            **(_row(sub, "points", "penalty", "max_points", "feedback", "rubric", "graded_at") if released else {}),
        })
    return out


def _grades(session: Session, enrollments: list[Enrollment], courses: dict[int, str]) -> list[dict[str, Any]]:
    by_enrollment = {e.id: e for e in enrollments}
    rows = session.exec(select(GradeEntry, GradeItem).join(GradeItem, GradeItem.id == GradeEntry.item_id)
                        .where(GradeEntry.enrollment_id.in_(list(by_enrollment) or [0]), GradeItem.hidden.is_(False))
                        .order_by(GradeEntry.enrollment_id, GradeItem.position)).all()
    return [{
        "course": courses.get(item.course_id), "enrollment_id": entry.enrollment_id, "item": item.title, "max_points": item.max_points,
        **_row(entry, "points", "override_points", "override_reason", "feedback", "updated_at"),
    } for entry, item in rows]


def _certificates(session: Session, archive: _Archive, user: User) -> list[dict[str, Any]]:
    out = []
    for cert in session.exec(select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at)).all():
        pdf_name = f"certificates/{cert.code}.pdf"
        archive.add(pdf_name, certificates.render_pdf(session, cert))
        out.append({
            **_row(cert, "code", "title", "learner_name", "issued_at", "expires_at", "revoked_at", "revoked_reason"),
            "verification_url": certificates.verification_url(cert.code), "pdf": pdf_name,
        })
    return out


def _requirements(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.exec(select(RequirementAssignment, Requirement).join(Requirement, Requirement.id == RequirementAssignment.requirement_id)
                        .where(RequirementAssignment.user_id == user.id)
                        .order_by(RequirementAssignment.requirement_id, RequirementAssignment.cycle)).all()
    courses = _titles(session, Course, {r.course_id for _, r in rows})
    paths = _titles(session, LearningPath, {r.path_id for _, r in rows})
    return [{
        "required": courses.get(req.course_id) or paths.get(req.path_id), "kind": "course" if req.course_id else "learning path",
        **_row(a, "cycle", "assigned_at", "due_on", "due_at", "completed_at", "satisfied_by", "expires_at", "exempt_at", "exempt_reason", "removed_at"),
    } for a, req in rows]


def _external_training(session: Session, archive: _Archive, user: User) -> list[dict[str, Any]]:
    out = []
    for t in session.exec(select(ExternalTraining).where(ExternalTraining.user_id == user.id).order_by(ExternalTraining.completed_on)).all():
        name = clean_file_name(t.evidence_name, _suffix(t.evidence_path or ""))
        out.append({
            **_row(t, "title", "provider", "completed_on", "hours", "status", "submitted_at", "reviewed_at", "review_note", "evidence_name"),
            "recorded_by_you": t.submitted_by_id in (None, user.id),
            "evidence_in_archive": archive.add_stored(f"files/evidence/{t.id}-{name}", t.evidence_path),
        })
    return out


def _notifications(session: Session, user: User) -> dict[str, Any]:
    notes = session.exec(select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at)).all()
    prefs = session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user.id).order_by(NotificationPreference.kind)).all()
    return {
        "notifications": [_row(n, "kind", "title", "body", "link", "created_at", "read_at", "emailed") for n in notes],
        "email_preferences": [_row(p, "kind", "email") for p in prefs],
    }


def _login_history(session: Session, user: User) -> dict[str, Any]:
    sessions = session.exec(select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.created_at)).all()
    attempts = session.exec(select(LoginAttempt).where(LoginAttempt.email == auth.normalize_email(user.email)).order_by(LoginAttempt.at)).all()
    invitations = session.exec(select(Invitation).where(Invitation.user_id == user.id).order_by(Invitation.created_at)).all()
    resets = session.exec(select(PasswordReset).where(PasswordReset.user_id == user.id).order_by(PasswordReset.created_at)).all()
    return {
        "sessions": [_row(s, "created_at", "last_seen_at", "expires_at", "revoked_at", "user_agent", "ip") for s in sessions],
        "sign_in_attempts": [_row(a, "at", "ip", "succeeded") for a in attempts],
        "invitations": [_row(i, "created_at", "expires_at", "used_at") for i in invitations],
        "password_resets": [_row(r, "created_at", "expires_at", "used_at") for r in resets],
    }


def _scorm_attempts(session: Session, user: User, courses: dict[int, str]) -> list[dict[str, Any]]:
    attempts = session.exec(select(ScormAttempt).where(ScormAttempt.user_id == user.id).order_by(ScormAttempt.started_at, ScormAttempt.id)).all()
    lessons = _titles(session, Lesson, {a.lesson_id for a in attempts})
    states = session.exec(select(ScormItemState).where(ScormItemState.attempt_id.in_([a.id for a in attempts]))).all() if attempts else []
    by_attempt: dict[int, list[ScormItemState]] = {}
    for state in states:
        by_attempt.setdefault(state.attempt_id, []).append(state)
    lesson_courses = dict(session.exec(select(Lesson.id, Lesson.course_id).where(Lesson.id.in_(list(lessons)))).all()) if lessons else {}
    return [{
        "course": courses.get(lesson_courses.get(a.lesson_id)), "lesson": lessons.get(a.lesson_id), "attempt": a.number, "status": a.status,
        "started_at": _iso(a.started_at), "finished_at": _iso(a.finished_at), "completed": a.completed, "passed": a.passed,
        "score_scaled": a.score_scaled, "seconds": a.total_seconds,
        "parts": [{"item": st.item, "status": st.status_label, "score_scaled": st.score_scaled, "seconds": st.total_seconds, "data": st.values}
                  for st in by_attempt.get(a.id, [])],
    } for a in attempts]


def _learning_records(session: Session, user: User) -> list[dict[str, Any]]:
    keys = [xapi_emit.learner_key(user), f"mbox:mailto:{user.email}"]
    rows = session.exec(select(XapiStatement.body).where(XapiStatement.org_id == user.org_id, XapiStatement.actor_key.in_(keys))
                        .order_by(XapiStatement.seq)).all()
    return list(rows)


def _activity(session: Session, user: User, courses: dict[int, str]) -> dict[str, Any]:
    events = session.exec(select(ActivityEvent).where(ActivityEvent.user_id == user.id).order_by(ActivityEvent.at)).all()
    lessons = _titles(session, Lesson, {e.lesson_id for e in events})
    seen = session.exec(select(AnnouncementSeen, Course.title).join(Course, Course.id == AnnouncementSeen.course_id)
                        .where(AnnouncementSeen.user_id == user.id)).all()
    key_failures = session.exec(select(EnrollmentKeyFailure, Course.title).join(Course, Course.id == EnrollmentKeyFailure.course_id)
                                .where(EnrollmentKeyFailure.user_id == user.id).order_by(EnrollmentKeyFailure.at)).all()
    return {
        "events": [{"kind": e.kind, "at": _iso(e.at), "course": courses.get(e.course_id) if e.course_id else None,
                    "lesson": lessons.get(e.lesson_id), "score": e.score} for e in events],
        "announcements_read": [{"course": title, "last_read_at": _iso(s.seen_at)} for s, title in seen],
        "wrong_enrollment_keys": [{"course": title, "at": _iso(f.at)} for f, title in key_failures],
    }


def _audit_events(session: Session, user: User, enrollment_ids: list[int]) -> list[dict[str, Any]]:
    uid = str(user.id)
    runs = [str(i) for i in enrollment_ids]
    certs = [str(i) for i in session.exec(select(Certificate.id).where(Certificate.user_id == user.id)).all()]
    about_them = or_(
        and_(AuditEvent.target_type == "user", AuditEvent.target_id == uid),
        and_(AuditEvent.target_type == "enrollment", AuditEvent.target_id.in_(runs or ["-"])),
        and_(AuditEvent.target_type == "certificate", AuditEvent.target_id.in_(certs or ["-"])),
    )
    events = session.exec(
        select(AuditEvent).where(or_(AuditEvent.org_id == user.org_id, AuditEvent.org_id.is_(None)), or_(AuditEvent.actor_id == user.id, about_them))
        .order_by(AuditEvent.seq)
    ).all()
    out = []
    for e in events:
        theirs = e.actor_id == user.id
        concerns_them = ((e.target_type == "user" and e.target_id == uid) or (e.target_type == "enrollment" and e.target_id in runs)
                         or (e.target_type == "certificate" and e.target_id in certs))
        row: dict[str, Any] = {
            "event": e.seq, "at": _iso(e.at), "action": e.action,
            # Someone else's name, address or IP is their personal data, not this person's.
            "done_by": "you" if theirs else ("the system" if e.actor_id is None else "another person"),
            "ip": e.ip if theirs or e.actor_id is None else None,
            "target_type": e.target_type,
        }
        if concerns_them:
            row.update(target=e.target_label, before=e.before, after=e.after)
        out.append(row)
    return out


def _readme(user: User, generated_at: datetime) -> bytes:
    lines = [
        f"Personal data archive of {user.name} <{user.email}>",
        f"Made on {generated_at.isoformat(timespec='seconds')} (all times are UTC, in ISO 8601).",
        "",
        "Every .json file is UTF-8 JSON. manifest.json lists every other file of this archive with its size",
        "and SHA-256 checksum, so you can check that nothing was changed or lost.",
        "",
        *(f"{name}\n    {text}" for name, text in ARCHIVE_FILES.items()),
        "files/\n    The files you handed in (assignments, quiz answers) and the evidence of training done elsewhere.",
        "certificates/\n    Your certificates as PDF.",
        "",
        "Passwords and sign-in secrets are never exported: they are stored only as one-way hashes.",
        "",
    ]
    return "\n".join(lines).encode()


def export_archive(session: Session, actor: Actor, user_id: int) -> bytes:
    """Everything held about one person as a ZIP (see the module docstring). Anyone signed in may
    download their own; users.manage holders anyone's in their organization; never an admin signed
    in as someone (see permissions.require_own_session). Audited."""
    user = _readable_person(session, actor, user_id)
    generated_at = utcnow()
    enrollments = list(session.exec(select(Enrollment).where(Enrollment.user_id == user.id).order_by(Enrollment.enrolled_at)).all())
    courses = dict(session.exec(select(Course.id, Course.title).where(Course.org_id == user.org_id)).all())
    archive = _Archive()
    parts: dict[str, Callable[[], Any]] = {
        "profile.json": lambda: _profile(session, user),
        "roles.json": lambda: _roles(session, user),
        "memberships.json": lambda: _memberships(session, user),
        "enrollments.json": lambda: _enrollments(session, user, enrollments, courses),
        "quiz_attempts.json": lambda: _quiz_attempts(session, archive, user, courses),
        "submissions.json": lambda: _submissions(session, archive, user, courses),
        "grades.json": lambda: _grades(session, enrollments, courses),
        "certificates.json": lambda: _certificates(session, archive, user),
        "requirements.json": lambda: _requirements(session, user),
        "external_training.json": lambda: _external_training(session, archive, user),
        "notifications.json": lambda: _notifications(session, user),
        "login_history.json": lambda: _login_history(session, user),
        "scorm_attempts.json": lambda: _scorm_attempts(session, user, courses),
        "learning_records.json": lambda: _learning_records(session, user),
        "activity.json": lambda: _activity(session, user, courses),
        "audit_events.json": lambda: _audit_events(session, user, [e.id for e in enrollments]),
    }
    for name, build in parts.items():
        archive.add_json(name, build())
    archive.add("README.txt", _readme(user, generated_at))
    archive.add_json("manifest.json", {"person": user.email, "generated_at": generated_at, "files": list(archive.manifest)})
    own = user.id == actor.user_id
    audit.record(session, actor, "privacy.exported", target_type="user", target_id=user.id, target_label=user.email,
                 after={"own": own, "files": len(archive.manifest) - 1})
    return archive.close()


def archive_file_name(user_name: str, when: date) -> str:
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in user_name.lower()).strip("-")[:40] or "person"
    return f"personal-data-{slug}-{when.isoformat()}.zip"


# --- anonymizing -----------------------------------------------------------------------------------

def _placeholder_number(session: Session, org_id: int) -> int:
    taken = session.exec(select(func.count(User.id)).where(User.org_id == org_id, User.email.like(f"%@{ANONYMIZED_DOMAIN}"))).one()
    return (taken or 0) + 1


def _holds_admin_role(session: Session, user: User) -> bool:
    return session.exec(select(UserRole.id).join(Role, Role.id == UserRole.role_id)
                        .where(UserRole.user_id == user.id, Role.builtin.is_(True), Role.name == "admin")).first() is not None


def anonymize_user(session: Session, actor: Actor, user_id: int, confirm_email: str) -> User:
    """Remove who a departed person was, for good: name and email become placeholders; the
    password, hire date, sign-in records, notifications, memberships, roles, manager links and
    the files and text they handed in go. Enrollments, progress, grades and activity stay with
    the anonymized account (statistics do not change); certificates keep verifying under the
    placeholder name. The person must be deactivated first, must not be the last one holding the
    admin role while nobody else can act as administrator, and `confirm_email` must repeat their
    address. Irreversible."""
    require(actor, "users.manage")
    user = _person(session, actor, user_id)
    if user.id == actor.user_id:
        raise Invalid("You cannot anonymize your own account.")
    if is_anonymized(user.email):
        raise Invalid("This account is already anonymized.")
    if user.is_active:
        raise Invalid(f"Deactivate {user.name} first: only a departed, deactivated person can be anonymized.")
    if _holds_admin_role(session, user) and not active_admin_ids(session, user.org_id):
        raise Invalid(f"{user.name} is the last administrator: give someone else the admin role first.")
    if auth.normalize_email(confirm_email) != auth.normalize_email(user.email):
        raise Invalid(f"Type {user.email} exactly to confirm.")

    old_email = auth.normalize_email(user.email)
    number = _placeholder_number(session, user.org_id)
    org = session.get(Organization, user.org_id)
    user.name = f"Former user #{number}"
    user.email = f"former-user-{user.id}@{ANONYMIZED_DOMAIN}"
    user.password_hash = None
    user.hire_date = None
    user.timezone = org.default_timezone if org else "UTC"
    user.last_login_at = None
    user.pending_approval = False
    session.add(user)

    removed: dict[str, int] = {}
    for name, model, condition in (
        ("login_sessions", LoginSession, LoginSession.user_id == user.id),
        ("sign_in_attempts", LoginAttempt, LoginAttempt.email == old_email),
        ("invitations", Invitation, Invitation.user_id == user.id),
        ("password_resets", PasswordReset, PasswordReset.user_id == user.id),
        ("notifications", Notification, Notification.user_id == user.id),
        ("notification_preferences", NotificationPreference, NotificationPreference.user_id == user.id),
        ("group_memberships", GroupMember, GroupMember.user_id == user.id),
        ("group_manager_links", GroupManager, GroupManager.user_id == user.id),
        ("department_manager_links", DepartmentManager, DepartmentManager.user_id == user.id),
        ("roles", UserRole, UserRole.user_id == user.id),
        ("wrong_enrollment_keys", EnrollmentKeyFailure, EnrollmentKeyFailure.user_id == user.id),
    ):
        removed[name] = session.execute(delete(model).where(condition)).rowcount or 0
    # Statements and documents a tool filed under the address go; the LMS's own name the account only.
    mailbox = f"mbox:mailto:{old_email}"
    removed["learning_records"] = session.execute(delete(XapiStatement).where(XapiStatement.org_id == user.org_id,
                                                                              XapiStatement.actor_key == mailbox)).rowcount or 0
    removed["learning_record_documents"] = session.execute(delete(XapiDocument).where(XapiDocument.org_id == user.org_id,
                                                                                      XapiDocument.agent_key == mailbox)).rowcount or 0
    # What SCORM packages saved (bookmarks, typed answers) goes; statuses and scores stay.
    session.execute(update(ScormItemState).where(ScormItemState.attempt_id.in_(select(ScormAttempt.id).where(ScormAttempt.user_id == user.id)))
                    .values(values={}))
    # The outbox keeps that an email went out (and when), not to whom nor what it said.
    session.execute(update(OutgoingEmail).where(OutgoingEmail.to_address == old_email, OutgoingEmail.status == "queued")
                    .values(status="failed", error="The recipient was anonymized."))
    session.execute(update(OutgoingEmail).where(OutgoingEmail.to_address == old_email)
                    .values(to_address=user.email, body_text="", body_html=""))

    files: list[str] = []
    for sub in session.exec(select(Submission).where(Submission.user_id == user.id)).all():
        files.extend(str(entry.get("file_path") or "") for entry in sub.files or [])
        sub.text, sub.files = "", []
        session.add(sub)
    answers = session.exec(select(AttemptAnswer).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
                           .where(QuizAttempt.user_id == user.id)).all()
    for answer in answers:
        if answer.question.get("type") in _FREE_ANSWER_TYPES and answer.response is not None:
            if isinstance(answer.response, str) and answer.response.startswith(f"{QUIZ_FILES}/"):
                files.append(answer.response)
            answer.response = None
            session.add(answer)
    for training in session.exec(select(ExternalTraining).where(ExternalTraining.user_id == user.id)).all():
        files.append(training.evidence_path or "")
        training.evidence_path, training.evidence_name = None, ""
        session.add(training)
    session.execute(update(Certificate).where(Certificate.user_id == user.id).values(learner_name=user.name))
    storage.remove_after_commit(session, files)

    # The audit trail is append-only: earlier events keep what they recorded; this one says it happened.
    audit.record(session, actor, "user.anonymized", target_type="user", target_id=user.id, target_label=user.email,
                 after={"name": user.name, "files_deleted": len([f for f in files if f]), **{k: v for k, v in removed.items() if v}})
    session.flush()
    return user
