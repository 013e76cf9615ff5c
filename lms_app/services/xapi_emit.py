"""The LMS's own learning events as xAPI statements in its LRS, so that outside tools read all
learning from one standard stream (the dashboards keep reading the LMS's own tables).

Vocabulary: ADL verbs, as cmi5 uses them (launched, initialized, completed, passed, failed,
answered, terminated; registered for an enrollment). Learners are identified by an account on
this site (never their email address); courses and lessons by addresses on this site.
Statements are written in the transaction of the event: they exist exactly when it does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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


# The xAPI interaction type of each question type (1.0.3 Data 2.4.4.1, 2.0.0 Data 4.2.2.3).
QUESTION_INTERACTIONS = {
    "single": "choice", "multiple": "choice", "true_false": "true-false", "short_answer": "fill-in", "numeric": "numeric",
    "matching": "matching", "ordering": "sequencing", "fill_blanks": "fill-in", "essay": "long-fill-in", "file_upload": "other",
}
MAX_TEXT = 4000  # of a question's text or a learner's response in a statement


@dataclass(frozen=True)
class AnsweredQuestion:
    """One question of a submitted attempt: as the attempt keeps it, with the learner's response
    and, once graded, the fraction and points earned (None while a person has to grade it)."""

    position: int
    bank_question_id: int | None
    question: dict[str, Any]
    response: Any
    fraction: float | None
    points: float | None


def for_quiz_answers(session: Session, *, user_id: int, lesson: Lesson, questions: list[AnsweredQuestion],
                     at: datetime | None = None) -> list[dict[str, Any]]:
    """What a submitted quiz attempt's questions stand for: one "answered" statement per question,
    its object the question as a cmi.interaction activity (interaction type, choices and the right
    response where the question has them), its result the learner's response in the
    interaction's response format, and, once graded, success and the score. A question is named
    by its id in the question bank, or by its place in the quiz once the bank lost it."""
    at = at or utcnow()
    user = session.get(User, user_id)
    course = session.get(Course, lesson.course_id)
    if user is None or course is None:
        return []
    me, quiz = learner(user), lesson_activity(lesson)
    out = []
    for item in questions:
        question, fraction = item.question, item.fraction
        kind = str(question.get("type", ""))
        interaction = QUESTION_INTERACTIONS.get(kind, "other")
        name = str(question.get("title") or f"Question {item.position}")[:MAX_TEXT]
        definition: dict[str, Any] = {"name": {"en-US": name}, "type": INTERACTION_TYPE, "interactionType": interaction}
        if str(question.get("text") or "").strip():
            definition["description"] = {"en-US": str(question["text"])[:MAX_TEXT]}
        definition.update(_components(kind, question))
        identity = f"questions/{item.bank_question_id}" if item.bank_question_id is not None else f"positions/{item.position}"
        obj = {"objectType": "Activity", "id": f"{quiz['id']}/{identity}", "definition": definition}
        result: dict[str, Any] = {}
        said = _response(kind, question, item.response)
        if said is not None:
            result["response"] = said[:MAX_TEXT]
        if fraction is not None:
            result["success"] = fraction >= 1.0 - 1e-9
            most = float(question.get("points") or 0)
            if most > 0:
                raw = max(0.0, min(most, float(item.points or 0.0)))
                result["score"] = {"scaled": round(max(0.0, min(1.0, fraction)), 4), "raw": raw, "min": 0, "max": most}
        statement = _statement(me, "answered", obj, at, parent=quiz, result=result or None)
        statement["context"]["contextActivities"]["grouping"] = [{"id": course_activity(course)["id"], "objectType": "Activity"}]
        out.append(statement)
    return out


def _texts(items: Any, field: str | None = None) -> list[str]:
    """The texts of a stored list of options (dicts with `field`, or plain strings)."""
    if not isinstance(items, list):
        return []
    return [str(item.get(field, "") if field and isinstance(item, dict) else item)[:MAX_TEXT] for item in items]


def _component_list(texts: list[str], prefix: str = "") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{index}", "description": {"en-US": text}} for index, text in enumerate(texts)]


def _components(kind: str, question: dict[str, Any]) -> dict[str, Any]:
    """The interaction components and the right response (xAPI's pattern syntax), where a question
    type has them: the component ids are the options' indexes in the question, the same indexes
    the LMS keeps a response in. Text answers (wildcards, tolerances) have no pattern."""
    if kind in ("single", "multiple"):
        choices = question.get("choices") if isinstance(question.get("choices"), list) else []
        right = [str(i) for i, c in enumerate(choices) if isinstance(c, dict) and float(c.get("fraction") or 0) > (1.0 - 1e-9 if kind == "single" else 0)]
        found = {"choices": _component_list(_texts(choices, "text"))}
        if right:
            found["correctResponsesPattern"] = [right[0]] if kind == "single" else ["[,]".join(right)]
        return found
    if kind == "true_false":
        return {"correctResponsesPattern": ["true" if question.get("correct", True) else "false"]}
    if kind == "ordering":
        items = _texts(question.get("items"))
        return {"choices": _component_list(items), "correctResponsesPattern": ["[,]".join(str(i) for i in range(len(items)))]}
    if kind == "matching":
        pairs = question.get("pairs") if isinstance(question.get("pairs"), list) else []
        return {"source": _component_list(_texts(pairs, "prompt")), "target": _component_list(_texts(pairs, "answer")),
                "correctResponsesPattern": ["[,]".join(f"{i}[.]{i}" for i in range(len(pairs)))]}
    return {}


def _index(value: Any, count: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count else None


def _response(kind: str, question: dict[str, Any], response: Any) -> str | None:
    """The learner's response in the interaction's format (None: nothing given, or a file, which
    stays in the LMS)."""
    if response is None or kind == "file_upload":
        return None
    count = len(question.get("choices") or question.get("items") or question.get("pairs") or [])
    if kind == "single":
        index = _index(response, count)
        return None if index is None else str(index)
    if kind in ("multiple", "ordering"):
        indexes = [_index(item, count) for item in response] if isinstance(response, list) else []
        return "[,]".join(str(i) for i in indexes if i is not None) or None
    if kind == "true_false":
        return ("true" if response else "false") if isinstance(response, bool) else None
    if kind == "matching":
        chosen = [(prompt, _index(answer, count)) for prompt, answer in enumerate(response)] if isinstance(response, list) else []
        return "[,]".join(f"{prompt}[.]{answer}" for prompt, answer in chosen if answer is not None) or None
    if kind == "fill_blanks":
        return "[,]".join(str(item or "") for item in response) if isinstance(response, list) else None
    text = response.strip() if isinstance(response, str) else ""
    return text or None


def _iri_part(text: str) -> str:
    return quote(str(text), safe="")


def _duration(seconds: float) -> str:
    whole = max(0.0, round(seconds, 2))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{secs:.2f}S"
