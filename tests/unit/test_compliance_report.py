"""The compliance report and the dashboards' required-training figures: what is counted as
compliant, overdue, due soon and expiring, per requirement and per department, who sees whom,
and the exports."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from lms_app.models import AuditEvent, Course, Department, Requirement, RequirementAssignment
from lms_app.services import analytics_org, analytics_team, compliance_report, dashboard_cache, learning, requirements, teams
from lms_app.services.compliance_report import ReportFilters
from lms_app.services.errors import PermissionDenied

# The dashboards read the real clock: the fixture's dates are days around it.
NOW = datetime.now(timezone.utc)


def _course(s: Session, org_id: int, title: str) -> Course:
    course = Course(org_id=org_id, title=title, visibility="published")
    s.add(course)
    s.flush()
    return course


def _assign(s: Session, req: Requirement, user_id: int, *, due_in_days: float, completed_days_ago: float | None = None,
            expires_in_days: float | None = None, exempt: str = "") -> None:
    due_at = NOW + timedelta(days=due_in_days)
    s.add(RequirementAssignment(
        org_id=req.org_id, requirement_id=req.id, user_id=user_id, assigned_at=NOW - timedelta(days=40), due_on=due_at.date(), due_at=due_at,
        completed_at=None if completed_days_ago is None else NOW - timedelta(days=completed_days_ago),
        satisfied_by="course" if completed_days_ago is not None else "",
        expires_at=None if expires_in_days is None else NOW + timedelta(days=expires_in_days),
        exempt_at=NOW - timedelta(days=1) if exempt else None, exempt_reason=exempt))


@pytest.fixture
def world(engine, demo):
    """Fire safety, required of everyone in Sales (with Retail Stores below it) and Field
    Operations; GDPR basics, required of two people."""
    dashboard_cache.clear()
    people = {email.split("@")[0]: u for email, u in demo.items()}
    with Session(engine) as s:
        org_id = people["leo"].org_id
        depts = {d.name: d.id for d in s.exec(select(Department)).all()}
        fire = Requirement(org_id=org_id, course_id=_course(s, org_id, "Fire safety").id, audience="everyone")
        gdpr = Requirement(org_id=org_id, course_id=_course(s, org_id, "GDPR basics").id, audience="user", audience_id=people["leo"].id)
        s.add_all([fire, gdpr])
        s.flush()
        by_dept: dict[str, list[int]] = {}
        learners = sorted((u for u in people.values() if u.email not in ("maya@example.com", "admin@example.com", "irene@example.com")),
                          key=lambda u: (u.email != "leo@example.com", u.id))
        for u in learners:
            if u.department_id is not None:
                by_dept.setdefault(next(n for n, i in depts.items() if i == u.department_id), []).append(u.id)
        # Maya manages Sales and a group that reaches into Field Operations: the people of Field
        # Operations used below are outside her team.
        team = teams.team_member_ids(s, people["maya"].id)
        sales, stores = by_dept["Sales"], by_dept["Retail Stores"]
        field = [u for u in by_dept["Field Operations"] if u not in team]
        _assign(s, fire, sales[0], due_in_days=-3)  # overdue
        _assign(s, fire, sales[1], due_in_days=5)  # due soon
        _assign(s, fire, sales[2], due_in_days=60, completed_days_ago=10, expires_in_days=20)  # compliant, expiring
        _assign(s, fire, stores[0], due_in_days=-1, exempt="On long-term leave")  # exempted (not overdue)
        _assign(s, fire, stores[1], due_in_days=60)  # not started, not due soon
        _assign(s, fire, field[0], due_in_days=-10)  # overdue, outside Maya's team
        _assign(s, fire, field[1], due_in_days=30, completed_days_ago=100, expires_in_days=300)  # compliant
        _assign(s, gdpr, sales[0], due_in_days=2, completed_days_ago=1)  # compliant, no expiry
        s.commit()
        return {"org": org_id, "fire": fire.id, "gdpr": gdpr.id, "sales": sales, "stores": stores, "field": field,
                "departments": depts, "people": people}


def test_the_report_counts_each_requirement_and_department(engine, world, actor_of):
    with Session(engine) as s:
        report = compliance_report.report(s, actor_of("admin@example.com"), now=NOW)
    fire = next(c for c in report.by_requirement if c.label == "Fire safety")
    assert (fire.assigned, fire.completed, fire.exempted, fire.overdue, fire.due_soon, fire.expiring, fire.not_started) == (7, 2, 1, 2, 1, 1, 2)
    assert fire.compliant == 3 and round(fire.rate) == 43
    gdpr = next(c for c in report.by_requirement if c.label == "GDPR basics")
    assert (gdpr.assigned, gdpr.compliant, gdpr.overdue) == (1, 1, 0)
    sales = next(c for c in report.by_department if c.label == "Sales")
    assert (sales.assigned, sales.overdue, sales.due_soon, sales.expiring, sales.compliant) == (4, 1, 1, 1, 2)
    field = next(c for c in report.by_department if c.label == "Field Operations")
    assert (field.assigned, field.overdue, field.compliant) == (2, 1, 1)
    assert report.total.assigned == 8 and report.total.overdue == 2
    # The people list puts the overdue first, the longest overdue at the top.
    assert [r.status for r in report.people[:2]] == ["overdue", "overdue"]
    assert report.people[0].user_id == world["field"][0]


def test_filters_narrow_the_people_and_the_figures(engine, world, actor_of):
    admin = actor_of("admin@example.com")
    with Session(engine) as s:
        expiring = compliance_report.report(s, admin, ReportFilters(status="expiring"), now=NOW)
        assert [r.user_id for r in expiring.people] == [world["sales"][2]]
        sales = compliance_report.report(s, admin, ReportFilters(department_id=world["departments"]["Sales"]), now=NOW)
        # Sales includes Retail Stores below it.
        assert {r.user_id for r in sales.people} == set(world["sales"][:3]) | set(world["stores"][:2])
        gdpr = compliance_report.report(s, admin, ReportFilters(requirement_id=world["gdpr"]), now=NOW)
        assert [c.label for c in gdpr.by_requirement] == ["GDPR basics"]


def test_a_manager_sees_only_their_team(engine, world, actor_of):
    maya = actor_of("maya@example.com")
    with Session(engine) as s:
        report = compliance_report.report(s, maya, now=NOW)
        seen = {r.user_id for r in report.people}
        assert world["field"][0] not in seen and world["sales"][0] in seen
        with pytest.raises(PermissionDenied):
            compliance_report.report(s, maya, ReportFilters(department_id=world["departments"]["Field Operations"]), now=NOW)
        with pytest.raises(PermissionDenied):
            compliance_report.report(s, actor_of("leo@example.com"), now=NOW)


def test_the_dashboards_show_overdue_due_soon_and_expiring(engine, world, actor_of):
    with Session(engine) as s:
        team = analytics_team.team_dashboard(s, actor_of("maya@example.com"))
        org = analytics_org.org_dashboard(s, actor_of("admin@example.com"), now=NOW)
    # Maya's team: Sales with Retail Stores below it; the Field Operations people are not hers.
    assert (team.required.assigned, team.required.overdue, team.required.due_soon, team.required.expiring) == (6, 1, 1, 1)
    assert (org.required.assigned, org.required.overdue, org.required.due_soon, org.required.expiring) == (8, 2, 1, 1)


def test_the_overview_recounts_when_a_status_can_change(engine, world, actor_of):
    admin = actor_of("admin@example.com")
    with Session(engine) as s:
        assert compliance_report.org_counts(s, world["org"], now=NOW).overdue == 2
        row = s.exec(select(RequirementAssignment).where(RequirementAssignment.user_id == world["sales"][0],
                                                         RequirementAssignment.requirement_id == world["fire"])).one()
        row.completed_at, row.satisfied_by = NOW, "course"
        s.add(row)
        s.commit()
        from lms_app import live
        # A score change cannot move a status: the cached count stays; a completion recounts.
        dashboard_cache.changed([live.Change(world["org"], world["sales"][0], None, "quiz_submitted")])
        assert compliance_report.org_counts(s, world["org"], now=NOW).overdue == 2
        dashboard_cache.changed([live.Change(world["org"], world["sales"][0], None, "course_completed")])
        assert compliance_report.org_counts(s, world["org"], now=NOW).overdue == 1
    assert admin.can("compliance.manage")


def test_exports_are_files_and_are_audited(engine, world, actor_of):
    admin = actor_of("admin@example.com")
    with Session(engine) as s:
        report = compliance_report.report(s, admin, now=NOW)
        table = compliance_report.counts_table("Compliance by department", "Department", report.by_department)
        content, filename, mime = compliance_report.export(s, admin, table, "pdf")
        assert mime == "application/pdf" and filename.startswith("compliance-by-department-") and filename.endswith(".pdf")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        assert "Compliance by department" in text and "Field Operations" in text and "Retail Stores" in text
        people = compliance_report.people_table(report.people, "Europe/Paris")
        csv_text, _, _ = compliance_report.export(s, admin, people, "csv")
        assert "Overdue" in csv_text and world["people"]["leo"].email in csv_text
        s.commit()
        audits = s.exec(select(AuditEvent).where(AuditEvent.action == "report.exported").order_by(AuditEvent.seq)).all()
        assert [(a.after["report"], a.after["format"]) for a in audits][-2:] == [("Compliance by department", "PDF"), ("Compliance: people", "CSV")]
        with pytest.raises(PermissionDenied):
            compliance_report.export(s, actor_of("leo@example.com"), table, "csv")


def test_my_learning_lists_required_training_overdue_first(engine, world, actor_of):
    with Session(engine) as s:
        items = learning.required_training(s, actor_of("leo@example.com"), now=NOW)
        fire_course = s.get(Requirement, world["fire"]).course_id
    assert [(i.title, i.status) for i in items] == [("Fire safety", "overdue"), ("GDPR basics", "completed")]
    assert items[0].due_on == (NOW - timedelta(days=3)).date()
    assert items[0].href == f"/learn/courses/{fire_course}"


def test_an_exemption_reaches_the_open_overview_at_once(engine, world, actor_of):
    with Session(engine) as s:
        assert compliance_report.org_counts(s, world["org"]).overdue == 2
        row = s.exec(select(RequirementAssignment).where(RequirementAssignment.user_id == world["field"][0],
                                                         RequirementAssignment.requirement_id == world["fire"])).one()
        requirements.exempt(s, actor_of("admin@example.com"), row.id, "Moved to an office job")
        s.commit()
        assert compliance_report.org_counts(s, world["org"]).overdue == 1
