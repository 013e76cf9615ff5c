"""Reading the audit trail: search and page through events, describe each one in a sentence,
export the filtered events as CSV, and check the hash chain.

Writing events is services/audit.py's job; this module only reads (and records its exports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lms_app.locales import LANGUAGES
from lms_app.models import AuditEvent, User
from lms_app.services import audit, timefmt
from lms_app.services.csv_export import csv_text, in_batches
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

# --- categories ----------------------------------------------------------------------------
# key -> (label, SQL LIKE patterns on the action). A pattern without a wildcard is exact.
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("All events", ()),
    "signin": ("Sign-in", ("login", "login.%", "logout", "session.%", "password.%", "invitation.%", "impersonation.%")),
    "users": ("Users", ("user.%", "users.imported")),
    "roles": ("Roles", ("role.%",)),
    "groups": ("Groups", ("group.%", "department.%")),
    "settings": ("Settings", ("settings.%", "organization.%")),
    "exports": ("Exports", ("%.exported", "export.%")),
    "courses": ("Courses", ("course.%", "announcement.%", "live_session.%")),
    "learning": ("Enrollments and progress", ("enrollment.%", "progress.%")),
    "grades": ("Grades", ("grade.%", "grades.%", "gradebook.%")),  # assessments: gradebook
    "quizzes": ("Quizzes and overrides", ("quiz.%", "override.%")),  # assessments: quiz authoring
    # --- learning paths and training elsewhere ---
    "paths": ("Learning paths and training elsewhere", ("path.%", "external_training.%")),
    # --- certificates ---
    "certificates": ("Certificates", ("certificate.%", "settings.certificate_template_changed")),
    # --- privacy ---
    "privacy": ("Privacy", ("privacy.%", "user.anonymized")),
    # --- required training ---
    "requirements": ("Required training", ("requirement.%",)),
}

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_TEXT_LIMIT = 200


def category_of(action: str) -> str:
    """The category key an action belongs to (the first that matches), or ''."""
    for key, (_label, patterns) in CATEGORIES.items():
        for pattern in patterns:
            if _like(action, pattern):
                return key
    return ""


def _like(value: str, pattern: str) -> bool:
    if pattern.startswith("%"):
        return value.endswith(pattern[1:])
    if pattern.endswith("%"):
        return value.startswith(pattern[:-1])
    return value == pattern


# --- how an event reads ----------------------------------------------------------------------
# The one mapping from an action to the sentence a person reads (page and CSV alike).

FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "email": "Email",
    "timezone": "Time zone",
    "locale": "Language",
    "is_active": "Active",
    "pending_approval": "Awaiting approval",
    "department": "Department",
    "parent": "Parent department",
    "description": "Description",
    "role": "Role",
    "roles": "Roles",
    "permissions": "Permissions",
    "expires_at": "Expires",
    "hire_date": "Hire date",
    "reason": "Reason",
    "session": "Session",
    "rows": "Rows",
    "count": "Count",
    "filters": "Filters",
    "format": "Format",
    "registration_mode": "Registration",
    "registration_domains": "Allowed domains",
    "default_timezone": "Default time zone",
    "members": "Members",
    "managers": "Managers",
    "user": "Person",
    "groups": "Groups",
    "added": "Added",
    "member": "Member",
    "manager": "Manager",
    "people": "People",
    "emails": "Emails",
    "sessions_revoked": "Sessions signed out",
    "category": "Category",
    "person": "Person",
    "date_from": "From",
    "date_to": "To",
    "action_prefix": "Action",
    "actor_text": "Who",
    "target_text": "Target",
    # --- certificates ---
    "heading": "Heading",
    "body": "Text",
    "signature_name": "Signed by",
    "signature_title": "Signer's title",
    "footer": "Footer",
    # --- required training ---
    "training": "Training",
    "audience": "Audience",
    "due": "Due date rule",
    "recertification": "Recertification",
    "reminders": "Reminders",
}
_LIST_LIMIT = 10

# Technical keys kept in the row for investigators but meaningless on screen (database ids).
_HIDDEN_FIELDS = {"session", "id", "user_id", "role_id", "group_id", "department_id"}


@dataclass
class _Ctx:
    """What a sentence is made from: one row, with names made readable."""

    event: AuditEvent
    who: str
    target: str

    @property
    def before(self) -> dict[str, Any]:
        return self.event.before or {}

    @property
    def after(self) -> dict[str, Any]:
        return self.event.after or {}

    @property
    def own(self) -> bool:
        return self.event.actor_id is not None and self.event.target_type == "user" and self.event.target_id == str(self.event.actor_id)

    def val(self, key: str, default: str = "") -> str:
        value = self.after.get(key, self.before.get(key))
        return show_value(key, value) if value not in (None, "", [], {}) else default


def _changed_fields(ctx: _Ctx) -> list[str]:
    keys = [k for k in dict.fromkeys([*ctx.before, *ctx.after]) if k not in _HIDDEN_FIELDS]
    return [k for k in keys if ctx.before.get(k) != ctx.after.get(k)]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _change_sentence(ctx: _Ctx, noun: str = "") -> str:
    """'Ada Admin changed the name of x@y from A to B', or of several fields at once."""
    fields = _changed_fields(ctx)
    if not fields:
        return f"{ctx.who} saved {ctx.target or 'a record'} without changes"
    labels = [_field_label(k).lower() for k in fields]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" and {labels[-1]}"
    if ctx.own:
        subject = f"their {listed}"
    elif ctx.target:
        subject = f"the {listed} of the {noun} {ctx.target}" if noun else f"the {listed} of {ctx.target}"
    else:
        subject = f"the {listed}"
    if len(fields) > 1:
        return f"{ctx.who} changed {subject}"
    key = fields[0]
    old, new = ctx.before.get(key), ctx.after.get(key)
    if isinstance(old, list) and isinstance(new, list):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = ([f"added {show_value(key, added)}"] if added else []) + ([f"removed {show_value(key, removed)}"] if removed else [])
        return f"{ctx.who} changed {subject}: {'; '.join(parts)}"
    if _empty(old):
        return f"{ctx.who} set {subject} to {show_value(key, new)}"
    if _empty(new):
        return f"{ctx.who} cleared {subject} (was {show_value(key, old)})"
    return f"{ctx.who} changed {subject} from {show_value(key, old)} to {show_value(key, new)}"


def _failed_reason(ctx: _Ctx) -> str:
    reason = ctx.val("reason")
    return f" ({reason})" if reason else ""


def _count(ctx: _Ctx, *keys: str) -> int | None:
    for key in keys:
        value = ctx.after.get(key, ctx.before.get(key))
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, list):
            return len(value)
    return None


def _plural(n: int | None, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}" if n is not None else many


def _exported(ctx: _Ctx) -> str:
    thing = ctx.event.action.rsplit(".", 1)[0]
    n = _count(ctx, "rows", "count")
    if thing == "audit":
        return f"{ctx.who} exported {_plural(n, 'event', 'events')} of the audit trail as CSV"
    if thing == "users":
        return f"{ctx.who} exported a list of {_plural(n, 'person', 'people')} as CSV"
    return f"{ctx.who} exported {thing.replace('_', ' ')}" + (f" ({_plural(n, 'row', 'rows')})" if n is not None else "") + " as CSV"


def _pts(value: Any) -> str:
    """Points in a grade sentence ("no grade" when there were none)."""
    return "no grade" if value is None or value == "" else f"{float(value):g}"

def _people(ctx: _Ctx, key: str) -> str:
    value = ctx.after.get(key, ctx.before.get(key))
    if isinstance(value, list):
        return show_value(key, value) if len(value) <= 3 else f"{len(value)} people"
    return show_value(key, value) if not _empty(value) else "someone"


def _granted(ctx: _Ctx) -> str:
    until = ctx.val("expires_at")
    return f"{ctx.who} gave {ctx.target} the role {ctx.val('role', 'a role')}" + (f" until {until}" if until else "")


def _grade_points(value: Any) -> str:
    return "no grade" if value is None or value == "" else f"{float(value):g}"


def _graded_sentence(ctx: _Ctx, noun: str) -> str:
    """'Irene graded the answer leo@…: Quiz #1, Why (no grade → 3 points): why'."""
    before, after = ctx.before.get("points"), ctx.after.get("points")
    text = f"{ctx.who} graded {noun} {ctx.target} ({_grade_points(before)} → {_grade_points(after)} points)"
    if ctx.after.get("released"):
        text += " (already released)"
    return text + (f": {ctx.after['reason']}" if ctx.after.get("reason") else "")


SENTENCES: dict[str, Callable[[_Ctx], str]] = {
    # sign-in
    "login": lambda c: f"{c.who} signed in",
    "login.failed": lambda c: f"Failed sign-in for {c.target}{_failed_reason(c)}",
    "login.locked": lambda c: f"Sign-in refused for {c.target}: locked after too many failed attempts",
    "logout": lambda c: f"{c.who} signed out",
    "impersonation.start": lambda c: f"{c.who} signed in as {c.val('user', c.target)}",
    "impersonation.stop": lambda c: f"{c.who} stopped being signed in as {c.val('user', c.target)}",
    "session.revoked": lambda c: f"{c.who} signed out one of their other sessions" if c.own else f"{c.who} signed out a session of {c.target}",
    "password.changed": lambda c: f"{c.who} changed their password" if c.own or not c.event.target_label else f"{c.who} changed the password of {c.target}",
    "password.reset_requested": lambda c: f"Password reset requested for {c.target}",
    "password.reset": lambda c: f"{c.target} chose a new password with a reset link",
    "invitation.accepted": lambda c: f"{c.who} accepted their invitation and chose a password",
    # users
    "user.registered": lambda c: f"{c.target} registered" + (", awaiting approval" if c.after.get("pending_approval") else ""),
    "user.invited": lambda c: f"{c.who} invited {c.target}",
    "user.invitation_resent": lambda c: f"{c.who} sent {c.target} a new invitation",
    "user.admin_created": lambda c: f"Administrator account {c.target} created" + (" from the command line" if c.event.actor_id is None else f" by {c.who}"),
    "user.updated": lambda c: _change_sentence(c),
    "user.department_changed": lambda c: _change_sentence(c),
    "user.groups_changed": lambda c: _change_sentence(c),
    "user.deactivated": lambda c: f"{c.who} deactivated {c.target}",
    "user.reactivated": lambda c: f"{c.who} reactivated {c.target}",
    "user.approved": lambda c: f"{c.who} approved the registration of {c.target}",
    "user.rejected": lambda c: f"{c.who} turned down the registration of {c.target}",
    "user.deleted": lambda c: f"{c.who} deleted the account of {c.target}",
    "users.imported": lambda c: f"{c.who} imported {_plural(_count(c, 'count', 'emails'), 'person', 'people')}",
    # roles (granting one is recorded against the person who gets it)
    "role.created": lambda c: f"{c.who} created the role {c.target}",
    "role.updated": lambda c: _change_sentence(c, "role"),
    "role.deleted": lambda c: f"{c.who} deleted the role {c.target}",
    "role.granted": _granted,
    "role.revoked": lambda c: f"{c.who} took the role {c.val('role', 'a role')} from {c.target}",
    # groups and departments
    "group.created": lambda c: f"{c.who} created the group {c.target}",
    "group.updated": lambda c: _change_sentence(c, "group"),
    "group.deleted": lambda c: f"{c.who} deleted the group {c.target}",
    "group.members_added": lambda c: f"{c.who} added {_people(c, 'added')} to the group {c.target}",
    "group.member_removed": lambda c: f"{c.who} removed {_people(c, 'member')} from the group {c.target}",
    "group.manager_added": lambda c: f"{c.who} made {_people(c, 'manager')} a manager of the group {c.target}",
    "group.manager_removed": lambda c: f"{c.who} removed {_people(c, 'manager')} as a manager of the group {c.target}",
    "department.created": lambda c: f"{c.who} created the department {c.target}" + (f" under {c.val('parent')}" if c.val("parent") else ""),
    "department.updated": lambda c: _change_sentence(c, "department"),
    "department.deleted": lambda c: f"{c.who} deleted the department {c.target}",
    "department.manager_added": lambda c: f"{c.who} made {_people(c, 'manager')} a manager of the department {c.target}",
    "department.manager_removed": lambda c: f"{c.who} removed {_people(c, 'manager')} as a manager of the department {c.target}",
    # settings
    "settings.registration_changed": lambda c: _change_sentence(c),
    "settings.updated": lambda c: _change_sentence(c) if _changed_fields(c) else f"{c.who} changed the organization's settings",
    # courses
    "course.created": lambda c: f"{c.who} created the course {c.target}",
    "course.copied": lambda c: f"{c.who} created {c.target} as a copy of {c.val('from_title', 'another course')}",
    "course.imported": lambda c: f"{c.who} imported the course {c.target} ({_plural(_count(c, 'lessons'), 'lesson', 'lessons')})",
    "course.exported": lambda c: f"{c.who} exported the course {c.target} as an archive",
    "course.published": lambda c: f"{c.who} published the course {c.target}",
    "course.unpublished": lambda c: f"{c.who} took the course {c.target} back to draft",
    "course.archived": lambda c: f"{c.who} archived the course {c.target}",
    "course.enrollment_key_changed": lambda c: f"{c.who} {'set a new' if c.after.get('key_required') else 'removed the'} enrollment key of {c.target}",
    "course.module_deleted": lambda c: f"{c.who} deleted the module {c.val('module', 'a module')} of {c.target}",
    "course.lesson_deleted": lambda c: f"{c.who} deleted the lesson {c.val('lesson', 'a lesson')} of {c.target}",
    "course.staff_added": lambda c: f"{c.who} made {_people(c, 'person')} {c.val('role', 'staff')} of {c.target}",
    "course.staff_changed": lambda c: f"{c.who} made {_people(c, 'person')} {c.after.get('role', 'staff')} of {c.target}",
    "course.staff_removed": lambda c: f"{c.who} took {_people(c, 'person')} off the teaching team of {c.target}",
    "announcement.posted": lambda c: f"{c.who} posted the announcement {c.target}"
                                     + (f", emailed to {_plural(_count(c, 'emailed_to'), 'learner', 'learners')}" if c.after.get("emailed_to") else ""),
    "announcement.edited": lambda c: f"{c.who} edited the announcement {c.target}",
    "announcement.deleted": lambda c: f"{c.who} deleted the announcement {c.target}",
    # enrollments and progress
    "enrollment.created": lambda c: (f"{c.who} enrolled in {c.val('course', c.target)}" if c.after.get("source") == "self"
                                     else f"{c.who} enrolled {_people(c, 'learners')} in {c.val('course', c.target)}"),
    "enrollment.withdrawn": lambda c: f"{c.who} withdrew {c.target}" + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "enrollment.expired": lambda c: f"The access of {c.target} ended",
    "enrollment.completed": lambda c: f"{c.target} completed the course",
    "progress.marked_complete": lambda c: f"{c.who} marked {c.val('lesson', 'a lesson')} done for {c.target}"
                                          + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "progress.reset": lambda c: f"{c.who} reset the progress of {c.target} ({c.val('lessons', 'lessons')})"
                                + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    # assessments: assignments
    "assignment.submitted": lambda c: f"{c.who} handed in {c.target}" + (" again" if (c.after.get("number") or 1) > 1 else ""),
    "assignment.extension_granted": lambda c: f"{c.who} gave {c.target} an extension at {c.val('lesson', 'an assignment')}"
                                              + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "assignment.extension_removed": lambda c: f"{c.who} took away the extension of {c.target} at {c.val('lesson', 'an assignment')}",
    # assessments: quiz authoring (overrides, resets, reopens; the reason is in the row)
    "override.saved": lambda c: (f"{c.who} changed the override of {c.target}" if c.before else f"{c.who} gave an override to {c.target}")
                                + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "override.deleted": lambda c: f"{c.who} removed the override of {c.target}" + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "quiz.attempt_reset": lambda c: f"{c.who} reset the quiz attempt {c.target}" + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    "quiz.attempt_reopened": lambda c: f"{c.who} reopened the quiz attempt {c.target} for {c.val('minutes', 'some')} minutes"
                                       + (f": {c.after['reason']}" if c.after.get("reason") else ""),
    # --- assessments: gradebook ---
    "grade.entered": lambda c: (f"{c.who} changed the grade of {c.target} on {c.val('item', 'an item')} "
                                f"from {_pts(c.before.get('points'))} to {_pts(c.after.get('points'))}"
                                + (" (CSV import)" if c.after.get("source") == "import" else "")),
    "grade.overridden": lambda c: (f"{c.who} overrode the grade of {c.target} on {c.val('item', 'an item')}: "
                                   f"{_pts(c.before.get('override') if c.before.get('override') is not None else c.before.get('points'))} "
                                   f"to {_pts(c.after.get('override'))}" + (f": {c.after['reason']}" if c.after.get("reason") else "")),
    "grade.override_cleared": lambda c: (f"{c.who} removed the override of {c.target} on {c.val('item', 'an item')} "
                                         f"({_pts(c.before.get('override'))})" + (f": {c.after['reason']}" if c.after.get("reason") else "")),
    "grades.imported": lambda c: f"{c.who} imported {_plural(_count(c, 'count'), 'grade', 'grades')} into the gradebook of {c.target}",
    "gradebook.exported": lambda c: f"{c.who} exported the gradebook of {c.target}" + (f" ({_plural(_count(c, 'count'), 'learner', 'learners')})" if c.after.get("count") is not None else "") + f" as {c.val('format', 'CSV')}",
    "gradebook.category_saved": lambda c: f"{c.who} {'changed' if c.before else 'created'} the grade category {c.val('category', '')} of {c.target}",
    "gradebook.category_deleted": lambda c: f"{c.who} deleted the grade category {c.val('category', '')} of {c.target}",
    "gradebook.item_saved": lambda c: f"{c.who} {'changed' if c.before else 'created'} the grade item {c.val('item', '')} of {c.target}",
    "gradebook.item_deleted": lambda c: f"{c.who} deleted the grade item {c.val('item', '')} of {c.target}",
    "gradebook.scale_changed": lambda c: f"{c.who} set the letter scale of {c.target} to {c.val('scale', '')}",
    # --- assessments: grading ---
    "grade.answer_graded": lambda c: _graded_sentence(c, "the answer"),
    "grade.submission_graded": lambda c: _graded_sentence(c, "the submission"),
    "grade.released": lambda c: f"{c.who} released the grade of {c.target}"
                                + (f" ({_grade_points(c.after.get('score'))} of {_grade_points(c.after.get('max_score'))})" if "score" in c.after
                                   else f" ({_grade_points(c.after.get('points'))} of {_grade_points(c.after.get('max_points'))})" if "points" in c.after else ""),
    "grade.question_regraded": lambda c: (f"{c.who} regraded the question {c.target}: {_plural(_count(c, 'attempts'), 'attempt', 'attempts')} re-scored, "
                                          f"{c.after.get('up', 0)} up, {c.after.get('down', 0)} down, {c.after.get('unchanged', 0)} unchanged"),
    # --- dashboards ---
    "report.exported": lambda c: f"{c.who} exported the table “{c.val('report', c.target)}” ({_plural(_count(c, 'rows'), 'row', 'rows')}) as {c.val('format', 'CSV')}",
    "course.learner_messaged": lambda c: f"{c.who} emailed {c.target} about {c.val('course', 'a course')}: “{c.val('subject', '')}”",
    # exports ("<thing>.exported" in general)
    "audit.exported": _exported,
    # --- privacy and audit coverage ---
    "privacy.exported": lambda c: (f"{c.who} downloaded their personal data archive" if c.own
                                   else f"{c.who} downloaded the personal data archive of {c.target}"),
    "user.anonymized": lambda c: f"{c.who} anonymized a departed person's account, now {c.val('name', c.target)}",
    "questions.imported": lambda c: f"{c.who} imported {_plural(_count(c, 'count'), 'question', 'questions')} into the bank category {c.target}",
    "quiz.attempt_closed": lambda c: (f"The quiz attempt {c.target} closed at its deadline" if c.after.get("closed_by") == "deadline"
                                      else f"{c.who} handed in the quiz attempt {c.target}"),
    "questions.exported": lambda c: f"{c.who} exported {_plural(_count(c, 'count'), 'question', 'questions')} of the bank category {c.target} as GIFT",
    # --- reminders and notifications ---
    "notification.preference_changed": lambda c: (f"{c.who} chose “{c.val('email', '')}” for emails about “{c.val('notification', '')}”"
                                                  + (" with the unsubscribe link of an email" if c.after.get("via") == "unsubscribe link" else "")),
    # --- learning paths and training elsewhere ---
    "path.created": lambda c: f"{c.who} created the learning path {c.target}",
    "path.updated": lambda c: (f"{c.who} reordered the courses of the learning path {c.target}"
                               if _changed_fields(c) == ["courses"] and sorted(c.before.get("courses") or []) == sorted(c.after.get("courses") or [])
                               else _change_sentence(c, "learning path")),
    "path.deleted": lambda c: f"{c.who} deleted the learning path {c.target}",
    "path.enrolled": lambda c: f"{c.who} put {_people(c, 'learners')} on the learning path {c.target}" + (f" (as {c.after['via']})" if c.after.get("via") else ""),
    "path.completed": lambda c: f"{c.val('learner', 'Someone')} completed the learning path {c.target}",
    "external_training.recorded": lambda c: f"{c.who} recorded training done elsewhere for {c.val('learner', 'someone')}: “{c.val('title', '')}” ({c.val('provider', '')})",
    "external_training.approved": lambda c: f"{c.who} approved the training done elsewhere {c.target}",
    "external_training.rejected": lambda c: f"{c.who} rejected the training done elsewhere {c.target}" + (f": {c.after['note']}" if c.after.get("note") else ""),
    # --- certificates ---
    "certificate.issued": lambda c: (f"{c.val('learner', c.target)} was awarded the certificate {c.val('code')} for {c.val('title')}"
                                     + (f", valid for {c.val('valid_months')} months" if c.after.get("valid_months") else "")),
    "certificate.revoked": lambda c: f"{c.who} revoked the certificate {c.val('code')} ({c.target}): {c.val('reason')}",
    "certificate.reissued": lambda c: (f"{c.who} reissued the certificate {c.before.get('code', '')} ({c.target}) "
                                       f"as {c.after.get('code', '')}; the old code is revoked"),
    "settings.certificate_template_changed": lambda c: _change_sentence(c),
    # --- required training ---
    "requirement.created": lambda c: (f"{c.who} required {c.target} of {c.val('audience', 'someone')}"
                                      + (f", due {c.after['due']}" if c.after.get("due") else "")),
    "requirement.updated": lambda c: _change_sentence(c, "requirement"),
    "requirement.retired": lambda c: f"{c.who} retired the requirement {c.target}",
    "requirement.exempted": lambda c: f"{c.who} exempted {c.val('learner', 'someone')} from {c.target}: {c.val('reason', '')}",
    "requirement.exemption_removed": lambda c: f"{c.who} removed the exemption of {c.val('learner', 'someone')} from {c.target}",
    "requirement.assigned": lambda c: _assigned_sentence(c),
    "requirement.completed": lambda c: (f"{c.val('learner', 'Someone')} satisfied the requirement {c.target}"
                                        + (" with training done elsewhere" if c.after.get("via") == "external" else "")),
}


def _assigned_sentence(ctx: _Ctx) -> str:
    """'Required training Fire safety: assigned to 3 people, recertification opened for leo@…'."""
    parts = [f"{label} {_people(ctx, key)}" for key, label in (
        ("assigned", "assigned to"), ("recertification", "recertification opened for"), ("removed", "taken off"),
        ("restored", "back for")) if ctx.after.get(key)]
    return f"Required training {ctx.target}: " + ("; ".join(parts) if parts else "no change")


def sentence(event: AuditEvent, target_fallback: str = "") -> str:
    """What happened, as a person would say it, built from the row alone."""
    who = actor_name(event.actor_label) or "Someone"
    target = event.target_label or target_fallback or _target_noun(event.target_type)
    ctx = _Ctx(event, who, target)
    describe = SENTENCES.get(event.action)
    if describe is None and event.action.endswith(".exported"):
        describe = _exported
    if describe is not None:
        return describe(ctx)
    what = event.action.replace(".", " ").replace("_", " ")
    return f"{who}: {what}" + (f" ({target})" if event.target_label or target_fallback else "")


def _target_noun(target_type: str) -> str:
    return {"user": "an account", "role": "a role", "group": "a group", "department": "a department"}.get(target_type, "a record")


# How Actor.label names the admin who was signed in as the actor ("Sign in as").
_IMPERSONATED = " (impersonated by "


def split_impersonation(label: str) -> tuple[str, str]:
    """'Leo <leo@…> (impersonated by Ada <admin@…>)' -> ('Leo <leo@…>', 'Ada <admin@…>')."""
    label = label or ""
    own, sep, admin = label.partition(_IMPERSONATED)
    return (own, admin[:-1] if admin.endswith(")") else admin) if sep else (label, "")


def actor_name(label: str) -> str:
    """'Ada Admin <admin@example.com>' -> 'Ada Admin'."""
    label = split_impersonation(label)[0]
    return label.split(" <", 1)[0].strip() if label.endswith(">") and " <" in label else label.strip()


def actor_email(label: str) -> str:
    label = split_impersonation(label)[0]
    return label.rsplit("<", 1)[1].rstrip(">").strip() if label.endswith(">") and "<" in label else ""


def _field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def show_value(key: str, value: Any) -> str:
    """A stored value as a person reads it (no JSON on screen)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "locale" and isinstance(value, str):
        return LANGUAGES.get(value, value)
    if key == "category" and isinstance(value, str) and value in CATEGORIES:
        return CATEGORIES[value][0]
    if isinstance(value, (list, tuple)):
        shown = ", ".join(show_value(key, v) for v in value[:_LIST_LIMIT])
        return shown + (f" and {len(value) - _LIST_LIMIT} more" if len(value) > _LIST_LIMIT else "")
    if isinstance(value, str) and (key.endswith("_at") or key == "until"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{moment.day} {moment:%b %Y}"
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(k)}: {show_value(k, v)}" for k, v in value.items())
    return str(value)


@dataclass
class Change:
    field: str
    before: str
    after: str


def changes(event: AuditEvent) -> list[Change]:
    """The before/after of an event as a list of fields that a person can read."""
    before, after = event.before or {}, event.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in _HIDDEN_FIELDS]
    if event.before is None:
        # A creation: only the values that were set.
        return [Change(_field_label(k), "—", show_value(k, after.get(k))) for k in keys if not _empty(after.get(k))]
    return [
        Change(_field_label(k), show_value(k, before.get(k)), show_value(k, after.get(k)))
        for k in keys
        if before.get(k) != after.get(k)
    ]


# --- searching -----------------------------------------------------------------------------

@dataclass
class AuditRow:
    seq: int
    at: datetime
    when: str
    who: str
    who_email: str
    action: str
    category: str
    sentence: str
    target: str
    ip: str
    changes: list[Change] = field(default_factory=list)
    # The admin who was signed in as the actor ("Name <email>"), if one was.
    impersonator: str = ""


@dataclass
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class AuditFilter:
    category: str = "all"
    action_prefix: str = ""
    actor_text: str = ""
    target_text: str = ""
    person: str = ""
    date_from: str = ""
    date_to: str = ""

    def describe(self) -> dict[str, str]:
        """The filters in use (for the export's own audit event)."""
        return {k: v for k, v in vars(self).items() if v and not (k == "category" and v == "all")}


def _parse_day(value: str, which: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"The {which} date is not a date (use the date picker).") from None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, text: str):
    return column.ilike(f"%{_escape_like(text)}%", escape="\\")


def _conditions(actor: Actor, flt: AuditFilter, tz: str) -> list:
    if flt.category not in CATEGORIES:
        raise Invalid("Choose a category from the list.")
    conds: list = [or_(AuditEvent.org_id == actor.org_id, AuditEvent.org_id.is_(None))]
    patterns = CATEGORIES[flt.category][1]
    if patterns:
        conds.append(or_(*[AuditEvent.action.like(p) if "%" in p else AuditEvent.action == p for p in patterns]))
    prefix = flt.action_prefix.strip()[:64]
    if prefix:
        conds.append(or_(AuditEvent.action == prefix.rstrip("."), AuditEvent.action.like(f"{_escape_like(prefix.rstrip('.'))}.%", escape="\\")))
    for text, columns in (
        (flt.actor_text, (AuditEvent.actor_label,)),
        (flt.target_text, (AuditEvent.target_label,)),
        (flt.person, (AuditEvent.actor_label, AuditEvent.target_label)),
    ):
        text = (text or "").strip()[:_TEXT_LIMIT]
        if text:
            conds.append(or_(*[_contains(c, text) for c in columns]))
    start, end = _parse_day(flt.date_from, "start"), _parse_day(flt.date_to, "end")
    if start and end and start > end:
        raise Invalid("The start date is after the end date.")
    zone = timefmt.zone(tz)
    if start:
        conds.append(AuditEvent.at >= datetime.combine(start, time.min, zone).astimezone(timezone.utc))
    if end:
        # The whole end day counts, in the viewer's zone.
        conds.append(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc))
    return conds


def viewer_timezone(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id)
    return user.timezone if user else "UTC"


def _target_labels(session: Session, events: Iterable[AuditEvent]) -> dict[str, str]:
    """Emails of user targets whose event kept only the id (a revoked session, ...)."""
    ids = {int(e.target_id) for e in events if e.target_type == "user" and not e.target_label and e.target_id.isdigit()}
    if not ids:
        return {}
    return {str(i): email for i, email in session.exec(select(User.id, User.email).where(User.id.in_(ids))).all()}


def _row(event: AuditEvent, tz: str, labels: dict[str, str]) -> AuditRow:
    target = event.target_label or labels.get(event.target_id, "")
    return AuditRow(
        seq=event.seq,
        at=event.at,
        when=timefmt.show(event.at, tz),
        who=actor_name(event.actor_label) or "—",
        who_email=actor_email(event.actor_label),
        action=event.action,
        category=CATEGORIES.get(category_of(event.action), ("Other", ()))[0],
        sentence=sentence(event, target),
        target=target or "—",
        ip=event.ip or "—",
        changes=changes(event),
        impersonator=split_impersonation(event.actor_label)[1] if event.impersonator_id is not None else "",
    )


def search_events(
    session: Session,
    actor: Actor,
    *,
    category: str = "all",
    action_prefix: str = "",
    actor_text: str = "",
    target_text: str = "",
    person: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of events, newest first, filtered and paged in the database.

    Dates are days in the viewer's time zone, both ends included.
    """
    require(actor, "audit.view")
    flt = AuditFilter(category, action_prefix, actor_text, target_text, person, date_from, date_to)
    tz = viewer_timezone(session, actor)
    conds = _conditions(actor, flt, tz)
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    total = session.exec(select(func.count(AuditEvent.id)).where(*conds)).one() or 0
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))
    events = session.exec(
        select(AuditEvent).where(*conds).order_by(AuditEvent.seq.desc(), AuditEvent.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    labels = _target_labels(session, events)
    return AuditPage([_row(e, tz, labels) for e in events], total, page, page_size)


def get_event(session: Session, actor: Actor, seq: int) -> AuditRow:
    """One event with its changes, for the details view."""
    require(actor, "audit.view")
    event = session.exec(
        select(AuditEvent).where(AuditEvent.seq == int(seq), or_(AuditEvent.org_id == actor.org_id, AuditEvent.org_id.is_(None)))
    ).first()
    if event is None:
        raise NotFound("That event does not exist.")
    return _row(event, viewer_timezone(session, actor), _target_labels(session, [event]))


# --- export and verification ---------------------------------------------------------------

CSV_COLUMNS = ["Event", "When", "When (UTC)", "Who", "Who (email)", "Action", "What happened", "Target", "IP address", "Changes", "Impersonated by"]


def export_events(
    session: Session,
    actor: Actor,
    *,
    category: str = "all",
    action_prefix: str = "",
    actor_text: str = "",
    target_text: str = "",
    person: str = "",
    date_from: str = "",
    date_to: str = "",
) -> str:
    """Every event matching the filters as CSV (newest first); the export is itself audited."""
    require(actor, "reports.export")
    require(actor, "audit.view")
    flt = AuditFilter(category, action_prefix, actor_text, target_text, person, date_from, date_to)
    tz = viewer_timezone(session, actor)
    conds = _conditions(actor, flt, tz)
    events = session.exec(select(AuditEvent).where(*conds).order_by(AuditEvent.seq.desc(), AuditEvent.id.desc())).yield_per(1000)

    def rows():
        for batch in in_batches(events, 1000):
            labels = _target_labels(session, batch)
            for event in batch:
                row = _row(event, tz, labels)
                yield [
                    row.seq, row.when, event.at.astimezone(timezone.utc).isoformat(timespec="seconds"),
                    "" if row.who == "—" else row.who, row.who_email, row.action, row.sentence,
                    "" if row.target == "—" else row.target, "" if row.ip == "—" else row.ip,
                    "; ".join(f"{c.field}: {c.before} → {c.after}" for c in row.changes), row.impersonator,
                ]

    text, count = csv_text(CSV_COLUMNS, rows())
    audit.record(session, actor, "audit.exported", target_type="audit", target_label="Audit trail",
                 after={"rows": count, "format": "CSV", **flt.describe()})
    return text


def verify_chain(session: Session, actor: Actor) -> audit.VerifyResult:
    """Walk the whole hash chain (see audit.verify)."""
    require(actor, "audit.view")
    return audit.verify(session)
