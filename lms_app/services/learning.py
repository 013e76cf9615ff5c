"""The learner's own view: where they belong (later: enrollments, progress, certificates)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from lms_app.models import Department, Group, GroupMember, User
from lms_app.services.permissions import Actor, require


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
