"""The question editor on the bank page: write or change one question of any type, preview it as
a learner sees it and check an answer. Thin adapter over the question bank service (which
validates and decides who may) and the pure grading rules.

The question being edited lives on the server (`_draft`, a `Question` as a dict whose numbers
are kept as typed until saved, so nothing typed is lost to a refusal); the browser only gets
the form's fields back. Form and preview handlers change nothing but this draft and the
caller's own view, so they need no check; opening, saving and checking do.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import reflex as rx
from sqlmodel import Session

from lms_app.assessments import grading
from lms_app.assessments.questions import (BLANK, PARTIAL_CREDIT_RULES, QUESTION_TYPES, TYPE_LABELS, Blank, Choice, NumericAnswer,
                                           Pair, Question, TextAnswer, Unit)
from lms_app.assessments.shown import ShownAnswer, ShownOption, ShownQuestion, points_label, response_of, show
from lms_app.services import grading as grading_service
from lms_app.services import question_bank
from lms_app.services.errors import Invalid, PermissionDenied
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, teaching
from lms_app.state.base import ActorMixin
from lms_app.state.question_bank import QuestionBankState

MAX_FIELD = 20_000
MAX_ROWS = 50
# Fields of the draft the form may set, and how a value from the browser is read.
TEXT_FIELDS = ("title", "text", "points", "general_feedback", "tags", "feedback_true", "feedback_false", "answer_template", "accepted_files")
FLAG_FIELDS = ("shuffle_choices", "case_sensitive", "unit_required")
# The draft's lists: each row's fields (None: a row is plain text) and a fresh row.
ROWS: dict[str, tuple[tuple[str, ...] | None, Any]] = {
    "choices": (("text", "fraction", "feedback"), lambda: {"text": "", "fraction": "0", "feedback": ""}),
    "answers": (("text", "fraction", "feedback"), lambda: {"text": "", "fraction": "100", "feedback": ""}),
    "numeric_answers": (("value", "tolerance", "fraction", "feedback"), lambda: {"value": "", "tolerance": "0", "fraction": "100", "feedback": ""}),
    "units": (("name", "multiplier"), lambda: {"name": "", "multiplier": "1"}),
    "pairs": (("prompt", "answer"), lambda: {"prompt": "", "answer": ""}),
    "items": (None, lambda: ""),
    "blanks": (("answers",), lambda: {"answers": "", "kept": []}),
}
# How many rows a new question of each type starts with.
STARTING_ROWS = {"single": {"choices": 2}, "multiple": {"choices": 3}, "short_answer": {"answers": 1}, "numeric": {"numeric_answers": 1},
                 "matching": {"pairs": 3}, "ordering": {"items": 3}, "fill_blanks": {"blanks": 1}}
PARTIAL_CREDIT_LABELS = {
    "weights": "Each ticked choice adds its share (wrong ones take off)",
    "all_or_nothing": "All or nothing: exactly the right choices",
    "right_minus_wrong": "Right ticked minus wrong ticked",
}
_MARKER = re.compile(re.escape(BLANK).replace(re.escape("{n}"), r"(\d+)"))


@dataclasses.dataclass
class ChoiceRow:
    text: str = ""
    fraction: str = ""  # a percentage, as typed
    feedback: str = ""


@dataclasses.dataclass
class NumericRow:
    value: str = ""
    tolerance: str = ""
    fraction: str = ""
    feedback: str = ""


@dataclasses.dataclass
class UnitRow:
    name: str = ""
    multiplier: str = ""


@dataclasses.dataclass
class PairRow:
    prompt: str = ""
    answer: str = ""


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4f}".rstrip("0").rstrip(".")


def _plain(value: float) -> str:
    return f"{value:.10g}"


def _read_number(value: Any, what: str, lenient: bool = False) -> float:
    text = str(value if value is not None else "").strip().replace(",", ".").rstrip("%").strip()
    try:
        return float(text)
    except ValueError:
        if lenient:  # the preview of a half-written question: a number not typed yet counts as 0
            return 0.0
        raise Invalid(f"{what} must be a number.") from None


def _draft_of(q: Question) -> dict:
    """The form's draft of a question: numbers as text, fractions as percentages."""
    return {
        "type": q.type, "title": q.title, "text": q.text, "points": _plain(float(q.points)), "general_feedback": q.general_feedback,
        "tags": ", ".join(q.tags), "shuffle_choices": bool(q.shuffle_choices), "partial_credit": q.partial_credit,
        "correct": bool(q.correct), "feedback_true": q.feedback_true, "feedback_false": q.feedback_false,
        "case_sensitive": bool(q.case_sensitive), "unit_required": bool(q.unit_required),
        "answer_template": q.answer_template, "accepted_files": q.accepted_files,
        "choices": [{"text": c.text, "fraction": _percent(c.fraction), "feedback": c.feedback} for c in q.choices],
        "answers": [{"text": a.text, "fraction": _percent(a.fraction), "feedback": a.feedback} for a in q.answers],
        "numeric_answers": [{"value": _plain(a.value), "tolerance": _plain(a.tolerance), "fraction": _percent(a.fraction), "feedback": a.feedback}
                            for a in q.numeric_answers],
        "units": [{"name": u.name, "multiplier": _plain(u.multiplier)} for u in q.units],
        "pairs": [{"prompt": p.prompt, "answer": p.answer} for p in q.pairs],
        "items": list(q.items),
        # A blank's accepted answers are edited as "a | b"; the fractions and feedback of those
        # kept as they were are not lost.
        "blanks": [{"answers": " | ".join(a.text for a in b.answers), "kept": [dataclasses.asdict(a) for a in b.answers]} for b in q.blanks],
    }


def _question_of(d: dict, lenient: bool = False) -> Question:
    """The draft as a `Question`; a number that does not read as one is refused by name (or,
    `lenient`, read as 0)."""
    q = Question(type=d["type"], title=d["title"], text=d["text"], points=_read_number(d["points"], "The points", lenient),
                 general_feedback=d["general_feedback"], tags=[t for t in d["tags"].split(",") if t.strip()],
                 shuffle_choices=d["shuffle_choices"], partial_credit=d["partial_credit"], correct=d["correct"],
                 feedback_true=d["feedback_true"], feedback_false=d["feedback_false"], case_sensitive=d["case_sensitive"],
                 unit_required=d["unit_required"], answer_template=d["answer_template"], accepted_files=d["accepted_files"],
                 items=list(d["items"]))
    q.choices = [Choice(c["text"], _read_number(c["fraction"], f"The share of choice {i}", lenient) / 100, c["feedback"]) for i, c in enumerate(d["choices"], 1)]
    q.answers = [TextAnswer(a["text"], _read_number(a["fraction"], f"The share of answer {i}", lenient) / 100, a["feedback"]) for i, a in enumerate(d["answers"], 1)]
    q.numeric_answers = [NumericAnswer(_read_number(a["value"], f"Answer {i}", lenient), _read_number(a["tolerance"] or "0", f"The tolerance of answer {i}", lenient),
                                       _read_number(a["fraction"], f"The share of answer {i}", lenient) / 100, a["feedback"])
                         for i, a in enumerate(d["numeric_answers"], 1)]
    q.units = [Unit(u["name"], _read_number(u["multiplier"], f"The multiplier of unit {i}", lenient)) for i, u in enumerate(d["units"], 1)]
    q.pairs = [Pair(p["prompt"], p["answer"]) for p in d["pairs"]]
    blanks = []
    for b in d["blanks"]:
        kept = {a["text"]: a for a in b.get("kept", [])}
        texts = [t.strip() for t in b["answers"].split("|") if t.strip()]
        blanks.append(Blank([TextAnswer(**kept[t]) if t in kept else TextAnswer(t) for t in texts]))
    q.blanks = blanks
    return q


def _renumber_blanks(text: str, removed: int) -> str:
    """The text without blank `removed`'s marker, later blanks moved down by one."""
    def swap(m: re.Match) -> str:
        n = int(m.group(1))
        if n == removed:
            return ""
        return BLANK.format(n=n - 1) if n > removed else m.group(0)
    return _MARKER.sub(swap, text)


class QuestionEditorState(ActorMixin, rx.State):
    editor_open: bool = False
    tab: str = "edit"  # "edit" or "preview"
    question_id: str = ""  # "" while the question is new
    category: str = ""
    kind: str = ""
    kind_label: str = ""
    error: str = ""
    # The form (a copy of the draft's fields)
    title: str = ""
    text: str = ""
    points: str = ""
    general_feedback: str = ""
    tags: str = ""
    shuffle_choices: bool = True
    partial_credit: str = "weights"
    correct: str = "true"
    feedback_true: str = ""
    feedback_false: str = ""
    case_sensitive: bool = False
    unit_required: bool = False
    answer_template: str = ""
    accepted_files: str = ""
    choices: list[ChoiceRow] = []
    answers: list[ChoiceRow] = []
    numeric_answers: list[NumericRow] = []
    units: list[UnitRow] = []
    pairs: list[PairRow] = []
    items: list[str] = []
    blanks: list[str] = []
    # The preview
    shown: ShownQuestion = ShownQuestion()
    answer: ShownAnswer = ShownAnswer()
    checked: bool = False
    result_label: str = ""
    result_score: str = ""
    result_tone: str = "gray"
    result_feedback: list[str] = []
    preview_problem: str = ""
    _draft: dict = {}
    _seed: int = 0
    # After saving a question that submitted attempts used: offer to re-score them (grading).
    regrade_open: bool = False
    regrade_count: int = 0
    regrade_summary: str = ""

    # --- the draft and the form -----------------------------------------------------------------

    def _sync(self) -> None:
        d = self._draft
        if not d:
            return
        for name in (*TEXT_FIELDS, *FLAG_FIELDS, "partial_credit"):
            setattr(self, name, d[name])
        self.correct = "true" if d["correct"] else "false"
        self.choices = [ChoiceRow(c["text"], c["fraction"], c["feedback"]) for c in d["choices"]]
        self.answers = [ChoiceRow(a["text"], a["fraction"], a["feedback"]) for a in d["answers"]]
        self.numeric_answers = [NumericRow(a["value"], a["tolerance"], a["fraction"], a["feedback"]) for a in d["numeric_answers"]]
        self.units = [UnitRow(u["name"], u["multiplier"]) for u in d["units"]]
        self.pairs = [PairRow(p["prompt"], p["answer"]) for p in d["pairs"]]
        self.items = list(d["items"])
        self.blanks = [b["answers"] for b in d["blanks"]]

    def _start(self, q: Question, question_id: str, category: str) -> None:
        self._draft = _draft_of(q)
        self.question_id, self.category, self.kind, self.kind_label = question_id, category, q.type, TYPE_LABELS[q.type]
        self.editor_open, self.tab, self.error, self.preview_problem = True, "edit", "", ""
        self._seed = 0
        self._sync()
        self._reset_preview()

    def _changed(self) -> None:
        self.error = ""
        self._sync()

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = bool(value)

    @rx.event
    def set_field(self, name: str, value: Any):
        if not self._draft:
            return
        if name in TEXT_FIELDS:
            self._draft[name] = str(value if value is not None else "")[:MAX_FIELD]
        elif name in FLAG_FIELDS:
            self._draft[name] = bool(value)
        elif name == "correct":
            self._draft["correct"] = str(value) == "true"
        elif name == "partial_credit" and value in PARTIAL_CREDIT_RULES:
            self._draft["partial_credit"] = value
        else:
            return
        self._changed()

    @rx.event
    def set_row(self, list_name: str, index: int, field: str, value: Any):
        rows = self._rows(list_name)
        fields = ROWS.get(list_name, (None, None))[0]
        if rows is None or not isinstance(index, int) or not 0 <= index < len(rows):
            return
        text = str(value if value is not None else "")[:MAX_FIELD]
        if fields is None:
            rows[index] = text
        elif field in fields:
            rows[index][field] = text
        else:
            return
        self._changed()

    @rx.event
    def add_row(self, list_name: str):
        rows = self._rows(list_name)
        if rows is None or len(rows) >= MAX_ROWS:
            return
        rows.append(ROWS[list_name][1]())
        if list_name == "blanks":
            # A new blank goes where the text ends; the instructor moves its marker.
            self._draft["text"] = self._draft["text"].rstrip() + " " + BLANK.format(n=len(rows))
        self._changed()

    @rx.event
    def remove_row(self, list_name: str, index: int):
        rows = self._rows(list_name)
        if rows is None or not isinstance(index, int) or not 0 <= index < len(rows):
            return
        rows.pop(index)
        if list_name == "blanks":
            self._draft["text"] = _renumber_blanks(self._draft["text"], index + 1)
        self._changed()

    @rx.event
    def move_row(self, list_name: str, index: int, delta: int):
        rows = self._rows(list_name)
        if rows is None or not isinstance(index, int) or delta not in (-1, 1) or not 0 <= index < len(rows) or not 0 <= index + delta < len(rows):
            return
        rows[index], rows[index + delta] = rows[index + delta], rows[index]
        self._changed()

    def _rows(self, list_name: str) -> list | None:
        return self._draft.get(list_name) if self._draft and list_name in ROWS else None

    # --- opening and saving (checked) ---------------------------------------------------------

    @rx.event
    @teaching
    def open_new(self, session: Session, actor: Actor, kind: str, category_id: str):
        """A blank question of `kind` for a category the actor may change."""
        if kind not in QUESTION_TYPES:
            return rx.toast.error("Choose a question type.")
        found = {str(c.id): c for c in question_bank.categories(session, actor, _course_in_path(self.router.url.path))}
        if str(category_id) not in found or not found[str(category_id)].can_change:
            raise PermissionDenied("You do not have permission to do that.")
        q = Question(kind, "", "")
        if kind == "fill_blanks":
            q.text = BLANK.format(n=1)
        self._start(q, "", str(category_id))
        for name, count in STARTING_ROWS.get(kind, {}).items():
            self._draft[name] = [ROWS[name][1]() for _ in range(count)]
        if kind == "single":
            self._draft["choices"][0]["fraction"] = "100"
        self._sync()
        self._reset_preview()

    @rx.event
    @teaching
    def open_edit(self, session: Session, actor: Actor, question_id: str, category_id: str):
        q = question_bank.get_question(session, actor, _num(question_id))
        self._start(q, str(_num(question_id)), str(category_id))

    @rx.event
    @teaching
    def save(self, session: Session, actor: Actor):
        if not self._draft:
            return rx.toast.error("Open a question first.")
        try:
            q = _question_of(self._draft)
            row = question_bank.save_question(session, actor, _num(self.category), q, question_id=_num(self.question_id) or None)
        except Invalid as exc:
            # Say what to fix, next to the form; everything typed stays as it was.
            self.error = exc.message
            return rx.toast.error(exc.message)
        new = not self.question_id
        self.question_id, self.editor_open, self.error = str(row.id), False, ""
        used = 0 if new else grading_service.attempts_using(session, actor, row.id)
        self.regrade_open, self.regrade_count, self.regrade_summary = used > 0, used, ""
        return [rx.toast.success("Question created." if new else "Question saved."), QuestionBankState.load]

    # --- regrading the attempts that used a changed question (grading) ---------------------

    @rx.event
    def set_regrade_open(self, value: bool):
        self.regrade_open = bool(value)

    @rx.event
    @teaching
    def regrade(self, session: Session, actor: Actor):
        summary = grading_service.regrade_question(session, actor, _num(self.question_id))
        self.regrade_summary = summary.sentence
        return rx.toast.success(summary.sentence)

    # --- the preview ------------------------------------------------------------------------

    def _reset_preview(self) -> None:
        self.checked, self.result_label, self.result_score, self.result_feedback, self.preview_problem = False, "", "", [], ""
        try:
            _question_of(self._draft)
        except Invalid as exc:
            self.preview_problem = exc.message
        self.shown, self.answer = show(_question_of(self._draft, lenient=True), self._seed)

    @rx.event
    def set_tab(self, value: str):
        if not self._draft or value not in ("edit", "preview"):
            return
        self.tab = value
        if value == "preview":
            self._seed += 1  # a fresh shuffle, as another learner would see it
            self._reset_preview()

    def _answered(self, **changes) -> None:
        self.answer = dataclasses.replace(self.answer, **changes)
        self.checked = False

    @rx.event
    def choose(self, key: str):
        self._answered(choice=str(key)[:10])

    @rx.event
    def toggle_choice(self, key: str, ticked: bool):
        key = str(key)[:10]
        keys = [k for k in self.answer.choices if k != key]
        self._answered(choices=keys + [key] if ticked else keys)

    @rx.event
    def set_flag(self, value: str):
        self._answered(flag="true" if value == "true" else "false" if value == "false" else "")

    @rx.event
    def set_answer_text(self, value: str):
        self._answered(text=str(value if value is not None else "")[:MAX_FIELD])

    @rx.event
    def match(self, index: int, key: str):
        matches = list(self.answer.matches)
        if isinstance(index, int) and 0 <= index < len(matches):
            matches[index] = str(key)[:10]
            self._answered(matches=matches)

    @rx.event
    def move_item(self, index: int, delta: int):
        order = [ShownOption(o.key, o.text) for o in self.answer.order]
        if isinstance(index, int) and delta in (-1, 1) and 0 <= index < len(order) and 0 <= index + delta < len(order):
            order[index], order[index + delta] = order[index + delta], order[index]
            self._answered(order=order)

    @rx.event
    def set_blank(self, index: int, value: str):
        blanks = list(self.answer.blanks)
        if isinstance(index, int) and 0 <= index < len(blanks):
            blanks[index] = str(value if value is not None else "")[:MAX_FIELD]
            self._answered(blanks=blanks)

    @rx.event
    @teaching
    def check_answer(self, session: Session, actor: Actor):
        """Grade what is on the preview with the question as it stands (saved or not)."""
        if not self._draft:
            return rx.toast.error("Open a question first.")
        try:
            q = _question_of(self._draft)
        except Invalid as exc:
            self.preview_problem = exc.message
            return None
        graded = grading.grade(copy.deepcopy(q), response_of(q, self.answer))
        self.checked, self.result_feedback = True, graded.feedback
        if graded.fraction is None:
            self.result_label, self.result_score, self.result_tone = "A person grades this answer", "", "gray"
            return None
        self.result_score = f"{graded.points:g} of {points_label(grading.max_points(q))}"
        if graded.right:
            self.result_label, self.result_tone = "Right", "green"
        elif graded.fraction > 0:
            self.result_label, self.result_tone = "Partly right", "amber"
        else:
            self.result_label, self.result_tone = "Not right", "red"
        return None
