"""The admin's people, roles and groups pages, their handlers run in-process as the server runs
them for a browser holding a real sign-in cookie."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from lms_app.models import AuditEvent, Department, Group, GroupManager, GroupMember, LoginAttempt, Role, User, utcnow
from lms_app.services import audit, auth
from lms_app.services.errors import PermissionDenied
from lms_app.services.permissions import actor_for, roles_and_permissions
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.admin_groups import AdminGroupsState
from lms_app.state.admin_roles import AdminRolesState
from lms_app.state.admin_users import AdminImportState, AdminUsersState, AdminUserState
from tests.state.harness import download_of, signed_in_browser, toast_text

ADMIN = "admin@example.com"
DENIED = "You do not have permission to do that."


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables}


def audit_actions(engine) -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def user_by_email(engine, email: str) -> User | None:
    with Session(engine) as s:
        return s.exec(select(User).where(User.email == email)).first()


# --- the people list --------------------------------------------------------------------------

def test_people_list_filters_and_pages(demo, session):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    browser.call(AdminUsersState, "load")
    state = browser.state(AdminUsersState)
    assert state.total == 24 and len(state.rows) == 24 and state.page_count == 1
    assert state.header_note == "24 people · Sign-up: invitation only"
    assert {"admin", "instructor", "manager", "learner"} <= set(state.role_options)
    assert [o.label.strip() for o in state.department_options] == ["Field Operations", "Sales", "Retail Stores"]
    ada = next(r for r in state.rows if r.email == ADMIN)
    assert set(ada.roles) == {"admin", "learner"} and ada.status_label == "Active" and ada.last_login == "just now"

    browser.call(AdminUsersState, "set_search", "irene")
    assert [r.name for r in state.rows] == ["Irene Instructor"] and state.filtered
    browser.call(AdminUsersState, "clear_filters")
    browser.call(AdminUsersState, "set_role_filter", "instructor")
    assert {r.email for r in state.rows} == {"irene@example.com", "isaac@example.com"}
    browser.call(AdminUsersState, "set_role_filter", "all")
    stores = next(o.value for o in state.department_options if o.label.strip() == "Retail Stores")
    browser.call(AdminUsersState, "set_department_filter", stores)
    assert state.total == 6 and all(r.department == "Retail Stores" for r in state.rows)
    browser.call(AdminUsersState, "set_status_filter", "deactivated")
    assert state.total == 0 and state.range_label == "Nobody"


def test_paging_past_the_end_lands_on_the_last_page(demo, session):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    for i in range(10):  # 34 people: two pages of 25
        browser.call(AdminUsersState, "invite", {"email": f"extra{i}@example.com", "name": f"Extra Person {i}", "role": "learner", "department": "none"})
    browser.call(AdminUsersState, "load")
    state = browser.state(AdminUsersState)
    assert state.total == 34 and state.page_count == 2 and len(state.rows) == 25
    browser.call(AdminUsersState, "go_to_page", 2)
    assert state.page == 2 and len(state.rows) == 9 and state.range_label == "26–34 of 34"
    browser.call(AdminUsersState, "go_to_page", 99)
    assert state.page == 2


def test_invite_from_the_dialog(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    browser.call(AdminUsersState, "load")
    browser.call(AdminUsersState, "set_invite_open", True)
    sales = next(o.value for o in browser.state(AdminUsersState).department_options if o.label.strip() == "Sales")
    result = browser.call(AdminUsersState, "invite", {"email": "nora@example.com", "name": "Nora New", "role": "instructor", "department": sales})
    assert toast_text(result) == "Invitation sent to nora@example.com."
    state = browser.state(AdminUsersState)
    assert not state.invite_open
    nora = next(r for r in state.rows if r.email == "nora@example.com")
    assert nora.status_label == "Invited" and "instructor" in nora.roles and nora.department == "Sales"

    result = browser.call(AdminUsersState, "invite", {"email": "nora@example.com", "name": "Nora Twice", "role": "learner", "department": "none"})
    assert toast_text(result) == "Someone with the address nora@example.com already has an account."
    assert state.total == 25


@pytest.mark.parametrize("email", ["leo@example.com", "maya@example.com", "irene@example.com"])
def test_people_pages_refuse_non_admins_and_change_nothing(demo, session, engine, email):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, "/admin/users")
    before = snapshot(engine)
    assert toast_text(browser.call(AdminUsersState, "load")) == DENIED
    assert browser.state(AdminUsersState).rows == []
    leo = user_by_email(engine, "leo@example.com")
    for handler, args in [
        ("invite", ({"email": "x@example.com", "name": "X Y", "role": "admin", "department": "none"},)),
        ("approve", (str(leo.id),)),
        ("reject", (str(leo.id),)),
        ("save_registration", ({"mode": "approval", "domains": ""},)),
        ("export_csv", ()),
    ]:
        assert toast_text(browser.call(AdminUsersState, handler, *args)) == DENIED, handler
    ada = user_by_email(engine, ADMIN)
    browser.goto(f"/admin/users/{ada.id}")
    assert toast_text(browser.call(AdminUserState, "load")) == DENIED
    assert not browser.state(AdminUserState).found
    admin_role = next(r for r in Session(engine).exec(select(Role)).all() if r.name == "admin")
    for handler, args in [
        ("save", ({"name": "Hacked", "email": "h@example.com", "timezone": "UTC", "locale": "en", "hire_date": "", "department": "all"},)),
        ("add_role", ({"role_id": str(admin_role.id), "expires": ""},)),
        ("remove_role", (str(admin_role.id),)),
        ("deactivate", ()),
        ("resend_invitation", ()),
        ("add_group", ("1",)),
    ]:
        assert toast_text(browser.call(AdminUserState, handler, *args)) == DENIED, handler
    browser.goto("/admin/users/import")
    assert toast_text(browser.call(AdminImportState, "load")) == DENIED
    assert toast_text(browser.call(AdminImportState, "check_text", {"csv": "email,name\na@example.com,A B\n"})) == DENIED
    assert snapshot(engine) == before


def test_pending_registrations_are_approved_or_rejected(demo, session, engine):
    org = auth.default_org(session)
    org.registration_mode = "approval"
    session.add(org)
    for email in ("ann@example.com", "bob@example.com"):
        auth.register(session, email, email.split("@")[0].title() + " Applicant", "a-long-enough-pass-22")
    session.commit()
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    browser.call(AdminUsersState, "load")
    state = browser.state(AdminUsersState)
    assert state.pending_total == 2 and [p.email for p in state.pending] == ["ann@example.com", "bob@example.com"]
    ann, bob = state.pending
    assert toast_text(browser.call(AdminUsersState, "approve", ann.id)) == "Ann Applicant can sign in now."
    assert toast_text(browser.call(AdminUsersState, "reject", bob.id)) == "Registration turned down."
    assert state.pending_total == 0 and state.pending == []
    assert user_by_email(engine, "bob@example.com") is None
    assert auth.login(session, "ann@example.com", "a-long-enough-pass-22").token


def test_registration_setting_and_export(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    browser.call(AdminUsersState, "load")
    state = browser.state(AdminUsersState)
    assert state.registration_mode == "closed"
    browser.call(AdminUsersState, "pick_registration_mode", "domains")
    result = browser.call(AdminUsersState, "save_registration", {"mode": "domains", "domains": ""})
    assert toast_text(result) == "List at least one email domain, like example.com."
    browser.call(AdminUsersState, "save_registration", {"mode": "domains", "domains": "example.com, example.org"})
    assert state.registration_summary == "Open to some email domains (example.com, example.org)"
    assert auth.default_org(Session(engine)).registration_domains == "example.com,example.org"

    browser.call(AdminUsersState, "set_role_filter", "instructor")
    result = browser.call(AdminUsersState, "export_csv")
    assert toast_text(result) == "Exported 2 people."
    data = download_of(result)
    assert "irene@example.com" in data and "leo@example.com" not in data
    assert audit_actions(engine)[-1] == "users.exported"


# --- one person -------------------------------------------------------------------------------

def _person_browser(session, engine, email: str):
    user = user_by_email(engine, email)
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, f"/admin/users/{user.id}")
    browser.call(AdminUserState, "load")
    return browser, browser.state(AdminUserState), user


def test_person_page_edits_details_roles_and_groups(demo, session, engine):
    browser, state, leo = _person_browser(session, engine, "leo@example.com")
    assert state.found and (state.name, state.email, state.hire_date, state.status_label) == ("Leo Learner", "leo@example.com", "2024-03-01", "Active")
    assert [g.label for g in state.groups] == ["Autumn 2026 onboarding"] and [r.name for r in state.roles] == ["learner"]

    field_ops = str(Session(engine).exec(select(Department.id).where(Department.name == "Field Operations")).one())
    result = browser.call(AdminUserState, "save", {"name": "Leo Lerner", "email": "leo@example.com", "timezone": "Europe/Berlin",
                                                   "locale": "de", "hire_date": "2024-04-02", "department": field_ops})
    assert toast_text(result) == "Details saved."
    assert (state.name, state.timezone, state.hire_date, state.department_id) == ("Leo Lerner", "Europe/Berlin", "2024-04-02", field_ops)
    result = browser.call(AdminUserState, "save", {"name": "Leo", "email": "maya@example.com", "timezone": "UTC", "locale": "en", "hire_date": "", "department": "all"})
    assert toast_text(result) == "Someone with the address maya@example.com already has an account."
    assert user_by_email(engine, "leo@example.com").name == "Leo Lerner"  # nothing saved

    assert toast_text(browser.call(AdminUserState, "add_role", {"role_id": "", "expires": ""})) == "Choose a role."
    manager = next(o for o in state.role_options if o.label == "manager")
    result = browser.call(AdminUserState, "add_role", {"role_id": manager.value, "expires": "2999-12-31"})
    assert toast_text(result) == "Role given."
    grant = next(r for r in state.roles if r.name == "manager")
    assert grant.expires.startswith("until 31 Dec 2999") and not grant.expired
    assert "teams.view" in roles_and_permissions(Session(engine), leo.id)[1]
    browser.call(AdminUserState, "remove_role", manager.value)
    assert [r.name for r in state.roles] == ["learner"]

    leads = next(o for o in state.group_options if o.label == "Store leads")
    browser.call(AdminUserState, "add_group", leads.value)
    assert [g.label for g in state.groups] == ["Autumn 2026 onboarding", "Store leads"]
    browser.call(AdminUserState, "remove_group", state.groups[0].value)
    assert [g.label for g in state.groups] == ["Store leads"]
    assert {"user.updated", "role.granted", "role.revoked", "user.groups_changed"} <= set(audit_actions(engine))


def test_last_admin_sees_a_clear_message(demo, session, engine):
    browser, state, ada = _person_browser(session, engine, ADMIN)
    assert state.is_self
    admin = next(r for r in state.roles if r.name == "admin")
    result = browser.call(AdminUserState, "remove_role", admin.role_id)
    assert toast_text(result).startswith("You are the last administrator")
    assert "admin" in [r.name for r in state.roles]
    assert toast_text(browser.call(AdminUserState, "deactivate")) == "You cannot deactivate your own account."


def test_deactivation_signs_the_person_out_everywhere(demo, session, engine):
    leo_tokens = [auth.login(session, "leo@example.com", DEMO_PASSWORD, ip=f"192.0.2.{i}", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130").token for i in (1, 2)]
    session.commit()
    browser, state, leo = _person_browser(session, engine, "leo@example.com")
    assert len(state.sessions) == 2 and state.sessions[0]["device"] == "Firefox on Linux"
    assert toast_text(browser.call(AdminUserState, "revoke_session", state.sessions[0]["id"])) == "That session is signed out."
    assert len(state.sessions) == 1
    browser.call(AdminUserState, "set_confirm_open", True)
    result = browser.call(AdminUserState, "deactivate")
    assert toast_text(result) == "Leo Learner is deactivated and signed out of 1 session."
    assert state.status_label == "Deactivated" and not state.confirm_open and state.sessions == []
    with Session(engine) as s:
        assert all(auth.resolve(s, t) is None for t in leo_tokens)
    result = browser.call(AdminUserState, "reactivate")
    assert toast_text(result) == "Leo Learner can sign in again." and state.status_label == "Active"


def test_resend_invitation_and_unknown_person(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users")
    browser.call(AdminUsersState, "invite", {"email": "wait@example.com", "name": "Wai Ting", "role": "learner", "department": "none"})
    browser, state, _ = _person_browser(session, engine, "wait@example.com")
    assert state.invitation_open and state.status_label == "Invited"
    assert toast_text(browser.call(AdminUserState, "resend_invitation")) == "A new invitation is on its way to wait@example.com."
    browser.goto("/admin/users/987654")
    assert toast_text(browser.call(AdminUserState, "load")) == "That person does not exist."
    assert not browser.state(AdminUserState).found


# --- the CSV import ---------------------------------------------------------------------------

GOOD = """email,name,roles,department,groups,hire_date,timezone
sam@example.com,Sam Rivera,learner,Sales,Store leads,2026-09-01,Europe/Paris
tia@example.com,"Tia, the trainer",instructor;learner,Field Operations,,,
"""
BAD = """email,name,roles,department,groups,hire_date,timezone
sam@example.com,Sam Rivera,wizard,Sales,,2026-13-01,
leo@example.com,Leo Again,learner,,,,
sam@example.com,Sam Twice,learner,Nowhere,,,Mars/Base
ok@example.com,Okay Person,,,,,
"""


def test_import_preview_then_commit(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users/import")
    browser.call(AdminImportState, "load")
    state = browser.state(AdminImportState)
    browser.call(AdminImportState, "check_text", {"csv": BAD})
    assert state.checked and state.row_count == 4 and state.error_rows == 3 and not state.can_import
    assert state.only_errors and [r.line for r in state.visible_rows] == ["2", "3", "4"]
    errors = {r.line: " | ".join(r.errors) for r in state.rows}
    assert "unknown role wizard" in errors["2"] and "2026-13-01" in errors["2"]
    assert "leo@example.com already has an account" in errors["3"]
    assert "appears twice in the file (also on line 2)" in errors["4"] and "Nowhere" in errors["4"] and "Mars/Base" in errors["4"]
    assert errors["5"] == ""
    # Importing anyway (a crafted call) imports nobody.
    result = browser.call(AdminImportState, "commit")
    assert toast_text(result).startswith("Nobody was imported.")
    assert user_by_email(engine, "ok@example.com") is None

    browser.call(AdminImportState, "edit_again")
    assert not state.checked and state.draft == BAD  # the pasted lines come back to be fixed
    browser.call(AdminImportState, "check_text", {"csv": GOOD})
    assert state.can_import and state.row_count == 2
    assert [(r.name, r.roles) for r in state.rows] == [("Sam Rivera", "learner"), ("Tia, the trainer", "instructor, learner")]
    chained = browser.call(AdminImportState, "start_import")
    assert state.importing and "commit" in repr(chained)  # the button is busy, then the import runs
    result = browser.call(AdminImportState, "commit")
    assert toast_text(result) == "2 people imported and invited."
    assert state.imported == 2 and not state.checked and not state.importing
    sam = user_by_email(engine, "sam@example.com")
    with Session(engine) as s:
        assert s.exec(select(Group.name).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == sam.id)).all() == ["Store leads"]
        assert roles_and_permissions(s, user_by_email(engine, "tia@example.com").id)[0] == {"instructor", "learner"}
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "users.imported")).one()
        assert event.after["count"] == 2
        assert audit.verify(s).ok


def test_import_by_upload_keeps_the_file_in_memory(demo, session, engine):
    from reflex_components_core.core._upload import UploadFile

    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/users/import")
    state = browser.state(AdminImportState)
    upload = UploadFile(file=io.BytesIO(("\ufeff" + GOOD).encode("utf-8")), path=None, size=len(GOOD))
    result = asyncio.run(AdminImportState.handle_upload.fn(state, [upload]))
    assert result is None and state.can_import and state.row_count == 2
    assert state._csv.startswith("email,name")  # server-side only: not a client var
    assert "_csv" not in AdminImportState.base_vars and "sam@example.com,Sam Rivera" not in repr(state.dict())
    big = UploadFile(file=io.BytesIO(b"email,name\n" + b"x" * 2_100_000), path=None, size=2_100_000)
    asyncio.run(AdminImportState.handle_upload.fn(state, [big]))
    assert state.file_errors[0].startswith("The file is too large") and not state.can_import


# --- roles ------------------------------------------------------------------------------------

def test_roles_page_creates_and_edits_custom_roles(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/roles")
    browser.call(AdminRolesState, "load")
    state = browser.state(AdminRolesState)
    assert [r.name for r in state.roles] == ["admin", "instructor", "manager", "learner"]
    assert next(r for r in state.roles if r.name == "admin").members == "1"

    result = browser.call(AdminRolesState, "create", {"name": "Reviewer", "description": "Reads the audit trail", "perm:audit.view": "on", "perm:admin.view": "on"})
    assert toast_text(result).startswith("Role “Reviewer” created")
    reviewer = next(r for r in state.roles if r.name == "Reviewer")
    assert reviewer.permissions == ["admin.view", "audit.view"] and not reviewer.builtin
    row = next(m for m in state.matrix if m.permission == "reports.export")
    cell = next(c for c in row.cells if c.role_id == reviewer.id)
    assert cell.editable and not cell.checked
    browser.call(AdminRolesState, "toggle", reviewer.id, "reports.export", True)
    assert "reports.export" in next(r for r in state.roles if r.name == "Reviewer").permissions

    admin = next(r for r in state.roles if r.name == "admin")
    assert not next(c for c in row.cells if c.role_id == admin.id).editable
    result = browser.call(AdminRolesState, "toggle", admin.id, "reports.export", False)
    assert "built-in role" in toast_text(result)

    browser.call(AdminRolesState, "start_edit", reviewer.id)
    assert state.edit_open and state.edit_name == "Reviewer"
    browser.call(AdminRolesState, "save_edit", {"name": "Auditor", "description": "Reads the audit trail"})
    assert "Auditor" in [r.name for r in state.roles] and not state.edit_open
    assert toast_text(browser.call(AdminRolesState, "delete", reviewer.id)) == "Role deleted."
    assert "Auditor" not in [r.name for r in state.roles]
    assert {"role.created", "role.updated", "role.deleted"} <= set(audit_actions(engine))


@pytest.mark.parametrize("email", ["leo@example.com", "maya@example.com", "irene@example.com"])
def test_roles_and_groups_pages_refuse_non_admins(demo, session, engine, email):
    browser = signed_in_browser(session, email, DEMO_PASSWORD, "/admin/roles")
    before = snapshot(engine)
    assert toast_text(browser.call(AdminRolesState, "load")) == DENIED
    assert toast_text(browser.call(AdminRolesState, "create", {"name": "Sneaky", "perm:users.manage": "on"})) == DENIED
    admin_id = str(Session(engine).exec(select(Role.id).where(Role.name == "learner")).one())
    assert toast_text(browser.call(AdminRolesState, "toggle", admin_id, "users.manage", True)) == DENIED
    browser.goto("/admin/groups")
    assert toast_text(browser.call(AdminGroupsState, "load")) == DENIED
    assert toast_text(browser.call(AdminGroupsState, "create_group", {"name": "Sneaky"})) == DENIED
    assert toast_text(browser.call(AdminGroupsState, "save_department", {"name": "Sneaky", "parent": "top"})) == DENIED
    assert browser.state(AdminGroupsState).groups == [] and browser.state(AdminRolesState).roles == []
    assert snapshot(engine) == before


# --- groups and departments -------------------------------------------------------------------

def test_groups_members_and_managers(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/groups")
    browser.call(AdminGroupsState, "load")
    state = browser.state(AdminGroupsState)
    assert [(g.name, g.members, g.managers) for g in state.groups] == [("Autumn 2026 onboarding", "10", ["Maya Manager"]), ("Store leads", "5", [])]
    browser.call(AdminGroupsState, "create_group", {"name": "Mentors", "description": "Help new hires"})
    result = browser.call(AdminGroupsState, "create_group", {"name": "mentors"})
    assert toast_text(result) == "There is already a group called “mentors”."
    mentors = next(g for g in state.groups if g.name == "Mentors")
    browser.call(AdminGroupsState, "open_group", mentors.id)
    assert state.group_open and state.members_total == 0
    browser.call(AdminGroupsState, "search_people", "isaac")
    assert [p.name for p in state.people_results] == ["Isaac Instructor"]
    isaac = state.people_results[0].id
    browser.call(AdminGroupsState, "add_member", isaac)
    browser.call(AdminGroupsState, "add_group_manager", isaac)
    assert [p.name for p in state.members] == ["Isaac Instructor"] and [p.name for p in state.group_managers] == ["Isaac Instructor"]
    assert next(g for g in state.groups if g.name == "Mentors").members == "1"
    browser.call(AdminGroupsState, "save_group", {"name": "Mentors 2026", "description": "Help new hires"})
    assert state.group_name == "Mentors 2026"
    browser.call(AdminGroupsState, "remove_group_manager", isaac)
    browser.call(AdminGroupsState, "remove_member", isaac)
    assert state.members == [] and state.group_managers == []
    # Paging and filtering of a big group's members.
    onboarding = next(g for g in state.groups if g.name == "Autumn 2026 onboarding")
    browser.call(AdminGroupsState, "open_group", onboarding.id)
    browser.call(AdminGroupsState, "set_member_search", "leo")
    assert [p.name for p in state.members] == ["Leo Learner"] and state.members_total == 1
    browser.call(AdminGroupsState, "delete_group", mentors.id)
    assert "Mentors 2026" not in [g.name for g in state.groups]
    with Session(engine) as s:
        assert s.exec(select(GroupManager)).all() and audit.verify(s).ok
    assert {"group.created", "group.members_added", "group.manager_added", "group.updated", "group.deleted"} <= set(audit_actions(engine))


def test_department_tree_editing(demo, session, engine):
    browser = signed_in_browser(session, ADMIN, DEMO_PASSWORD, "/admin/groups")
    browser.call(AdminGroupsState, "load")
    state = browser.state(AdminGroupsState)
    assert [(d.name, d.depth, d.members) for d in state.departments] == [("Field Operations", 0, "6"), ("Sales", 0, "9"), ("Retail Stores", 1, "6")]
    sales = next(d for d in state.departments if d.name == "Sales")
    stores = next(d for d in state.departments if d.name == "Retail Stores")
    assert sales.managers == ["Maya Manager"] and stores.parent_id == sales.id

    browser.call(AdminGroupsState, "new_department", stores.id)
    assert state.dept_form_open and state.dept_form_parent == stores.id
    browser.call(AdminGroupsState, "save_department", {"name": "Lyon store", "parent": stores.id})
    assert [(d.name, d.depth) for d in state.departments][-1] == ("Lyon store", 2)
    lyon = next(d for d in state.departments if d.name == "Lyon store")

    # Moving Sales under its own grand-child is refused, and nothing moves.
    browser.call(AdminGroupsState, "edit_department", sales.id)
    result = browser.call(AdminGroupsState, "save_department", {"name": "Sales", "parent": lyon.id})
    assert toast_text(result) == "“Sales” cannot be placed under one of its own sub-departments."
    assert next(d for d in state.departments if d.name == "Sales").depth == 0

    result = browser.call(AdminGroupsState, "delete_department", stores.id)
    assert toast_text(result) == "“Retail Stores” has 1 sub-department: move or delete it first."
    browser.call(AdminGroupsState, "open_dept_managers", stores.id)
    browser.call(AdminGroupsState, "search_people", "priya")
    browser.call(AdminGroupsState, "add_department_manager", state.people_results[0].id)
    assert [p.name for p in state.dept_managers] == ["Priya Sharma"]
    assert next(d for d in state.departments if d.name == "Retail Stores").managers == ["Priya Sharma"]

    browser.call(AdminGroupsState, "delete_department", lyon.id)
    browser.call(AdminGroupsState, "ask_delete_department", stores.id)
    assert state.delete_dept_open and state.delete_dept_members == "6"
    result = browser.call(AdminGroupsState, "delete_department", stores.id)
    assert toast_text(result) == "Department deleted. 6 people are now without a department."
    assert [d.name for d in state.departments] == ["Field Operations", "Sales"]
    with Session(engine) as s:
        assert audit.verify(s).ok


def test_person_page_shows_their_sign_in_history_newest_first(demo, session, engine):
    leo = user_by_email(engine, "leo@example.com")
    with Session(engine) as s:
        s.add(LoginAttempt(email="leo@example.com", ip="203.0.113.7", succeeded=False, at=utcnow() - timedelta(minutes=5)))
        s.add(LoginAttempt(email="leo@example.com", ip="203.0.113.7", succeeded=True, at=utcnow() - timedelta(minutes=4)))
        s.add(LoginAttempt(email="maya@example.com", ip="198.51.100.2", succeeded=True, at=utcnow()))
        s.commit()
    browser, state, _ = _person_browser(session, engine, "leo@example.com")
    assert [(a["ip"], a["outcome"]) for a in state.sign_ins[:2]] == [("203.0.113.7", "Signed in"), ("203.0.113.7", "Refused")]
    assert all(a["ip"] != "198.51.100.2" for a in state.sign_ins)
    # A learner cannot read someone else's history.
    with pytest.raises(PermissionDenied):
        auth.sign_in_history(Session(engine), actor_for(Session(engine), user_by_email(engine, "maya@example.com")), leo.id)
