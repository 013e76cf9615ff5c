"""The learner's own view: where they belong and the training they must do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from lms_app.models import Department, Group, GroupMember, Requirement, User, utcnow
from lms_app.services import requirements
from lms_app.services.catalog import player_href
from lms_app.services.permissions import Actor, require

# Overdue first, then what is due soonest; done and exempted last.
_STATUS_ORDER = {"overdue": 0, "in_progress": 1, "not_started": 1, "completed": 2, "exempted": 3}


@dataclass
class LearnerHome:
    first_name: str
    department: str
    groups: list[str]


def learner_home(session: Session, actor: Actor) -> LearnerHome:
    require(actor, "learning.view")
    user = session.get(User, actor.user_id)
    dept = session.get(Department, user.department_id) if user.department_id else None
    groups = session.exec(
        select(Group.name).join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == actor.user_id).order_by(Group.name)
    ).all()
    return LearnerHome(user.name.split()[0] if user.name else "", dept.name if dept else "", list(groups))


@dataclass(frozen=True)
class RequiredItem:
    """One piece of required training as its learner sees it."""

    title: str
    status: str
    due_on: date
    completed_at: datetime | None
    expires_at: datetime | None
    href: str


def required_training(session: Session, actor: Actor, *, now: datetime | None = None) -> list[RequiredItem]:
    """The learner's own current requirements, overdue first, then by due date."""
    require(actor, "learning.view")
    rows = requirements.assignment_rows(session, actor.org_id, user_ids=[actor.user_id], now=now or utcnow())
    targets = {rid: (course_id, path_id) for rid, course_id, path_id in session.exec(
        select(Requirement.id, Requirement.course_id, Requirement.path_id).where(Requirement.id.in_({row.requirement_id for row in rows} or {0}))).all()}
    items = []
    for row in rows:
        course_id, path_id = targets.get(row.requirement_id, (None, None))
        href = player_href(course_id) if course_id else "/learn/paths"
        items.append(RequiredItem(row.requirement_title, row.status, row.due_on, row.completed_at, row.expires_at, href))
    return sorted(items, key=lambda i: (_STATUS_ORDER[i.status], i.due_on, i.title.lower()))
