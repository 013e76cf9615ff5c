"""Privacy: the personal data archive and anonymizing a departed person."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from lms_app import settings as app_settings
from lms_app.models import (
    ActivityEvent,
    AuditEvent,
    Certificate,
    Enrollment,
    ExternalTraining,
    GroupManager,
    GroupMember,
    LoginAttempt,
    LoginSession,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    Role,
    Submission,
    User,
    UserRole,
    XapiStatement,
    utcnow,
)
from lms_app.services import (audit, audit_log, assignments, auth, certificates, courses, enrollment, groups, lrs_clients, privacy, progress, roles,
                              users, xapi_statements)
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.seed import DEMO_PASSWORD

ADMIN, IRENE, LEO, AMARA, MAYA = "admin@example.com", "irene@example.com", "leo@example.com", "amara@example.com", "maya@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def user_id(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


@pytest.fixture
def world(demo, session, actor_of):
    """Leo and Amara in a published course with a text lesson and an assignment; Leo has handed
    in work with a PDF, signed in, got a notification and recorded external training; Irene
    posted an announcement."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Fire safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    reading = courses.add_lesson(session, irene, module.id, "Exits", "text", {"markdown": "Know your exits."})
    homework = courses.add_lesson(session, irene, module.id, "Floor plan", "assignment", {
        "instructions": "Draw the exits.", "due_at": (utcnow() + timedelta(days=3)).isoformat(), "max_points": 10})
    courses.update_course(session, irene, course.id, self_enrollment=True)
    courses.set_visibility(session, irene, course.id, "published")
    runs = {email: enrollment.self_enroll(session, actor_of(email), course.id).id for email in (LEO, AMARA)}
    leo = actor_of(LEO)
    progress.open_lesson(session, leo, runs[LEO], reading.id)
    view = assignments.submit(session, leo, homework.id, "My floor plan, by Leo.", [(io.BytesIO(PDF), "plan.pdf")])
    session.commit()
    auth.login(session, LEO, DEMO_PASSWORD, ip="203.0.113.9", user_agent="Firefox on Linux")
    with pytest.raises(Invalid):
        auth.login(session, LEO, "wrong password", ip="203.0.113.66")
    session.commit()
    leo_id = user_id(session, LEO)
    evidence = "evidence/ext-test.pdf"
    (app_settings.PRIVATE_DIR / "evidence").mkdir(parents=True, exist_ok=True)
    (app_settings.PRIVATE_DIR / evidence).write_bytes(PDF)
    session.add(ExternalTraining(org_id=leo.org_id, user_id=leo_id, title="First aid", provider="Red Cross", completed_on=date(2026, 3, 1),
                                 hours=8, evidence_path=evidence, evidence_name="first-aid.pdf", submitted_by_id=leo_id))
    session.add(Notification(org_id=leo.org_id, user_id=leo_id, kind="requirement_assigned", title="Fire safety is required"))
    session.add(NotificationPreference(user_id=leo_id, kind="requirement_due", email="reduced"))
    session.add(Certificate(org_id=leo.org_id, user_id=leo_id, course_id=course.id, code="CERTLEO0001", title="Fire safety",
                            learner_name="Leo Learner"))
    certificates.issue(session, user_id=leo_id, course_id=course.id, enrollment_id=runs[LEO], valid_months=12)
    session.commit()
    return {"course": course.id, "runs": runs, "submission": view.submission_id, "evidence": evidence, "leo": leo_id}


def read_archive(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


# --- the archive ---------------------------------------------------------------------------------

def test_a_learner_downloads_everything_held_about_them(world, session, actor_of):
    archive = read_archive(privacy.export_archive(session, actor_of(LEO), world["leo"]))
    session.commit()
    for name in privacy.ARCHIVE_FILES:
        assert name in archive, name
    assert "README.txt" in archive and b"manifest.json" in archive["README.txt"]

    profile = json.loads(archive["profile.json"])
    assert (profile["email"], profile["name"], profile["password_set"]) == (LEO, "Leo Learner", True)
    runs = json.loads(archive["enrollments.json"])["enrollments"]
    assert [(r["course"], r["status"], r["enrolled_by_you"]) for r in runs] == [("Fire safety", "active", True)]
    assert [lesson["lesson"] for lesson in runs[0]["lessons"]] == ["Exits"]
    [sub] = json.loads(archive["submissions.json"])
    assert sub["text"] == "My floor plan, by Leo." and "points" not in sub, "no grade before it is released"
    assert archive[sub["files"][0]["in_archive"]] == PDF
    [training] = json.loads(archive["external_training.json"])
    assert training["provider"] == "Red Cross" and archive[training["evidence_in_archive"]] == PDF
    notes = json.loads(archive["notifications.json"])
    assert [n["title"] for n in notes["notifications"]] == ["Fire safety is required"]
    assert notes["email_preferences"] == [{"kind": "requirement_due", "email": "reduced"}]
    logins = json.loads(archive["login_history.json"])
    assert {s["ip"] for s in logins["sessions"]} >= {"203.0.113.9"}
    assert {(a["ip"], a["succeeded"]) for a in logins["sign_in_attempts"]} >= {("203.0.113.9", True), ("203.0.113.66", False)}
    kinds = {e["kind"] for e in json.loads(archive["activity.json"])["events"]}
    assert {"enrolled", "lesson_opened", "assignment_submitted", "login"} <= kinds
    certs = json.loads(archive["certificates.json"])
    assert certs[0]["code"] == "CERTLEO0001" and len(certs) == 2
    assert all(archive[c["pdf"]].startswith(b"%PDF") for c in certs)
    assert certs[1]["verification_url"].endswith("/verify/" + certs[1]["code"])
    records = json.loads(archive["learning_records.json"])
    assert {"registered", "launched"} <= {r["verb"]["id"].rsplit("/", 1)[-1] for r in records}
    assert all(r["actor"]["account"]["name"] == str(world["leo"]) for r in records)
    assert json.loads(archive["scorm_attempts.json"]) == []
    events = json.loads(archive["audit_events.json"])
    assert {"enrollment.created", "assignment.submitted", "login", "login.failed", "certificate.issued"} <= {e["action"] for e in events}

    # The manifest holds the checksum of every other entry.
    manifest = json.loads(archive["manifest.json"])
    listed = {entry["file"]: entry["sha256"] for entry in manifest["files"]}
    assert set(listed) == set(archive) - {"manifest.json"}
    assert all(hashlib.sha256(archive[name]).hexdigest() == digest for name, digest in listed.items())

    event = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.exported")).one()
    assert (event.actor_id, event.target_id) == (world["leo"], str(world["leo"]))
    assert audit_log.sentence(event) == "Leo Learner downloaded their personal data archive"


def test_the_archive_holds_no_secret_and_nobody_else(world, session, actor_of):
    admin = actor_of(ADMIN)
    # What others did to Leo, and what the admin did to Leo and Amara.
    group = groups.create_group(session, admin, "Night shift", "")
    groups.add_members(session, admin, group.id, [world["leo"], user_id(session, AMARA)])
    users.set_department(session, admin, user_id(session, AMARA), None)
    session.commit()
    leo_text = b"\n".join(read_archive(privacy.export_archive(session, actor_of(LEO), world["leo"])).values()).decode("utf-8", "replace")
    leo = session.get(User, world["leo"])
    assert leo.password_hash not in leo_text
    for token_hash in session.exec(select(LoginSession.token_hash).where(LoginSession.user_id == world["leo"])).all():
        assert token_hash not in leo_text
    for other in ("Amara", AMARA, "Irene", IRENE, "Ada Admin", ADMIN):
        assert other not in leo_text, other
    assert "Night shift" in leo_text, "his own group is his data"

    admin_archive = read_archive(privacy.export_archive(session, admin, admin.user_id))
    admin_text = b"\n".join(admin_archive.values()).decode("utf-8", "replace")
    actions = {e["action"] for e in json.loads(admin_archive["audit_events.json"])}
    assert {"group.members_added", "user.department_changed"} <= actions, "what she did is listed"
    for other in ("Amara", AMARA, "Leo", LEO):
        assert other not in admin_text, other


def test_others_archives_are_for_user_managers_only(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="your own data"):
        privacy.export_archive(session, actor_of(MAYA), world["leo"])
    with pytest.raises(NotFound):
        privacy.export_archive(session, actor_of(ADMIN), 999_999)
    archive = read_archive(privacy.export_archive(session, actor_of(ADMIN), world["leo"]))
    session.commit()
    assert json.loads(archive["profile.json"])["email"] == LEO
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.exported")).one()
    assert (event.actor_id, event.target_label) == (user_id(session, ADMIN), LEO)
    assert audit_log.sentence(event) == f"Ada Admin downloaded the personal data archive of {LEO}"


# --- anonymizing ---------------------------------------------------------------------------------

def test_anonymizing_needs_a_deactivated_person_and_the_address_typed_again(world, session, actor_of):
    admin = actor_of(ADMIN)
    with pytest.raises(PermissionDenied):
        privacy.anonymize_user(session, actor_of(IRENE), world["leo"], LEO)
    with pytest.raises(Invalid, match="Deactivate Leo Learner first"):
        privacy.anonymize_user(session, admin, world["leo"], LEO)
    with pytest.raises(Invalid, match="cannot anonymize your own"):
        privacy.anonymize_user(session, admin, admin.user_id, ADMIN)
    users.deactivate_user(session, admin, world["leo"])
    with pytest.raises(Invalid, match=f"Type {LEO} exactly"):
        privacy.anonymize_user(session, admin, world["leo"], "someone@example.com")
    session.rollback()
    assert session.get(User, world["leo"]).name == "Leo Learner"


def test_the_last_administrator_cannot_be_anonymized(demo, session, actor_of):
    # Irene becomes an admin and deactivates Ada; then Irene's admin role runs out. A person
    # manager who is no admin must not erase the last account holding the admin role.
    admin = actor_of(ADMIN)
    admin_role = session.exec(select(Role.id).where(Role.name == "admin")).one()
    people_team = roles.create_role(session, admin, "People team", "Runs HR", ["users.manage", "users.view"])
    users.assign_role(session, admin, user_id(session, MAYA), people_team.id)
    users.assign_role(session, admin, user_id(session, IRENE), admin_role)
    session.commit()
    users.deactivate_user(session, actor_of(IRENE), user_id(session, ADMIN))
    grant = session.exec(select(UserRole).where(UserRole.user_id == user_id(session, IRENE), UserRole.role_id == admin_role)).one()
    grant.expires_at = utcnow() - timedelta(minutes=1)
    session.add(grant)
    session.commit()
    with pytest.raises(Invalid, match="Ada Admin is the last administrator"):
        privacy.anonymize_user(session, actor_of(MAYA), user_id(session, ADMIN), ADMIN)


def test_anonymizing_removes_who_they_were_and_keeps_the_numbers(world, session, actor_of):
    admin = actor_of(ADMIN)
    group = groups.create_group(session, admin, "Night shift", "")
    groups.add_members(session, admin, group.id, [world["leo"]])
    session.add(GroupManager(group_id=group.id, user_id=world["leo"]))
    session.add(OutgoingEmail(org_id=admin.org_id, to_address=LEO, subject="Reminder", body_text="Hello Leo Learner"))
    users.deactivate_user(session, admin, world["leo"])
    session.commit()
    activity_before = session.exec(select(func.count(ActivityEvent.id)).where(ActivityEvent.user_id == world["leo"])).one()
    submission_file = session.get(Submission, world["submission"]).files[0]["file_path"]

    tool = lrs_clients.create_client(session, admin, "Simulator", ["statements/write"]).client
    xapi_statements.store(session, tool, [{"actor": {"mbox": f"mailto:{LEO}"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                                           "object": {"id": "http://example.com/forklift-simulator"}}])
    lms_records = session.exec(select(func.count(XapiStatement.seq)).where(XapiStatement.actor_key != f"mbox:mailto:{LEO}")).one()
    user = privacy.anonymize_user(session, admin, world["leo"], " LEO@example.com ")
    assert (app_settings.PRIVATE_DIR / submission_file).exists(), "files go only once the change is committed"
    session.commit()

    leo = session.get(User, world["leo"])
    assert user.id == leo.id and leo.name == "Former user #1" and leo.email.endswith("@anonymized.invalid")
    assert (leo.password_hash, leo.hire_date, leo.last_login_at) == (None, None, None)
    for model in (LoginSession, GroupMember, GroupManager, Notification, NotificationPreference, UserRole):
        assert session.exec(select(func.count()).select_from(model).where(model.user_id == leo.id)).one() == 0, model.__name__
    assert session.exec(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == LEO)).one() == 0
    mail = session.exec(select(OutgoingEmail).where(OutgoingEmail.subject == "Reminder")).one()
    assert (mail.to_address, mail.body_text, mail.status) == (leo.email, "", "failed")
    sub = session.get(Submission, world["submission"])
    assert (sub.text, sub.files) == ("", []) and not (app_settings.PRIVATE_DIR / submission_file).exists()
    training = session.exec(select(ExternalTraining).where(ExternalTraining.user_id == leo.id)).one()
    assert training.evidence_path is None and not (app_settings.PRIVATE_DIR / world["evidence"]).exists()
    assert training.hours == 8, "the training record itself stays"
    # Aggregates stay linked to the anonymized row.
    assert session.exec(select(Enrollment.id).where(Enrollment.user_id == leo.id)).all() == [world["runs"][LEO]]
    assert session.exec(select(func.count(ActivityEvent.id)).where(ActivityEvent.user_id == leo.id)).one() == activity_before
    cert = session.exec(select(Certificate).where(Certificate.code == "CERTLEO0001")).one()
    assert cert.user_id == leo.id and cert.learner_name == "Former user #1"
    # The tool's statements filed under Leo's address are gone; the LMS's own name an account only.
    assert session.exec(select(func.count(XapiStatement.seq)).where(XapiStatement.actor_key == f"mbox:mailto:{LEO}")).one() == 0
    assert session.exec(select(func.count(XapiStatement.seq))).one() == lms_records > 0

    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.anonymized")).one()
    assert (event.actor_id, event.target_id, event.target_label) == (admin.user_id, str(leo.id), leo.email)
    assert LEO not in json.dumps(event.after) and "Leo" not in json.dumps(event.after)
    assert audit_log.sentence(event) == "Ada Admin anonymized a departed person's account, now Former user #1"
    assert audit.verify(session).ok, "earlier events are untouched"
    with pytest.raises(Invalid, match="already anonymized"):
        privacy.anonymize_user(session, admin, leo.id, leo.email)


def test_anonymized_people_cannot_sign_in_or_be_recognized_in_the_user_list(world, session, actor_of):
    admin = actor_of(ADMIN)
    users.deactivate_user(session, admin, world["leo"])
    privacy.anonymize_user(session, admin, world["leo"], LEO)
    session.commit()
    with pytest.raises(Invalid):
        auth.login(session, LEO, DEMO_PASSWORD, ip="203.0.113.9")
    rows, _ = users.list_users(session, admin, search="Leo")
    assert rows == []
    # A second one gets the next number and its own address.
    users.deactivate_user(session, admin, user_id(session, AMARA))
    amara = privacy.anonymize_user(session, admin, user_id(session, AMARA), AMARA)
    assert amara.name == "Former user #2" and amara.email != session.get(User, world["leo"]).email


def test_nothing_changes_when_anonymizing_is_refused(world, session, engine, actor_of):
    def snapshot():
        with Session(engine) as s:
            return {t.name: sorted(map(tuple, s.execute(t.select()).all()), key=repr) for t in SQLModel.metadata.sorted_tables}

    before = snapshot()
    with pytest.raises(Invalid):
        privacy.anonymize_user(session, actor_of(ADMIN), world["leo"], LEO)
    session.rollback()
    assert snapshot() == before
