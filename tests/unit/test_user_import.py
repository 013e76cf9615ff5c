"""The CSV import of people: a preview with each line's problems, then all lines or none."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from lms_app.models import AuditEvent, GroupMember, Invitation, OutgoingEmail, Permission, Role, User, UserRole
from lms_app.services import audit, csv_import, users
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.permissions import roles_and_permissions

ADMIN = "admin@example.com"
HEADER = "email,name,roles,department,groups,hire_date,timezone\n"


def snapshot(engine) -> dict[str, list]:
    with Session(engine) as s:
        return {t.name: sorted(map(repr, s.execute(t.select()).all())) for t in SQLModel.metadata.sorted_tables}


def errors_by_line(preview) -> dict[int, list[str]]:
    return {r.line: r.errors for r in preview.rows}


def test_a_clean_file_previews_without_errors(demo, session, actor_of):
    text = HEADER + (
        "Sam@Example.com , Sam Rivera ,,,,,\n"
        "tia@example.com,\"Okafor, Tia\",instructor;learner,Sales / Retail Stores,Store leads|Autumn 2026 onboarding,2026-09-01,America/Chicago\n"
        "\n"
        "uma@example.com,Uma Field,LEARNER,field operations,,,\n"
    )
    preview = users.parse_import(session, actor_of(ADMIN), text)
    assert preview.ok and preview.error_count == 0 and not preview.file_errors
    sam, tia, uma = preview.rows
    assert (sam.line, sam.email, sam.name, sam.roles, sam.timezone) == (2, "sam@example.com", "Sam Rivera", ["learner"], "Europe/Paris")
    assert (tia.line, tia.name, tia.roles, tia.groups) == (3, "Okafor, Tia", ["instructor", "learner"], ["Store leads", "Autumn 2026 onboarding"])
    assert uma.line == 5  # blank lines are skipped, line numbers stay those of the file
    assert session.exec(select(func.count(User.id))).one() == 24  # a preview saves nothing


def test_each_line_says_what_is_wrong(demo, session, actor_of):
    text = HEADER + "\n".join([
        ",No Email,,,,,",                                  # 2
        "not-an-email,Bad Email,,,,,",                     # 3
        "ok1@example.com,,,,,,",                           # 4
        "LEO@example.com,Leo Again,,,,,",                  # 5
        "dup@example.com,First,,,,,",                      # 6
        "dup@example.com,Second,,,,,",                     # 7
        "ok2@example.com,Role Less,wizard;learner,,,,",    # 8
        "ok3@example.com,Dept Less,,Atlantis,,,",          # 9
        "ok4@example.com,Group Less,,,Chess club,,",       # 10
        "ok5@example.com,Bad Date,,,,01/09/2026,",         # 11
        "ok6@example.com,Bad Zone,,,,,Europe/Atlantis",    # 12
        "ok7@example.com,Too,Many,,,,,,extra",             # 13
        "fine@example.com,Fine Person,,,,,",               # 14
    ]) + "\n"
    preview = users.parse_import(session, actor_of(ADMIN), text)
    errors = {line: "; ".join(e) for line, e in errors_by_line(preview).items()}
    assert errors[2] == "email is missing"
    assert errors[3] == "“not-an-email” is not a valid email address"
    assert errors[4] == "name is missing"
    assert errors[5] == "leo@example.com already has an account"
    assert errors[6] == "" and errors[7] == "dup@example.com appears twice in the file (also on line 6)"
    assert errors[8] == "unknown role wizard"
    assert errors[9] == "unknown department “Atlantis”"
    assert errors[10] == "unknown group Chess club"
    assert errors[11] == "hire date “01/09/2026” is not a date like 2026-03-01"
    assert errors[12] == "unknown time zone “Europe/Atlantis” (use names like Europe/Paris)"
    assert errors[13].startswith("more values than columns")
    assert errors[14] == ""
    assert not preview.ok and preview.error_count == 11


def test_whole_file_problems(demo, session, actor_of):
    admin = actor_of(ADMIN)
    assert users.parse_import(session, admin, "").file_errors[0].startswith("The file is empty")
    assert users.parse_import(session, admin, HEADER).file_errors == ["The file has a header line but nobody in it."]
    preview = users.parse_import(session, admin, "mail,full name\na@example.com,A\n")
    assert preview.file_errors[0].startswith("The header line lacks the columns email, name")
    assert not preview.ok
    preview = users.parse_import(session, admin, "email,name,email\na@example.com,A,b@example.com\n")
    assert "The column email appears twice in the header." in preview.file_errors
    preview = users.parse_import(session, admin, "email,name,shoe_size\na@example.com,A B,44\n")
    assert preview.ok and preview.ignored_columns == ["shoe_size"]
    too_many = HEADER + "".join(f"p{i}@example.com,Person {i},,,,,\n" for i in range(csv_import.MAX_IMPORT_ROWS + 1))
    assert any("more than 5000 people" in e for e in users.parse_import(session, admin, too_many).file_errors)
    huge = HEADER + "x" * (csv_import.MAX_IMPORT_BYTES + 1)
    assert users.parse_import(session, admin, huge).file_errors[0].startswith("The file is too large")


def test_semicolon_files_from_spreadsheets(demo, session, actor_of):
    text = "\ufeffEmail;Name;Roles;Department;Groups;Hire date;Timezone\nana@example.com;Ana Lima;learner|manager;Sales;;2026-01-05;\n"
    preview = users.parse_import(session, actor_of(ADMIN), text)
    assert preview.ok, preview.messages()
    assert preview.rows[0].roles == ["learner", "manager"] and preview.rows[0].hire_date == "2026-01-05"


def test_ambiguous_department_needs_its_path(demo, session, actor_of):
    from lms_app.services import groups

    admin = actor_of(ADMIN)
    sales = next(d for d in groups.list_departments(session, admin) if d.name == "Sales")
    fo = next(d for d in groups.list_departments(session, admin) if d.name == "Field Operations")
    groups.create_department(session, admin, "North", sales.id)
    groups.create_department(session, admin, "North", fo.id)
    session.commit()
    preview = users.parse_import(session, admin, HEADER + "n@example.com,N One,,North,,,\nm@example.com,M Two,,Sales / North,,,\n")
    assert errors_by_line(preview)[2] == ["several departments are called “North”: write its path, like Sales / North"]
    assert errors_by_line(preview)[3] == []


def test_commit_is_all_or_nothing(demo, session, actor_of, engine):
    admin = actor_of(ADMIN)
    bad = HEADER + "ok@example.com,Okay,,,,,\nleo@example.com,Leo Again,,,,,\n"
    before = snapshot(engine)
    with pytest.raises(Invalid) as caught:
        users.commit_import(session, admin, bad)
    session.rollback()
    assert caught.value.message == "Nobody was imported. Fix the file first: line 3: leo@example.com already has an account."
    assert snapshot(engine) == before

    good = HEADER + (
        "sam@example.com,Sam Rivera,,Retail Stores,Store leads,2026-09-01,\n"
        "tia@example.com,Tia Okafor,instructor;learner,,,,America/Chicago\n"
    )
    assert users.commit_import(session, admin, good) == 2
    session.commit()
    sam = session.exec(select(User).where(User.email == "sam@example.com")).one()
    tia = session.exec(select(User).where(User.email == "tia@example.com")).one()
    assert sam.password_hash is None and sam.hire_date.isoformat() == "2026-09-01" and sam.timezone == "Europe/Paris"
    assert session.exec(select(GroupMember).where(GroupMember.user_id == sam.id)).one()
    assert roles_and_permissions(session, tia.id)[0] == {"instructor", "learner"} and tia.timezone == "America/Chicago"
    assert session.exec(select(func.count(Invitation.id)).where(Invitation.user_id.in_([sam.id, tia.id]))).one() == 2
    assert {m.to_address for m in session.exec(select(OutgoingEmail)).all()} >= {"sam@example.com", "tia@example.com"}
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "users.imported")).all()
    assert len(events) == 1 and events[0].after["count"] == 2 and events[0].after["emails"] == ["sam@example.com", "tia@example.com"]
    assert audit.verify(session).ok

    # The same file again: everyone exists now, nothing is added.
    with pytest.raises(Invalid, match="sam@example.com already has an account"):
        users.commit_import(session, admin, good)


def test_commit_checks_again_what_changed_since_the_preview(demo, session, actor_of, engine):
    admin = actor_of(ADMIN)
    text = HEADER + "late@example.com,Late Person,,,,,\nother@example.com,Other Person,,,,,\n"
    assert users.parse_import(session, admin, text).ok
    users.invite_user(session, admin, "late@example.com", "Late Person")  # someone was quicker
    session.commit()
    before = snapshot(engine)
    with pytest.raises(Invalid, match="line 2: late@example.com already has an account"):
        users.commit_import(session, admin, text)
    session.rollback()
    assert snapshot(engine) == before


def test_powerful_roles_in_a_file_need_roles_manage(demo, session, actor_of, engine):
    officer_role = Role(org_id=demo[ADMIN].org_id, name="people officer")
    session.add(officer_role)
    session.flush()
    session.add(Permission(role_id=officer_role.id, name="users.manage"))
    session.add(UserRole(user_id=demo["maya@example.com"].id, role_id=officer_role.id))
    session.commit()
    officer = actor_of("maya@example.com")
    text = HEADER + "boss@example.com,Big Boss,admin,,,,\nplain@example.com,Plain Person,learner,,,,\n"
    preview = users.parse_import(session, officer, text)
    assert errors_by_line(preview) == {2: ["giving the role admin needs the permission to manage roles"], 3: []}
    with pytest.raises(Invalid):
        users.commit_import(session, officer, text)
    session.rollback()
    assert users.commit_import(session, officer, HEADER + "plain@example.com,Plain Person,learner,,,,\n") == 1


def test_an_export_can_be_edited_and_imported_back(demo, session, actor_of):
    admin = actor_of(ADMIN)
    from lms_app.models import Department

    stores = session.exec(select(Department.id).where(Department.name == "Retail Stores")).one()
    text, count = users.export_users_csv(session, admin, department_id=stores)
    session.commit()
    edited = text.replace("@example.com", "@branch.example")
    preview = users.parse_import(session, admin, edited)
    assert preview.ok, preview.messages()
    assert len(preview.rows) == count == 6 and preview.ignored_columns == []
    assert {r.department for r in preview.rows} == {"Sales / Retail Stores"}


def test_only_people_managers_may_import(demo, session, actor_of):
    for email in ("leo@example.com", "maya@example.com", "irene@example.com"):
        with pytest.raises(PermissionDenied):
            users.parse_import(session, actor_of(email), HEADER + "a@example.com,A B,,,,,\n")
