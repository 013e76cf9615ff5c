"""The audit trail covers what matters legally: enrollments, completions, grade changes,
certificates, requirements and exemptions, roles and permissions, exports, sign-ins (and failed
ones) and settings. Each test does the thing through its service and finds the event with who did
it and to what. The last test proves no page handler or API route can edit or delete an event."""

from __future__ import annotations

import asyncio
import inspect
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.api.app import build_api
from lms_app.models import AuditEvent, RequirementAssignment, User, utcnow
from lms_app.services import (
    audit,
    audit_log,
    auth,
    certificates,
    courses,
    enrollment,
    gradebook,
    privacy,
    progress,
    question_bank,
    requirements,
    roles,
    users,
)
from lms_app.services.errors import Invalid, Throttled
from lms_app.services.seed import DEMO_PASSWORD
from tests.state import test_authorization_matrix as matrix
from tests.state.course_world import build_course
from tests.state.harness import Browser

ADMIN, IRENE, LEO, AMARA = "admin@example.com", "irene@example.com", "leo@example.com", "amara@example.com"


def user_id(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def last(session: Session, action: str) -> AuditEvent:
    found = events(session, action)
    assert found, f"no {action} event"
    return found[-1]


def who_what(event: AuditEvent) -> tuple[int | None, str, str]:
    return event.actor_id, event.target_type, event.target_id


@pytest.fixture
def course(demo, session, actor_of):
    """Irene's published course, Leo enrolled."""
    ids = build_course(session, actor_of(IRENE), actor_of(LEO))
    session.commit()
    return ids


# --- enrollments and completions -------------------------------------------------------------

def test_enrollments_are_audited(course, session, actor_of):
    leo, irene = actor_of(LEO), actor_of(IRENE)
    assert who_what(last(session, "enrollment.created")) == (leo.user_id, "enrollment", str(course["enrollment"]))

    amara = user_id(session, AMARA)
    enrollment.enroll_users(session, irene, course["course"], [amara])
    event = last(session, "enrollment.created")
    assert who_what(event) == (irene.user_id, "course", str(course["course"])) and AMARA in str(event.after)

    enrollment.unenroll(session, irene, course["enrollment"], "Left the team")
    assert who_what(last(session, "enrollment.withdrawn")) == (irene.user_id, "enrollment", str(course["enrollment"]))


def test_completions_are_audited(course, session, actor_of):
    leo = actor_of(LEO)
    for lesson in ("lesson", "lesson2", "locked_lesson"):
        progress.complete_lesson(session, leo, course["enrollment"], course[lesson])
    event = last(session, "enrollment.completed")
    assert who_what(event) == (leo.user_id, "enrollment", str(course["enrollment"]))
    assert event.after["learner"] == LEO and event.after["course"] == "Safe lifting at work"


# --- grades -----------------------------------------------------------------------------------

def test_grade_changes_are_audited_with_before_and_after(course, session, actor_of):
    irene = actor_of(IRENE)
    item = gradebook.save_item(session, irene, course["course"], None, title="Participation", max_points=10)
    gradebook.set_entry(session, irene, course["enrollment"], item.id, 6)
    gradebook.set_entry(session, irene, course["enrollment"], item.id, 8)
    event = last(session, "grade.entered")
    assert who_what(event) == (irene.user_id, "enrollment", str(course["enrollment"]))
    assert (event.before["points"], event.after["points"]) == (6, 8)

    gradebook.set_override(session, irene, course["enrollment"], item.id, 10, "Extra work")
    event = last(session, "grade.overridden")
    assert who_what(event) == (irene.user_id, "enrollment", str(course["enrollment"])) and event.after["reason"] == "Extra work"


# --- certificates -----------------------------------------------------------------------------

def test_certificate_issue_and_revoke_are_audited(course, session, actor_of):
    admin, leo = actor_of(ADMIN), user_id(session, LEO)
    cert = certificates.issue(session, user_id=leo, course_id=course["course"], enrollment_id=course["enrollment"], valid_months=12)
    event = last(session, "certificate.issued")
    assert who_what(event) == (None, "certificate", str(cert.id)), "issued by completing, not by a person"
    assert event.after["learner"] == LEO and event.after["code"] == cert.code

    certificates.revoke(session, admin, cert.id, "Issued by mistake")
    event = last(session, "certificate.revoked")
    assert who_what(event) == (admin.user_id, "certificate", str(cert.id)) and event.after["reason"] == "Issued by mistake"


# --- requirements and exemptions --------------------------------------------------------------

def test_requirement_changes_and_exemptions_are_audited(course, session, actor_of):
    admin = actor_of(ADMIN)
    leo = user_id(session, LEO)
    req = requirements.create_requirement(session, admin, requirements.RequirementSpec(
        course_id=course["course"], audience="user", audience_id=leo, due_mode="after_assignment", due_days=30))
    assert who_what(last(session, "requirement.created")) == (admin.user_id, "requirement", str(req.id))

    requirements.update_requirement(session, admin, req.id, requirements.RequirementSpec(
        course_id=course["course"], audience="user", audience_id=leo, due_mode="after_assignment", due_days=45))
    event = last(session, "requirement.updated")
    assert who_what(event) == (admin.user_id, "requirement", str(req.id)) and event.before != event.after

    assignment = session.exec(select(RequirementAssignment).where(RequirementAssignment.requirement_id == req.id,
                                                                  RequirementAssignment.user_id == leo)).one()
    requirements.exempt(session, admin, assignment.id, "Certified by the fire brigade")
    event = last(session, "requirement.exempted")
    assert who_what(event) == (admin.user_id, "requirement", str(req.id))
    assert (event.after["learner"], event.after["reason"]) == (LEO, "Certified by the fire brigade")

    requirements.remove_exemption(session, admin, assignment.id)
    assert who_what(last(session, "requirement.exemption_removed")) == (admin.user_id, "requirement", str(req.id))

    requirements.retire_requirement(session, admin, req.id)
    assert who_what(last(session, "requirement.retired")) == (admin.user_id, "requirement", str(req.id))


# --- roles and permissions --------------------------------------------------------------------

def test_role_and_permission_changes_are_audited(course, session, actor_of):
    admin, irene = actor_of(ADMIN), actor_of(IRENE)
    role = roles.create_role(session, admin, "Auditor", "Reads the trail", ["audit.view"])
    assert who_what(last(session, "role.created")) == (admin.user_id, "role", str(role.id))

    roles.set_permission(session, admin, role.id, "reports.export", True)
    event = last(session, "role.updated")
    assert who_what(event) == (admin.user_id, "role", str(role.id))
    assert "reports.export" in event.after["permissions"] and "reports.export" not in event.before["permissions"]

    leo = user_id(session, LEO)
    users.assign_role(session, admin, leo, role.id)
    assert who_what(last(session, "role.granted")) == (admin.user_id, "user", str(leo))
    users.remove_role(session, admin, leo, role.id)
    assert who_what(last(session, "role.revoked")) == (admin.user_id, "user", str(leo))

    # A course-level role is a grant of power too.
    isaac = user_id(session, "isaac@example.com")
    courses.add_staff(session, irene, course["course"], isaac, "assistant")
    assert who_what(last(session, "course.staff_added")) == (irene.user_id, "course", str(course["course"]))


# --- exports ----------------------------------------------------------------------------------

def test_every_export_is_audited(course, session, actor_of):
    admin, irene = actor_of(ADMIN), actor_of(IRENE)
    users.export_users_csv(session, admin)
    assert who_what(last(session, "users.exported")) == (admin.user_id, "users", "")
    audit_log.export_events(session, admin)
    assert last(session, "audit.exported").actor_id == admin.user_id
    leo = user_id(session, LEO)
    privacy.export_archive(session, admin, leo)
    assert who_what(last(session, "privacy.exported")) == (admin.user_id, "user", str(leo))
    enrollment.export_roster_csv(session, irene, course["course"])
    assert who_what(last(session, "roster.exported")) == (irene.user_id, "course", str(course["course"]))
    gradebook.export_csv(session, irene, course["course"])
    assert last(session, "gradebook.exported").actor_id == irene.user_id

    category = question_bank.create_category(session, irene, "Exits", course_id=course["course"])
    question_bank.export_gift(session, irene, category.id)
    event = last(session, "questions.exported")
    assert who_what(event) == (irene.user_id, "question_category", str(category.id))
    assert audit_log.sentence(event) == "Irene Instructor exported 0 questions of the bank category Exits as GIFT"


# --- sign-ins ---------------------------------------------------------------------------------

def test_sign_ins_failed_sign_ins_and_lockouts_are_audited(demo, session):
    leo = user_id(session, LEO)
    auth.login(session, LEO, DEMO_PASSWORD, ip="203.0.113.1")
    event = last(session, "login")
    assert who_what(event) == (leo, "user", str(leo)) and event.ip == "203.0.113.1"

    for _ in range(settings.LOGIN_LOCK_ACCOUNT_AFTER):
        with pytest.raises(Invalid):
            auth.login(session, LEO, "not the password", ip="203.0.113.2")
    event = last(session, "login.failed")
    assert who_what(event) == (None, "user", str(leo)) and event.after == {"reason": "wrong password"} and event.ip == "203.0.113.2"
    assert len(events(session, "login.failed")) == settings.LOGIN_LOCK_ACCOUNT_AFTER

    with pytest.raises(Throttled):
        auth.login(session, LEO, DEMO_PASSWORD, ip="203.0.113.2")
    assert last(session, "login.locked").target_label == LEO

    with pytest.raises(Invalid):
        auth.login(session, "nobody@example.com", "whatever", ip="203.0.113.3")
    event = last(session, "login.failed")
    assert (event.target_label, event.after) == ("nobody@example.com", {"reason": "unknown email"})


# --- settings ---------------------------------------------------------------------------------

def test_settings_changes_are_audited(demo, session, actor_of):
    admin = actor_of(ADMIN)
    users.set_registration_mode(session, admin, "domains", "example.com")
    event = last(session, "settings.registration_changed")
    assert event.actor_id == admin.user_id and event.after == {"mode": "domains", "domains": "example.com"}

    draft = certificates.get_template(session, admin)
    certificates.save_template(session, admin, certificates.TemplateDraft(
        "Certificate of safety", draft.body, "Ada Admin", "Head of training", draft.footer))
    event = last(session, "settings.certificate_template_changed")
    assert event.actor_id == admin.user_id and event.target_type == "certificate_template"


def test_the_audit_viewer_filters_and_its_export_is_audited(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = user_id(session, LEO)
    users.deactivate_user(session, admin, leo)
    page = audit_log.search_events(session, admin, actor_text="Ada", action_prefix="user.deactivated", target_text="leo@",
                                   date_from=(utcnow() - timedelta(days=1)).date().isoformat(), date_to=(utcnow() + timedelta(days=1)).date().isoformat())
    assert [r.action for r in page.rows] == ["user.deactivated"]
    csv = audit_log.export_events(session, admin, action_prefix="user.deactivated")
    assert "Ada Admin deactivated leo@example.com" in csv
    assert last(session, "audit.exported").after["action_prefix"] == "user.deactivated"


# --- nobody edits or deletes the trail ----------------------------------------------------------

_TOUCHES_TRAIL = re.compile(r"^\s*(UPDATE\s+\"?auditevent\"?|DELETE\s+FROM\s+\"?audit(event|chainhead)\"?)\b", re.IGNORECASE)


@contextmanager
def _trail_edits(engine):
    """The statements that would change or remove audit events (appends move the chain head
    forward: that is an UPDATE of auditchainhead, allowed)."""
    sent: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if _TOUCHES_TRAIL.match(statement):
            sent.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", watch)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def test_the_trail_watch_sees_an_edit(demo, engine):
    with _trail_edits(engine) as sent, db.session_scope() as s:
        s.execute(AuditEvent.__table__.update().values(action="x").where(AuditEvent.seq == -1))
        s.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == -1))
    assert len(sent) == 2, "the watch below would miss an edit"


def test_no_handler_or_route_edits_or_deletes_the_trail(world, engine):
    """Every public state handler and every API route (the authorization matrix lists them all),
    called as an administrator, the most powerful role: none sends an UPDATE or DELETE to the
    audit events, and the chain still verifies."""
    states = {c.__name__: c for c in matrix._app_states()}
    token, ids = world["tokens"][matrix.ADMIN], world["ids"]
    called = 0
    with _trail_edits(engine) as sent:
        for name, row in sorted(matrix.HANDLER_ROWS.items()):
            state_name, handler = name.split(".")
            browser = Browser(token, row.path.format(**ids))
            for field_name, value in row.given(ids).items():
                setattr(browser.state(states[state_name]), field_name, value)
            try:
                result = browser.call(states[state_name], handler, *row.args(ids))
                if inspect.iscoroutine(result):
                    asyncio.run(result)
            except Exception:  # noqa: BLE001 - a handler that fails on data changed by an earlier one still ran its statements
                pass
            called += 1
        client = TestClient(build_api())
        for method, path in sorted(matrix.API_ROWS):
            if path == "/auth/logout":
                continue  # would end the administrator's session for the calls after it
            client.cookies.clear()
            client.cookies.set(settings.COOKIE_NAME, token)
            path_ids = {**matrix.API_PATH_IDS, **matrix.API_PATH_IDS_OF_ROUTE.get(path, {})}
            client.request(method, path.format(**{k: ids[v] for k, v in path_ids.items()}), json={})
            called += 1
    assert called == len(matrix.HANDLER_ROWS) + len(matrix.API_ROWS) - 1
    assert sent == [], f"the audit trail was edited: {sent}"
    with Session(engine) as s:
        assert audit.verify(s).ok
        assert s.exec(select(func.count(AuditEvent.id))).one() > 0


# The authorization matrix's world: the ids every row of it needs.
world = matrix.world
