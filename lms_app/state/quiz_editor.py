"""The quiz settings editor inside the course editor's lesson dialog: the questions (fixed ones
picked from the banks, random draws from a category) in order, and every other setting of
lms_app.assessments.quiz_settings.QuizSettings. Thin adapter: the quiz_staff service says
which questions and categories may be used, QuizSettings checks the whole, and
courses.update_lesson (instructors only) saves it.

The draft lives in this state until "Save quiz": a refused save shows QuizSettings' message
next to the form and keeps both what was typed and what was saved. Handlers that only edit
the draft change nothing else and need no check; those that read the banks or save do.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import reflex as rx
from sqlmodel import Session

from lms_app.assessments.quiz_settings import DEFAULT_REVIEW, GRADING_METHODS, MAX_DRAW, REVIEW_WHEN, QuizSettings
from lms_app.services import courses, question_bank, quiz_staff, timefmt
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor
from lms_app.state.authoring import CourseEditorState, _course_in_path, _num, _viewer_tz, teaching
from lms_app.state.base import ActorMixin

ALL = "all"  # the bank filter's "every category I may use"
TEXT_FIELDS = ("time_limit", "attempts", "grading_method", "passing", "opens_at", "closes_at",
               "review_score", "review_correct", "review_feedback", "draw_category", "draw_count")
FLAG_FIELDS = ("shuffle_questions", "shuffle_choices")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> reads and writes


@dataclasses.dataclass
class QuizItemView:
    index: int
    kind: str  # question | draw
    label: str
    type_label: str
    category: str
    points: str
    count: str  # a draw's number of questions
    available: int  # questions the draw's category holds
    problem: str
    first: bool
    last: bool


@dataclasses.dataclass
class BankItem:
    id: str
    title: str
    type_label: str
    points: str
    category: str
    in_quiz: bool


@dataclasses.dataclass
class CategoryChoice:
    id: str
    label: str
    count: int


def _pts(value: float) -> str:
    return f"{value:g} pt" if value == 1 else f"{value:g} pts"


def _points_range(low: float, high: float) -> str:
    return _pts(low) if abs(high - low) < 1e-9 else f"{low:g}–{high:g} pts"


def _local(value: Any, tz: str) -> str:
    """A stored UTC time as the instructor's local "YYYY-MM-DDTHH:MM" ("" for none)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(timefmt.zone(tz)).strftime(LOCAL_FORMAT)


def _utc(text: str, tz: str, what: str) -> str | None:
    """The instructor's local date and time as an ISO time with its zone (None when empty)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{what} is not a date and time.") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=timefmt.zone(tz))
    return local.isoformat()


def _whole_or_text(text: str) -> Any:
    """A typed number as an int, empty as None; anything else stays text for QuizSettings to refuse."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text


def _percent_or_text(text: str) -> Any:
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


class QuizEditorState(ActorMixin, rx.State):
    loaded: bool = False
    lesson_id: str = ""
    can_edit: bool = False
    error: str = ""  # QuizSettings' message about the last refused save
    dirty: bool = False
    tz: str = "UTC"
    tz_label: str = ""

    items: list[QuizItemView] = []
    shuffle_questions: bool = False
    shuffle_choices: bool = True
    time_limit: str = ""
    attempts: str = ""
    grading_method: str = "highest"
    passing: str = ""
    opens_at: str = ""
    closes_at: str = ""
    review_score: str = DEFAULT_REVIEW["score"]
    review_correct: str = DEFAULT_REVIEW["correct_answers"]
    review_feedback: str = DEFAULT_REVIEW["feedback"]

    # The banks, to pick from.
    categories: list[CategoryChoice] = []
    bank_category: str = ALL
    bank_search: str = ""
    bank_rows: list[BankItem] = []
    bank_total: int = 0
    draw_category: str = ""
    draw_count: str = "1"

    # The draft's items ({"question_id"} / {"category_id", "count"}) and what is shown of each,
    # kept on the server: the browser cannot slip a question of someone else's bank in.
    _items: list[dict] = []
    _details: list[dict] = []
    # The summary: how many questions an attempt gets and the points it is worth.
    question_count: int = 0
    points_label: str = "0 pts"


    # --- loading ----------------------------------------------------------------------------

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    def _quiz(self, session: Session, actor: Actor) -> quiz_staff.StaffQuiz:
        quiz = quiz_staff.staff_quiz(session, actor, _num(self.lesson_id))
        if quiz.course_id != self._course_id():
            raise NotFound("That quiz does not exist.")
        return quiz

    def _fill(self, session: Session, actor: Actor, quiz: quiz_staff.StaffQuiz) -> None:
        c = quiz.content
        self.tz = _viewer_tz(session, actor)
        self.tz_label = f"{self.tz.replace('_', ' ')} ({timefmt.utc_offset(self.tz)})"
        self._items = [dict(i) for i in c.get("questions", []) if isinstance(i, dict)]
        self.shuffle_questions = bool(c.get("shuffle_questions", False))
        self.shuffle_choices = bool(c.get("shuffle_choices", True))
        self.time_limit = str(c.get("time_limit_minutes") or "")
        self.attempts = str(c.get("attempts_allowed") or "")
        self.grading_method = str(c.get("grading_method") or "highest")
        passing = c.get("passing_percent")
        self.passing = f"{passing:g}" if isinstance(passing, (int, float)) else ""
        self.opens_at, self.closes_at = _local(c.get("opens_at"), self.tz), _local(c.get("closes_at"), self.tz)
        review = {**DEFAULT_REVIEW, **(c.get("review") or {})}
        self.review_score, self.review_correct, self.review_feedback = review["score"], review["correct_answers"], review["feedback"]
        self.can_edit, self.error, self.dirty = quiz.can_edit, "", False
        self._describe(session, actor)
        self.loaded = True

    def _describe(self, session: Session, actor: Actor) -> None:
        details = quiz_staff.item_details(session, actor, self._course_id(), self._items)
        self._details = [{"label": d.label, "type_label": d.type_label, "category": d.category, "min": d.points_min,
                          "max": d.points_max, "available": d.available, "problem": d.problem} for d in details]
        self._show_items()

    def _show_items(self) -> None:
        n = len(self._items)
        self.items = [
            QuizItemView(i, "question" if "question_id" in item else "draw", d["label"], d["type_label"], d["category"],
                         _points_range(d["min"], d["max"]), str(item.get("count", "")), d["available"], d["problem"], i == 0, i == n - 1)
            for i, (item, d) in enumerate(zip(self._items, self._details))
        ]
        self.question_count = sum(1 if "question_id" in item else _num(item.get("count")) for item in self._items)
        self.points_label = _points_range(sum(d["min"] for d in self._details), sum(d["max"] for d in self._details))
        self._mark_in_quiz()

    def _mark_in_quiz(self) -> None:
        chosen = {str(i["question_id"]) for i in self._items if "question_id" in i}
        self.bank_rows = [dataclasses.replace(r, in_quiz=r.id in chosen) for r in self.bank_rows]

    def _bank(self, session: Session, actor: Actor) -> None:
        found = quiz_staff.bank_questions(session, actor, self._course_id(), search=self.bank_search,
                                          category_id=None if self.bank_category == ALL else _num(self.bank_category))
        rows, self.bank_total = found
        self.bank_rows = [BankItem(str(r.id), r.title, r.type_label, _pts(r.points), r.category, False) for r in rows]
        self._mark_in_quiz()

    def _categories(self, session: Session, actor: Actor) -> None:
        found = question_bank.categories(session, actor, self._course_id())
        self.categories = [CategoryChoice(str(c.id), c.path + (" (my bank)" if c.course_id is None else ""), c.questions) for c in found]
        if self.bank_category != ALL and self.bank_category not in {c.id for c in self.categories}:
            self.bank_category = ALL
        if self.draw_category not in {c.id for c in self.categories}:
            self.draw_category = self.categories[0].id if self.categories else ""

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor, lesson_id: str):
        """The quiz of the lesson open in the course editor (called when its editor appears)."""
        self.loaded, self.lesson_id, self.bank_search, self.bank_category = False, str(lesson_id), "", ALL
        quiz = self._quiz(session, actor)
        self._categories(session, actor)
        self._bank(session, actor)
        self._fill(session, actor, quiz)

    @rx.event
    @teaching
    def discard(self, session: Session, actor: Actor):
        """Back to what is saved."""
        self._fill(session, actor, self._quiz(session, actor))

    # --- the draft --------------------------------------------------------------------------

    @rx.event
    def set_field(self, name: str, value: Any):
        """A settings field typed or chosen in the form (only these fields; checked on save)."""
        if name in FLAG_FIELDS:
            setattr(self, name, bool(value))
        elif name in TEXT_FIELDS:
            text = str(value if value is not None else "")[:64]
            if name == "grading_method" and text not in GRADING_METHODS:
                return
            if name.startswith("review_") and text not in REVIEW_WHEN:
                return
            setattr(self, name, text)
        else:
            return
        if not name.startswith("draw_"):
            self.dirty = True

    @rx.event
    def move_item(self, index: int, direction: str):
        to = index + (-1 if direction == "up" else 1)
        if not (isinstance(index, int) and 0 <= index < len(self._items) and 0 <= to < len(self._items)):
            return
        for seq in (self._items, self._details):
            seq[index], seq[to] = seq[to], seq[index]
        self.dirty = True
        self._show_items()

    @rx.event
    def remove_item(self, index: int):
        if not (isinstance(index, int) and 0 <= index < len(self._items)):
            return
        del self._items[index]
        del self._details[index]
        self.dirty = True
        self._show_items()

    @rx.event
    @teaching
    def set_item_count(self, session: Session, actor: Actor, index: int, value: str):
        """How many questions a random draw takes."""
        if not (isinstance(index, int) and 0 <= index < len(self._items)) or "count" not in self._items[index]:
            return
        count = _whole_or_text(str(value))
        self._items[index]["count"] = count if isinstance(count, int) else 0
        self.dirty = True
        self._describe(session, actor)

    @rx.event
    @teaching
    def add_question(self, session: Session, actor: Actor, question_id: str):
        item = quiz_staff.check_item(session, actor, self._course_id(), {"question_id": _num(question_id)})
        if any(i.get("question_id") == item["question_id"] for i in self._items):
            return rx.toast.info("That question is already in the quiz.")
        self._items.append(item)
        self.dirty = True
        self._describe(session, actor)

    @rx.event
    @teaching
    def add_draw(self, session: Session, actor: Actor):
        """A random draw: N questions from the chosen category, new ones each attempt."""
        count = _whole_or_text(self.draw_count)
        if not isinstance(count, int) or not 1 <= count <= MAX_DRAW:
            raise Invalid(f"Draw between 1 and {MAX_DRAW} questions.")
        item = quiz_staff.check_item(session, actor, self._course_id(), {"category_id": _num(self.draw_category), "count": count})
        self._items.append(item)
        self.dirty = True
        self._describe(session, actor)

    @rx.event
    @teaching
    def pick_bank_category(self, session: Session, actor: Actor, value: str):
        self.bank_category = str(value)
        self._bank(session, actor)

    @rx.event
    @teaching
    def search_bank(self, session: Session, actor: Actor, value: str):
        self.bank_search = str(value)[:100]
        self._bank(session, actor)

    # --- saving -----------------------------------------------------------------------------

    def _content(self) -> dict[str, Any]:
        return {
            "questions": [dict(i) for i in self._items],
            "shuffle_questions": self.shuffle_questions,
            "shuffle_choices": self.shuffle_choices,
            "time_limit_minutes": _whole_or_text(self.time_limit),
            "attempts_allowed": _whole_or_text(self.attempts),
            "grading_method": self.grading_method,
            "passing_percent": _percent_or_text(self.passing),
            "opens_at": _utc(self.opens_at, self.tz, "The opening time"),
            "closes_at": _utc(self.closes_at, self.tz, "The closing time"),
            "review": {"score": self.review_score, "correct_answers": self.review_correct, "feedback": self.review_feedback},
        }

    @rx.event
    @teaching
    def save(self, session: Session, actor: Actor):
        """Check the whole quiz and save it; a refusal says what to fix and saves nothing."""
        quiz = self._quiz(session, actor)
        try:
            content = QuizSettings.from_content(self._content()).to_content()
        except Invalid as exc:
            self.error = exc.message
            return rx.toast.error("The quiz was not saved: " + exc.message)
        courses.update_lesson(session, actor, quiz.lesson_id, content=content)
        self.error, self.dirty = "", False
        self._describe(session, actor)
        return [CourseEditorState.open_lesson(self.lesson_id), rx.toast.success("Quiz saved.")]
