"""The LMS's own learning events as xAPI statements in its LRS, so that outside tools read all
learning from one standard stream (the dashboards keep reading the LMS's own tables).

Vocabulary: ADL verbs, as cmi5 uses them (launched, initialized, completed, passed, failed,
answered, terminated; registered for an enrollment). Learners are identified by an account on
this site (never their email address); courses and lessons by addresses on this site.
Statements are written in the transaction of the event: they exist exactly when it does.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Course, Lesson, LrsClient, User
from lms_app.models.base import utcnow
from lms_app.services import xapi_statements
from lms_app.services.errors import DomainError

log = logging.getLogger(__name__)

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: {"id": ADL + name, "display": {"en-US": name}}
         for name in ("launched", "initialized", "completed", "passed", "failed", "answered", "terminated", "registered")}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
# The activity kinds of the LMS's own events that become statements, and their verbs.
EVENT_VERBS = {"enrolled": "registered", "lesson_opened": "launched", "lesson_completed": "completed", "course_completed": "completed"}


def authority() -> dict[str, Any]:
    """Who vouches for the LMS's own statements: the site itself."""
    return {"objectType": "Agent", "name": "LMS", "account": {"homePage": settings.PUBLIC_URL, "name": "lms"}}


LMS_CLIENT_PREFIX = "lms-"


def lms_client(session: Session, org_id: int) -> LrsClient:
    """The organization's own client: the one the LMS stores its statements as. It has no
    secret (no one can sign in with it) and is not listed among the admins' clients."""
    key = f"{LMS_CLIENT_PREFIX}{org_id}"
    client = session.exec(select(LrsClient).where(LrsClient.key == key)).first()
    if client is None:
        client = LrsClient(org_id=org_id, name="This LMS", key=key, secret_hash="", scopes=["statements/write"], authority=authority())
        session.add(client)
        session.flush()
    return client


def emit(session: Session, org_id: int, statements: list[dict[str, Any]]) -> None:
    """Store the LMS's own statements in its LRS, in the caller's transaction. A statement the
    LRS refuses is logged and left out: the learning event it stands for is kept all the same."""
    if not statements:
        return
    try:
        with session.begin_nested():
            xapi_statements.store(session, lms_client(session, org_id), statements)
    except DomainError:
        log.exception("the LRS refused the LMS's own statements; the event is kept without them")


def learner_key(user: User) -> str:
    """The actor key (services/xapi_validation.agent_key) of the LMS's statements about this learner."""
    return f"account:{settings.PUBLIC_URL}|{user.id}"


def learner(user: User) -> dict[str, Any]:
    # The account on this site only: no name or address, so nothing here outlives an anonymization.
    return {"objectType": "Agent", "account": {"homePage": settings.PUBLIC_URL, "name": str(user.id)}}


def course_activity(course: Course) -> dict[str, Any]:
    return {"objectType": "Activity", "id": f"{settings.PUBLIC_URL}/courses/{course.id}",
            "definition": {"name": {"en-US": course.title}, "type": COURSE_TYPE}}


def lesson_activity(lesson: Lesson) -> dict[str, Any]:
    kind = ASSESSMENT_TYPE if lesson.kind in ("quiz", "assignment") else LESSON_TYPE
    return {"objectType": "Activity", "id": f"{settings.PUBLIC_URL}/courses/{lesson.course_id}/lessons/{lesson.id}",
            "definition": {"name": {"en-US": lesson.title}, "type": kind}}


def _statement(actor: dict, verb: str, obj: dict, at: datetime, *, parent: dict | None = None, result: dict | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"actor": actor, "verb": VERBS[verb], "object": obj, "timestamp": at.isoformat().replace("+00:00", "Z")}
    if parent is not None:
        statement["context"] = {"contextActivities": {"parent": [{"id": parent["id"], "objectType": "Activity"}]}, "platform": "LMS"}
    if result:
        statement["result"] = result
    return statement


def for_event(session: Session, *, user_id: int, kind: str, course_id: int | None, lesson_id: int | None, score: float | None,
              passed: bool | None, at: datetime | None) -> list[dict[str, Any]]:
    """The statements one of the LMS's activity events stands for ([] for those that stand for none:
    sign-ins, hand-ins)."""
    at = at or utcnow()
    user = session.get(User, user_id)
    course = session.get(Course, course_id) if course_id else None
    lesson = session.get(Lesson, lesson_id) if lesson_id else None
    if user is None or course is None:
        return []
    if kind == "quiz_submitted" and lesson is not None:
        verb = "passed" if passed is True else "failed" if passed is False else "completed"
        result: dict[str, Any] = {"completion": True}
        if score is not None:
            result["score"] = {"scaled": round(max(-1.0, min(1.0, score / 100)), 4)}
        if passed is not None:
            result["success"] = passed
        return [_statement(learner(user), verb, lesson_activity(lesson), at, parent=course_activity(course), result=result)]
    verb = EVENT_VERBS.get(kind)
    if verb is None:
        return []
    if kind in ("enrolled", "course_completed"):
        return [_statement(learner(user), verb, course_activity(course), at, result={"completion": True} if verb == "completed" else None)]
    if lesson is None:
        return []
    return [_statement(learner(user), verb, lesson_activity(lesson), at, parent=course_activity(course),
                       result={"completion": True} if verb == "completed" else None)]


def for_scorm_launch(session: Session, *, user_id: int, lesson: Lesson, at: datetime | None = None) -> list[dict[str, Any]]:
    """A SCORM session starting (a launch with credit): the package initialized."""
    user = session.get(User, user_id)
    course = session.get(Course, lesson.course_id)
    if user is None or course is None:
        return []
    return [_statement(learner(user), "initialized", lesson_activity(lesson), at or utcnow(), parent=course_activity(course))]


def for_scorm_session(session: Session, *, user_id: int, lesson: Lesson, interactions: list[dict[str, str]], completed: bool,
                      passed: bool | None, score_scaled: float | None, seconds: float, at: datetime | None = None) -> list[dict[str, Any]]:
    """What a finished SCORM session stands for: each interaction answered (with the response
    and whether it was correct), the package passed / failed / completed when it says so, and
    the session terminated with its duration."""
    at = at or utcnow()
    user = session.get(User, user_id)
    course = session.get(Course, lesson.course_id)
    if user is None or course is None:
        return []
    me, package = learner(user), lesson_activity(lesson)
    out = []
    for interaction in interactions:
        if not interaction.get("id"):
            continue
        result: dict[str, Any] = {}
        if interaction.get("learner_response"):
            result["response"] = str(interaction["learner_response"])[:4000]
        if interaction.get("result") in ("correct", "incorrect"):
            result["success"] = interaction["result"] == "correct"
        obj = {"objectType": "Activity", "id": f"{package['id']}/interactions/{_iri_part(interaction['id'])}",
               "definition": {"type": INTERACTION_TYPE}}
        out.append(_statement(me, "answered", obj, at, parent=package, result=result or None))
    if completed or passed is not None:
        verb = "passed" if passed is True else "failed" if passed is False else "completed"
        result = {"completion": completed}
        if passed is not None:
            result["success"] = passed
        if score_scaled is not None:
            result["score"] = {"scaled": round(max(-1.0, min(1.0, score_scaled)), 4)}
        out.append(_statement(me, verb, package, at, parent=course_activity(course), result=result))
    out.append(_statement(me, "terminated", package, at, parent=course_activity(course), result={"duration": _duration(seconds)}))
    return out


def _iri_part(text: str) -> str:
    return quote(str(text), safe="")


def _duration(seconds: float) -> str:
    whole = max(0.0, round(seconds, 2))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{secs:.2f}S"
