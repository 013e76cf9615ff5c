"""Admin management of people: listing, invitations, edits, deactivation, approvals, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from lms_app.cli import main as cli_main
from lms_app.models import AuditEvent, Department, Group, GroupMember, Invitation, LoginSession, OutgoingEmail, Role, User, UserRole, utcnow
from lms_app.services import audit, auth, users
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import actor_for, roles_and_permissions
from lms_app.services.seed import DEMO_PASSWORD

ADMIN = "admin@example.com"


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table: to prove a refused call changed nothing."""
    with Session(engine) as s:
        return {t.name: sorted(map(tuple, s.execute(t.select()).all()), key=repr) for t in SQLModel.metadata.sorted_tables}


def actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def last_event(session: Session, action: str) -> AuditEvent:
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


def role_id(session: Session, name: str) -> int:
    return session.exec(select(Role.id).where(Role.name == name)).one()


def dept_id(session: Session, name: str) -> int:
    return session.exec(select(Department.id).where(Department.name == name)).one()


# --- listing ----------------------------------------------------------------------------------

def test_list_filters_and_pages_in_sql(demo, session, actor_of):
    admin = actor_of(ADMIN)
    rows, total = users.list_users(session, admin, page_size=10)
    assert total == 24 and len(rows) == 10
    assert [r.name for r in rows] == sorted((r.name for r in rows), key=str.lower)
    page3, _ = users.list_users(session, admin, page=3, page_size=10)
    assert len(page3) == 4 and not {r.id for r in page3} & {r.id for r in rows}

    rows, total = users.list_users(session, admin, search="ENSAH")  # Kofi Mensah, case-insensitive
    assert total == 1 and rows[0].email == "kofi@example.com" and rows[0].roles == ["learner"]

    rows, total = users.list_users(session, admin, role="instructor")
    assert {r.email for r in rows} == {"irene@example.com", "isaac@example.com"} and total == 2
    assert set(rows[0].roles) == {"instructor", "learner"}

    # Sales includes its sub-department Retail Stores.
    sales, stores = dept_id(session, "Sales"), dept_id(session, "Retail Stores")
    in_sales = {r.email for r in users.list_users(session, admin, department_id=sales, page_size=100)[0]}
    in_stores = {r.email for r in users.list_users(session, admin, department_id=stores, page_size=100)[0]}
    assert in_stores and in_stores < in_sales and "maya@example.com" in in_sales

    onboarding = session.exec(select(Group.id).where(Group.name == "Autumn 2026 onboarding")).one()
    _, total = users.list_users(session, admin, group_id=onboarding)
    assert total == 10

    _, total = users.list_users(session, admin, search="%")
    assert total == 0  # wildcards are searched literally


def test_list_status_filters(demo, session, actor_of):
    admin = actor_of(ADMIN)
    users.invite_user(session, admin, "newbie@example.com", "New Bie")
    leo = demo["leo@example.com"]
    users.deactivate_user(session, admin, leo.id)
    session.add(User(org_id=leo.org_id, email="wannabe@example.com", name="Wanna Be", password_hash="x", pending_approval=True))
    session.commit()
    status = lambda s: {r.email for r in users.list_users(session, admin, status=s, page_size=100)[0]}  # noqa: E731
    assert status("invited") == {"newbie@example.com"}
    assert status("deactivated") == {"leo@example.com"}
    assert status("pending") == {"wannabe@example.com"}
    assert len(status("active")) == 23 and not status("active") & {"newbie@example.com", "leo@example.com", "wannabe@example.com"}
    with pytest.raises(Invalid):
        users.list_users(session, admin, status="sleeping")


def test_viewing_needs_users_view(demo, session, actor_of):
    for email in ("leo@example.com", "maya@example.com", "irene@example.com"):
        with pytest.raises(PermissionDenied):
            users.list_users(session, actor_of(email))
        with pytest.raises(PermissionDenied):
            users.get_user(session, actor_of(email), demo[ADMIN].id)


def test_get_user_details(demo, session, actor_of):
    admin = actor_of(ADMIN)
    maya = demo["maya@example.com"]
    d = users.get_user(session, admin, maya.id)
    assert d.name == "Maya Manager" and d.department == "Sales" and d.status == "active"
    assert {g.name for g in d.roles} == {"manager", "learner"} and d.groups == []
    with pytest.raises(NotFound):
        users.get_user(session, admin, 999999)


# --- invitations ------------------------------------------------------------------------------

def test_invite_creates_user_without_password_and_emails_a_link(demo, session, actor_of, engine):
    admin = actor_of(ADMIN)
    group = session.exec(select(Group).where(Group.name == "Store leads")).one()
    user = users.invite_user(session, admin, "  Sam@Example.com ", "Sam Rivera", ["instructor"], dept_id(session, "Field Operations"), [group.id])
    session.commit()
    assert user.email == "sam@example.com" and user.password_hash is None and user.timezone == "Europe/Paris"
    roles, _ = roles_and_permissions(session, user.id)
    assert roles == {"instructor"}
    assert session.exec(select(GroupMember).where(GroupMember.user_id == user.id, GroupMember.group_id == group.id)).first()
    mail = session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == "sam@example.com")).one()
    assert "/invite/" in mail.body_text and "Ada Admin" in mail.body_text
    event = last_event(session, "user.invited")
    assert event.target_label == "sam@example.com" and event.after["roles"] == ["instructor"] and event.after["groups"] == ["Store leads"]
    # The link works: the invitee chooses a password and is signed in.
    token = mail.body_text.split("/invite/")[1].split()[0]
    result = auth.accept_invitation(session, token, "a-long-and-fresh-pass", ip="1.1.1.1")
    session.commit()
    assert auth.resolve(session, result.token).email == "sam@example.com"
    assert audit.verify(session).ok


def test_invite_rules(demo, session, actor_of, engine):
    admin = actor_of(ADMIN)
    with pytest.raises(Conflict, match="leo@example.com already has an account"):
        users.invite_user(session, admin, "LEO@example.com", "Leo Again")
    with pytest.raises(Invalid, match="not a valid email"):
        users.invite_user(session, admin, "not-an-email", "X")
    with pytest.raises(Invalid, match="name"):
        users.invite_user(session, admin, "x@example.com", "   ")
    with pytest.raises(Invalid, match="Unknown role: wizard"):
        users.invite_user(session, admin, "x@example.com", "X Y", ["wizard"])
    with pytest.raises(NotFound):
        users.invite_user(session, admin, "x@example.com", "X Y", department_id=987654)
    session.rollback()
    # A learner is invited as a learner when no role is given.
    u = users.invite_user(session, admin, "plain@example.com", "Plain Person")
    assert roles_and_permissions(session, u.id)[0] == {"learner"}


def test_inviting_with_powerful_role_needs_roles_manage(demo, session, actor_of, engine):
    # A custom "people officer" may invite (users.manage) but not hand out admin.
    hr = Role(org_id=demo[ADMIN].org_id, name="people officer", builtin=False)
    session.add(hr)
    session.flush()
    from lms_app.models import Permission

    session.add_all([Permission(role_id=hr.id, name="users.manage"), Permission(role_id=hr.id, name="users.view")])
    session.add(UserRole(user_id=demo["maya@example.com"].id, role_id=hr.id))
    session.commit()
    officer = actor_of("maya@example.com")
    before = snapshot(engine)
    with pytest.raises(PermissionDenied, match="admin"):
        users.invite_user(session, officer, "boss@example.com", "Boss", ["admin"])
    session.rollback()
    assert snapshot(engine) == before
    users.invite_user(session, officer, "fine@example.com", "Fine Person", ["learner"])
    session.commit()


def test_resend_invitation_replaces_the_old_link(demo, session, actor_of):
    admin = actor_of(ADMIN)
    user = users.invite_user(session, admin, "late@example.com", "Late Comer")
    session.commit()
    users.resend_invitation(session, admin, user.id)
    session.commit()
    mails = session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == "late@example.com").order_by(OutgoingEmail.id)).all()
    assert len(mails) == 2
    old, new = (m.body_text.split("/invite/")[1].split()[0] for m in mails)
    with pytest.raises(Invalid, match="expired"):
        auth.invitation_user(session, old)
    assert auth.invitation_user(session, new).email == "late@example.com"
    assert last_event(session, "user.invitation_resent").target_label == "late@example.com"
    with pytest.raises(Invalid, match="already accepted"):
        users.resend_invitation(session, admin, demo["leo@example.com"].id)


# --- edits ------------------------------------------------------------------------------------

def test_update_user_audits_before_and_after(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = demo["leo@example.com"]
    users.update_user(session, admin, leo.id, name="Leo Learner-Smith", email="leo.smith@example.com", timezone="America/New_York",
                      locale="fr", hire_date="2025-02-03", department_id=dept_id(session, "Field Operations"))
    session.commit()
    fresh = session.get(User, leo.id)
    assert (fresh.name, fresh.email, fresh.timezone, fresh.locale, fresh.hire_date) == ("Leo Learner-Smith", "leo.smith@example.com", "America/New_York", "fr", date(2025, 2, 3))
    event = last_event(session, "user.updated")
    assert event.before == {"name": "Leo Learner", "email": "leo@example.com", "timezone": "Europe/Paris", "locale": "en",
                            "hire_date": "2024-03-01", "department": "Sales"}
    assert event.after["department"] == "Field Operations" and event.after["email"] == "leo.smith@example.com"
    # Saving the same values again writes no audit row.
    n = len(actions(session))
    users.update_user(session, admin, leo.id, name="Leo Learner-Smith", email="leo.smith@example.com", timezone="America/New_York",
                      locale="fr", hire_date=date(2025, 2, 3), department_id=dept_id(session, "Field Operations"))
    assert len(actions(session)) == n


def test_update_user_rejects_bad_input(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = demo["leo@example.com"]
    base = dict(name="Leo", email="leo@example.com", timezone="Europe/Paris", locale="en", hire_date=None, department_id=None)
    with pytest.raises(Conflict, match="maya@example.com"):
        users.update_user(session, admin, leo.id, **{**base, "email": "maya@example.com"})
    with pytest.raises(Invalid, match="time zone"):
        users.update_user(session, admin, leo.id, **{**base, "timezone": "Mars/Olympus"})
    with pytest.raises(Invalid, match="2026-03-01"):
        users.update_user(session, admin, leo.id, **{**base, "hire_date": "31/12/2025"})
    with pytest.raises(Invalid, match="language"):
        users.update_user(session, admin, leo.id, **{**base, "locale": "xx"})


def test_set_groups_and_department(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = demo["leo@example.com"]
    groups = {g.name: g.id for g in session.exec(select(Group)).all()}
    assert users.set_groups(session, admin, leo.id, [groups["Store leads"]]) == ["Store leads"]
    session.commit()
    assert [name for _, name in users.get_user(session, admin, leo.id).groups] == ["Store leads"]
    event = last_event(session, "user.groups_changed")
    assert event.before == {"groups": ["Autumn 2026 onboarding"]} and event.after == {"groups": ["Store leads"]}
    users.set_department(session, admin, leo.id, None)
    session.commit()
    assert session.get(User, leo.id).department_id is None
    assert last_event(session, "user.department_changed").before == {"department": "Sales"}


# --- deactivation -----------------------------------------------------------------------------

def test_an_admin_signs_out_one_session_of_the_person_on_the_page(demo, session, actor_of, engine):
    leo = demo["leo@example.com"]
    leo_token = auth.login(session, "leo@example.com", DEMO_PASSWORD, ip="10.0.0.1").token
    irene_token = auth.login(session, "irene@example.com", DEMO_PASSWORD, ip="10.0.0.2").token
    session.commit()
    leo_session = session.exec(select(LoginSession.id).where(LoginSession.token_hash == auth.token_hash(leo_token))).one()
    irene_session = session.exec(select(LoginSession.id).where(LoginSession.token_hash == auth.token_hash(irene_token))).one()
    before = snapshot(engine)
    # Leo may sign out his own sessions from his profile, not through the admin page.
    with pytest.raises(PermissionDenied):
        users.revoke_user_session(session, actor_of("leo@example.com"), leo.id, leo_session)
    # A session of someone else is not one of Leo's.
    with pytest.raises(NotFound):
        users.revoke_user_session(session, actor_of(ADMIN), leo.id, irene_session)
    session.rollback()
    assert snapshot(engine) == before
    users.revoke_user_session(session, actor_of(ADMIN), leo.id, leo_session)
    session.commit()
    assert auth.resolve(session, leo_token) is None and auth.resolve(session, irene_token) is not None
    assert last_event(session, "session.revoked").target_id == str(leo.id)



def test_deactivation_ends_every_session_at_once(demo, session, actor_of):
    admin = actor_of(ADMIN)
    tokens = [auth.login(session, "leo@example.com", DEMO_PASSWORD, ip=f"10.0.0.{i}").token for i in range(3)]
    session.commit()
    assert all(auth.resolve(session, t) for t in tokens)
    assert users.deactivate_user(session, admin, demo["leo@example.com"].id) == 3
    session.commit()
    assert all(auth.resolve(session, t) is None for t in tokens)
    assert session.exec(select(func.count(LoginSession.id)).where(LoginSession.revoked_at.is_(None), LoginSession.user_id == demo["leo@example.com"].id)).one() == 0
    with pytest.raises(Invalid, match="deactivated"):
        auth.login(session, "leo@example.com", DEMO_PASSWORD)
    session.rollback()
    assert last_event(session, "user.deactivated").after == {"is_active": False, "sessions_revoked": 3}
    users.reactivate_user(session, admin, demo["leo@example.com"].id)
    session.commit()
    assert auth.login(session, "leo@example.com", DEMO_PASSWORD).token
    session.commit()
    assert "user.reactivated" in actions(session) and audit.verify(session).ok


def test_deactivation_guards(demo, session, actor_of):
    admin = actor_of(ADMIN)
    with pytest.raises(Invalid, match="your own account"):
        users.deactivate_user(session, admin, demo[ADMIN].id)
    users.deactivate_user(session, admin, demo["leo@example.com"].id)
    with pytest.raises(Invalid, match="already deactivated"):
        users.deactivate_user(session, admin, demo["leo@example.com"].id)
    with pytest.raises(Invalid, match="already active"):
        users.reactivate_user(session, admin, demo["maya@example.com"].id)


# --- approvals --------------------------------------------------------------------------------

def _pending(session: Session, email: str) -> User:
    org = auth.default_org(session)
    org.registration_mode = "approval"
    session.add(org)
    user = auth.register(session, email, "Wanna Join", "a-long-enough-pass-22")
    session.commit()
    return user


def test_approve_lets_the_person_sign_in(demo, session, actor_of):
    user = _pending(session, "join@example.com")
    with pytest.raises(Invalid, match="approval"):
        auth.login(session, "join@example.com", "a-long-enough-pass-22")
    session.rollback()
    rows, total = users.pending_registrations(session, actor_of(ADMIN))
    assert total == 1 and rows[0].email == "join@example.com"
    users.approve_registration(session, actor_of(ADMIN), user.id)
    session.commit()
    assert auth.login(session, "join@example.com", "a-long-enough-pass-22").token
    assert session.exec(select(OutgoingEmail).where(OutgoingEmail.to_address == "join@example.com")).first().subject.endswith("is approved")
    assert last_event(session, "user.approved").target_label == "join@example.com"
    with pytest.raises(Invalid, match="not waiting"):
        users.approve_registration(session, actor_of(ADMIN), user.id)


def test_reject_removes_the_registration(demo, session, actor_of):
    user = _pending(session, "spam@example.com")
    users.reject_registration(session, actor_of(ADMIN), user.id)
    session.commit()
    assert session.get(User, user.id) is None
    assert last_event(session, "user.rejected").before["email"] == "spam@example.com"
    with pytest.raises(Invalid, match="not waiting"):
        users.reject_registration(session, actor_of(ADMIN), demo["leo@example.com"].id)
    assert audit.verify(session).ok


# --- roles of a person ------------------------------------------------------------------------

def test_assign_and_remove_role(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = demo["leo@example.com"]
    users.assign_role(session, admin, leo.id, role_id(session, "instructor"))
    session.commit()
    assert actor_for(session, session.get(User, leo.id)).can("courses.create")
    assert last_event(session, "role.granted").after == {"role": "instructor", "expires_at": None}
    users.remove_role(session, admin, leo.id, role_id(session, "instructor"))
    session.commit()
    assert not actor_for(session, session.get(User, leo.id)).can("courses.create")
    assert last_event(session, "role.revoked").before["role"] == "instructor"
    with pytest.raises(NotFound):
        users.remove_role(session, admin, leo.id, role_id(session, "instructor"))


def test_role_expiry_is_respected(demo, session, actor_of):
    admin = actor_of(ADMIN)
    leo = demo["leo@example.com"]
    with pytest.raises(Invalid, match="future"):
        users.assign_role(session, admin, leo.id, role_id(session, "manager"), date.today() - timedelta(days=2))
    grant = users.assign_role(session, admin, leo.id, role_id(session, "manager"), (date.today() + timedelta(days=3)).isoformat())
    session.commit()
    roles, perms = roles_and_permissions(session, leo.id)
    assert "manager" in roles and "teams.view" in perms
    # The end of that day in Leo's zone (Europe/Paris), stored in UTC.
    assert grant.expires_at > utcnow() + timedelta(days=2)
    # Time passes: the grant lapses and the permission with it.
    grant.expires_at = utcnow() - timedelta(minutes=1)
    session.add(grant)
    session.commit()
    roles, perms = roles_and_permissions(session, leo.id)
    assert "manager" not in roles and "teams.view" not in perms
    shown = {g.name: g.expired for g in users.get_user(session, admin, leo.id).roles}
    assert shown == {"learner": False, "manager": True}  # the admin's page shows it as expired
    _, total = users.list_users(session, admin, role="manager")
    assert total == 1  # only Maya: Leo's lapsed grant does not count


def test_last_admin_cannot_lose_the_admin_role(demo, session, actor_of):
    admin = actor_of(ADMIN)
    admin_role = role_id(session, "admin")
    with pytest.raises(Invalid, match="You are the last administrator"):
        users.remove_role(session, admin, demo[ADMIN].id, admin_role)
    with pytest.raises(Invalid, match="last administrator"):
        users.assign_role(session, admin, demo[ADMIN].id, admin_role, date.today() + timedelta(days=5))
    session.rollback()
    # With a second admin, the first may step down.
    users.assign_role(session, admin, demo["irene@example.com"].id, admin_role)
    users.remove_role(session, admin, demo[ADMIN].id, admin_role)
    session.commit()
    assert "admin" not in roles_and_permissions(session, demo[ADMIN].id)[0]
    # Irene is now the only admin: nobody may deactivate her, not even someone else managing users.
    session.add(UserRole(user_id=demo[ADMIN].id, role_id=role_id(session, "manager")))
    officer = Role(org_id=demo[ADMIN].org_id, name="people officer")
    session.add(officer)
    session.flush()
    from lms_app.models import Permission

    session.add(Permission(role_id=officer.id, name="users.manage"))
    session.add(UserRole(user_id=demo[ADMIN].id, role_id=officer.id))
    session.commit()
    with pytest.raises(Invalid, match="Irene Instructor is the last administrator"):
        users.deactivate_user(session, actor_of(ADMIN), demo["irene@example.com"].id)


@pytest.mark.parametrize("email", ["leo@example.com", "maya@example.com", "irene@example.com"])
def test_non_admins_change_nothing(demo, session, actor_of, engine, email):
    actor = actor_of(email)
    leo, ada = demo["leo@example.com"], demo[ADMIN]
    before = snapshot(engine)
    calls = [
        lambda: users.invite_user(session, actor, "x@example.com", "X Y"),
        lambda: users.resend_invitation(session, actor, leo.id),
        lambda: users.update_user(session, actor, leo.id, name="Hacked", email="h@example.com", timezone="UTC", locale="en", hire_date=None, department_id=None),
        lambda: users.deactivate_user(session, actor, ada.id),
        lambda: users.reactivate_user(session, actor, ada.id),
        lambda: users.approve_registration(session, actor, leo.id),
        lambda: users.reject_registration(session, actor, leo.id),
        lambda: users.assign_role(session, actor, actor.user_id, role_id(session, "admin")),
        lambda: users.remove_role(session, actor, ada.id, role_id(session, "admin")),
        lambda: users.set_groups(session, actor, leo.id, []),
        lambda: users.set_department(session, actor, leo.id, None),
        lambda: users.set_registration_mode(session, actor, "approval", ""),
        lambda: users.export_users_csv(session, actor),
        lambda: users.parse_import(session, actor, "email,name\na@example.com,A B\n"),
        lambda: users.commit_import(session, actor, "email,name\na@example.com,A B\n"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
        session.rollback()
    assert snapshot(engine) == before


# --- registration mode, export, CLI ------------------------------------------------------------

def test_registration_mode(demo, session, actor_of):
    admin = actor_of(ADMIN)
    users.set_registration_mode(session, admin, "domains", "Example.com, @harbor-pine.example\nexample.com")
    session.commit()
    assert users.registration_settings(session, admin) == ("domains", ["example.com", "harbor-pine.example"])
    event = last_event(session, "settings.registration_changed")
    assert event.before == {"mode": "closed", "domains": ""} and event.after["mode"] == "domains"
    assert auth.register(session, "new@harbor-pine.example", "New Person", "a-long-enough-pass-22").pending_approval is False
    with pytest.raises(PermissionDenied, match="example.com, harbor-pine.example"):
        auth.register(session, "x@gmail.com", "Outsider", "a-long-enough-pass-22")
    session.rollback()
    with pytest.raises(Invalid, match="at least one"):
        users.set_registration_mode(session, admin, "domains", "")
    with pytest.raises(Invalid, match="not an email domain"):
        users.set_registration_mode(session, admin, "domains", "not a domain")
    with pytest.raises(Invalid):
        users.set_registration_mode(session, admin, "open-to-all", "")


def test_export_follows_the_filters_and_is_audited(demo, session, actor_of):
    admin = actor_of(ADMIN)
    session.get(User, demo["kofi@example.com"].id).name = "=HYPERLINK(\"x\")"
    session.commit()
    text, count = users.export_users_csv(session, admin, department_id=dept_id(session, "Retail Stores"))
    session.commit()
    lines = text.strip().splitlines()
    assert lines[0] == "email,name,roles,department,groups,hire_date,timezone,status,last_sign_in"
    assert count == len(lines) - 1 and count > 0
    assert all("Sales / Retail Stores" in line for line in lines[1:])
    full, total = users.export_users_csv(session, admin)
    assert total == 24 and "'=HYPERLINK" in full  # no formula runs when opened in a spreadsheet
    event = last_event(session, "users.exported")
    assert event.after["count"] == 24 and event.actor_id == demo[ADMIN].id


def test_create_admin_from_the_command_line(engine, capsys):
    assert cli_main(["create-admin", "boss@example.com", "Big Boss", "--password", "short"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert cli_main(["create-admin", "boss@example.com", "Big Boss", "--password", "correct-horse-battery-9"]) == 0
    with Session(engine) as s:
        user = s.exec(select(User).where(User.email == "boss@example.com")).one()
        roles, perms = roles_and_permissions(s, user.id)
        assert roles == {"admin", "learner"} and "users.manage" in perms
        assert auth.login(s, "boss@example.com", "correct-horse-battery-9").token
        s.commit()
        assert last_event(s, "user.admin_created").actor_label == "command line"
        assert audit.verify(s).ok
    assert cli_main(["create-admin", "boss@example.com", "Big Boss", "--password", "correct-horse-battery-9"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_audit_chain_holds_after_a_busy_day(demo, session, actor_of):
    admin = actor_of(ADMIN)
    u = users.invite_user(session, admin, "day@example.com", "Day One")
    users.assign_role(session, admin, u.id, role_id(session, "manager"))
    users.set_department(session, admin, u.id, dept_id(session, "Sales"))
    users.deactivate_user(session, admin, u.id)
    users.reactivate_user(session, admin, u.id)
    session.commit()
    assert {"user.invited", "role.granted", "user.department_changed", "user.deactivated", "user.reactivated"} <= set(actions(session))
    assert session.exec(select(func.count(Invitation.id)).where(Invitation.user_id == u.id)).one() == 1
    assert audit.verify(session).ok
