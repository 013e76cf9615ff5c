"""Roles (built-in fixed, custom from the catalog), groups and the department tree."""

from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel, select

from lms_app.models import AuditEvent, Department, DepartmentManager, Group, GroupMember, Role, User, UserRole
from lms_app.services import audit, groups, roles, teams, users
from lms_app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import actor_for

ADMIN = "admin@example.com"


def snapshot(engine) -> dict[str, list]:
    with Session(engine) as s:
        return {t.name: sorted(map(repr, s.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables}


def last_event(session: Session, action: str) -> AuditEvent:
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())).first()


def by_name(session: Session, model, name: str):
    return session.exec(select(model).where(model.name == name)).one()


# --- roles ------------------------------------------------------------------------------------

def test_list_roles_with_permissions_and_members(demo, session, actor_of):
    found = {r.name: r for r in roles.list_roles(session, actor_of(ADMIN))}
    assert list(found) == ["admin", "instructor", "manager", "learner"]
    assert found["learner"].members == 24 and found["admin"].members == 1 and found["instructor"].members == 2
    assert found["manager"].permissions == ["learning.view", "teams.view", "reports.export"]
    assert all(r.builtin for r in found.values())


def test_custom_role_lifecycle(demo, session, actor_of):
    admin = actor_of(ADMIN)
    role = roles.create_role(session, admin, "  Content   reviewer ", "Checks courses", ["courses.teach", "learning.view", "courses.teach"])
    session.commit()
    assert role.name == "Content reviewer" and not role.builtin
    info = next(r for r in roles.list_roles(session, admin) if r.id == role.id)
    assert info.permissions == ["learning.view", "courses.teach"] and info.members == 0
    assert last_event(session, "role.created").after["permissions"] == ["learning.view", "courses.teach"]

    # Given to Leo, the role's permissions reach him at once; edits change them for him too.
    users.assign_role(session, admin, users_id(session, "leo@example.com"), role.id)
    session.commit()
    leo = session.exec(select(User).where(User.email == "leo@example.com")).one()
    assert actor_for(session, leo).can("courses.teach")
    roles.update_role(session, admin, role.id, permissions=["learning.view", "reports.export"], description="Exports reports")
    session.commit()
    assert not actor_for(session, leo).can("courses.teach") and actor_for(session, leo).can("reports.export")
    event = last_event(session, "role.updated")
    assert event.before["permissions"] == ["learning.view", "courses.teach"] and event.after["permissions"] == ["learning.view", "reports.export"]

    roles.set_permission(session, admin, role.id, "audit.view", True)
    roles.set_permission(session, admin, role.id, "reports.export", False)
    session.commit()
    assert next(r for r in roles.list_roles(session, admin) if r.id == role.id).permissions == ["learning.view", "audit.view"]

    # In use: deleting is refused with the count, and nothing changes.
    with pytest.raises(Conflict, match="1 person holds the role “Content reviewer”"):
        roles.delete_role(session, admin, role.id)
    users.remove_role(session, admin, leo.id, role.id)
    roles.delete_role(session, admin, role.id)
    session.commit()
    assert session.get(Role, role.id) is None
    assert last_event(session, "role.deleted").before["name"] == "Content reviewer"
    assert audit.verify(session).ok


def users_id(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one()


def test_role_rules(demo, session, actor_of):
    admin = actor_of(ADMIN)
    with pytest.raises(Invalid, match="Unknown permission: users.destroy"):
        roles.create_role(session, admin, "Wrecker", "", ["users.destroy"])
    with pytest.raises(Invalid, match="at least one permission"):
        roles.create_role(session, admin, "Empty", "", [])
    with pytest.raises(Invalid, match="2 to 64 characters"):
        roles.create_role(session, admin, "x", "", ["learning.view"])
    with pytest.raises(Conflict, match="already a role called “Admin”"):
        roles.create_role(session, admin, "Admin", "", ["learning.view"])
    learner = by_name(session, Role, "learner")
    with pytest.raises(PermissionDenied, match="built-in role: its name and permissions cannot be changed"):
        roles.update_role(session, admin, learner.id, permissions=["learning.view", "users.manage"])
    with pytest.raises(PermissionDenied, match="built-in"):
        roles.update_role(session, admin, learner.id, name="student")
    with pytest.raises(PermissionDenied, match="built-in"):
        roles.set_permission(session, admin, by_name(session, Role, "admin").id, "users.manage", False)
    with pytest.raises(PermissionDenied, match="cannot be deleted"):
        roles.delete_role(session, admin, learner.id)
    session.rollback()
    # A built-in role's description may be reworded.
    roles.update_role(session, admin, learner.id, description="Takes the courses they are given")
    session.commit()
    assert session.get(Role, learner.id).description == "Takes the courses they are given"
    with pytest.raises(NotFound):
        roles.update_role(session, admin, 424242, description="x")


@pytest.mark.parametrize("email", ["leo@example.com", "maya@example.com", "irene@example.com"])
def test_roles_and_groups_are_admin_only(demo, session, actor_of, engine, email):
    actor = actor_of(email)
    learner = by_name(session, Role, "learner")
    sales = by_name(session, Department, "Sales")
    onboarding = by_name(session, Group, "Autumn 2026 onboarding")
    leo = users_id(session, "leo@example.com")
    before = snapshot(engine)
    calls = [
        lambda: roles.list_roles(session, actor),
        lambda: roles.create_role(session, actor, "Sneaky", "", ["users.manage"]),
        lambda: roles.update_role(session, actor, learner.id, description="x"),
        lambda: roles.set_permission(session, actor, learner.id, "users.manage", True),
        lambda: roles.delete_role(session, actor, learner.id),
        lambda: groups.list_groups(session, actor),
        lambda: groups.create_group(session, actor, "Sneaky"),
        lambda: groups.update_group(session, actor, onboarding.id, name="Renamed"),
        lambda: groups.delete_group(session, actor, onboarding.id),
        lambda: groups.add_members(session, actor, onboarding.id, [actor.user_id]),
        lambda: groups.remove_member(session, actor, onboarding.id, leo),
        lambda: groups.add_group_manager(session, actor, onboarding.id, actor.user_id),
        lambda: groups.remove_group_manager(session, actor, onboarding.id, users_id(session, "maya@example.com")),
        lambda: groups.list_departments(session, actor),
        lambda: groups.create_department(session, actor, "Sneaky"),
        lambda: groups.update_department(session, actor, sales.id, name="Renamed", parent_id=None),
        lambda: groups.delete_department(session, actor, sales.id),
        lambda: groups.add_department_manager(session, actor, sales.id, actor.user_id),
        lambda: groups.remove_department_manager(session, actor, sales.id, users_id(session, "maya@example.com")),
        lambda: groups.find_people(session, actor, "leo"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
        session.rollback()
    assert snapshot(engine) == before


# --- groups -----------------------------------------------------------------------------------

def test_groups_crud_members_and_managers(demo, session, actor_of):
    admin = actor_of(ADMIN)
    group = groups.create_group(session, admin, "Night shift", "Works after 22:00")
    with pytest.raises(Conflict, match="already a group called “night SHIFT”"):
        groups.create_group(session, admin, "night SHIFT")
    with pytest.raises(Invalid, match="name"):
        groups.create_group(session, admin, "   ")
    session.rollback()
    group = groups.create_group(session, admin, "Night shift", "Works after 22:00")
    leo, kofi, maya = (users_id(session, e) for e in ("leo@example.com", "kofi@example.com", "maya@example.com"))
    assert groups.add_members(session, admin, group.id, [leo, kofi]) == 2
    with pytest.raises(Conflict, match="already in this group"):
        groups.add_members(session, admin, group.id, [leo])
    assert groups.add_members(session, admin, group.id, [leo, users_id(session, "ben@example.com")]) == 1
    with pytest.raises(NotFound):
        groups.add_members(session, admin, group.id, [999999])
    groups.add_group_manager(session, admin, group.id, maya)
    with pytest.raises(Conflict, match="already manages"):
        groups.add_group_manager(session, admin, group.id, maya)
    session.commit()

    info = next(g for g in groups.list_groups(session, admin) if g.id == group.id)
    assert info.members == 3 and [m.name for m in info.managers] == ["Maya Manager"]
    page, total = groups.group_members(session, admin, group.id, page_size=2)
    assert total == 3 and [p.name for p in page] == ["Ben Carter", "Kofi Mensah"]
    page2, _ = groups.group_members(session, admin, group.id, page=2, page_size=2)
    assert [p.name for p in page2] == ["Leo Learner"]
    # The manager's team now includes the group's people.
    assert {leo, kofi} <= teams.team_member_ids(session, maya)

    groups.remove_member(session, admin, group.id, kofi)
    with pytest.raises(NotFound):
        groups.remove_member(session, admin, group.id, kofi)
    groups.update_group(session, admin, group.id, name="Night crew", description="")
    groups.remove_group_manager(session, admin, group.id, maya)
    session.commit()
    assert last_event(session, "group.updated").before == {"name": "Night shift", "description": "Works after 22:00"}
    groups.delete_group(session, admin, group.id)
    session.commit()
    assert session.get(Group, group.id) is None and session.get(User, leo).is_active
    assert not session.exec(select(GroupMember).where(GroupMember.group_id == group.id)).all()
    assert last_event(session, "group.deleted").before == {"name": "Night crew", "members": 2}
    assert [e for e in ("group.created", "group.members_added", "group.manager_added", "group.member_removed", "group.manager_removed")
            if last_event(session, e) is None] == []
    assert audit.verify(session).ok


def test_find_people_for_pickers(demo, session, actor_of):
    admin = actor_of(ADMIN)
    assert groups.find_people(session, admin, "l") == []  # two letters at least
    assert [p.name for p in groups.find_people(session, admin, "LEO")] == ["Leo Learner"]  # any case
    assert len(groups.find_people(session, admin, "example", limit=5)) == 5
    assert "leo@example.com" not in [p.email for p in groups.find_people(session, admin, "le", exclude={users_id(session, "leo@example.com")})]
    found = [p.email for p in groups.find_people(session, admin, "le", limit=50)]
    assert "leo@example.com" in found and "lena@example.com" in found
    users.deactivate_user(session, admin, users_id(session, "leo@example.com"))
    assert "leo@example.com" not in [p.email for p in groups.find_people(session, admin, "le", limit=50)]


# --- departments ------------------------------------------------------------------------------

def test_department_tree_crud_without_cycles(demo, session, actor_of):
    admin = actor_of(ADMIN)
    sales = by_name(session, Department, "Sales")
    stores = by_name(session, Department, "Retail Stores")
    lyon = groups.create_department(session, admin, "Lyon", stores.id)
    with pytest.raises(Conflict, match="already a department called “lyon” in Retail Stores"):
        groups.create_department(session, admin, "lyon", stores.id)
    session.rollback()
    lyon = groups.create_department(session, admin, "Lyon", stores.id)
    groups.create_department(session, admin, "Lyon", sales.id)  # same name elsewhere is fine
    session.commit()
    tree = [(d.name, d.depth, d.path) for d in groups.list_departments(session, admin)]
    assert tree == [("Field Operations", 0, "Field Operations"), ("Sales", 0, "Sales"), ("Lyon", 1, "Sales / Lyon"),
                    ("Retail Stores", 1, "Sales / Retail Stores"), ("Lyon", 2, "Sales / Retail Stores / Lyon")]

    with pytest.raises(Invalid, match="under one of its own sub-departments"):
        groups.update_department(session, admin, sales.id, name="Sales", parent_id=lyon.id)
    with pytest.raises(Invalid, match="under itself"):
        groups.update_department(session, admin, sales.id, name="Sales", parent_id=sales.id)
    session.rollback()
    assert session.get(Department, sales.id).parent_id is None

    field = by_name(session, Department, "Field Operations")
    groups.update_department(session, admin, stores.id, name="Stores", parent_id=field.id)
    session.commit()
    assert last_event(session, "department.updated").before == {"name": "Retail Stores", "parent": "Sales"}
    assert last_event(session, "department.updated").after == {"name": "Stores", "parent": "Field Operations"}
    # Filtering people by department now follows the new tree.
    _, in_field = users.list_users(session, admin, department_id=field.id)
    assert in_field == 12

    with pytest.raises(Conflict, match="has 1 sub-department"):
        groups.delete_department(session, admin, stores.id)
    session.rollback()
    groups.delete_department(session, admin, lyon.id)
    people = groups.delete_department(session, admin, stores.id)
    session.commit()
    assert people == 6
    assert session.exec(select(User).where(User.email == "hana@example.com")).one().department_id is None
    assert last_event(session, "department.deleted").before == {"name": "Stores", "people": 6}


def test_department_managers(demo, session, actor_of):
    admin = actor_of(ADMIN)
    field = by_name(session, Department, "Field Operations")
    oscar = users_id(session, "oscar@example.com")
    maya = users_id(session, "maya@example.com")
    groups.add_department_manager(session, admin, field.id, maya)
    with pytest.raises(Conflict):
        groups.add_department_manager(session, admin, field.id, maya)
    session.rollback()
    groups.add_department_manager(session, admin, field.id, maya)
    session.commit()
    assert oscar in teams.team_member_ids(session, maya)
    info = next(d for d in groups.list_departments(session, admin) if d.id == field.id)
    assert [m.name for m in info.managers] == ["Maya Manager"]
    groups.remove_department_manager(session, admin, field.id, maya)
    session.commit()
    assert oscar not in teams.team_member_ids(session, maya)
    assert not session.exec(select(DepartmentManager).where(DepartmentManager.department_id == field.id)).all()
    with pytest.raises(NotFound):
        groups.remove_department_manager(session, admin, field.id, maya)
    assert last_event(session, "department.manager_removed").before == {"manager": "maya@example.com"}


def test_role_member_counts_skip_expired_and_deactivated(demo, session, actor_of):
    from datetime import timedelta

    from lms_app.models import utcnow

    admin = actor_of(ADMIN)
    manager = by_name(session, Role, "manager")
    leo = users_id(session, "leo@example.com")
    session.add(UserRole(user_id=leo, role_id=manager.id, expires_at=utcnow() - timedelta(days=1)))
    session.commit()
    assert next(r for r in roles.list_roles(session, admin) if r.name == "manager").members == 1
    users.deactivate_user(session, admin, users_id(session, "maya@example.com"))
    assert next(r for r in roles.list_roles(session, admin) if r.name == "manager").members == 0
