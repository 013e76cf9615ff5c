"""What a learner is shown of a question, and how the answers they give on screen become the
response `grading.grade` expects. Pure data (no Reflex): the question editor's preview uses it
now, the quiz player later.

A shown question never carries what is right: no fractions, no accepted answers, no feedback,
and the options come in `shuffled_order` so their position gives nothing away either. Options
are named by a key (their index in the question, as text), never by a database id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lms_app.assessments.grading import answer_key, shuffled_order
from lms_app.assessments.questions import BLANK, Question

_MARKER = re.compile(re.escape(BLANK).replace(re.escape("{n}"), r"(\d+)"))


@dataclass
class ShownOption:
    key: str
    text: str


@dataclass
class ShownQuestion:
    type: str = ""
    text: str = ""  # Markdown; a fill-in-the-blanks text shows "(n)" where blank n goes
    points_label: str = ""
    # single and multiple: the choices; matching: the answers to pick from
    options: list[ShownOption] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)  # matching
    blanks: list[str] = field(default_factory=list)  # fill_blanks: one label per blank
    answer_template: str = ""  # essay
    accepted_files: str = ""  # file_upload


@dataclass
class ShownAnswer:
    """What the learner has put on screen so far."""

    choice: str = ""  # single: the chosen option's key
    choices: list[str] = field(default_factory=list)  # multiple: the ticked keys
    flag: str = ""  # true_false: "true", "false" or ""
    text: str = ""  # short answer, numeric, essay
    matches: list[str] = field(default_factory=list)  # matching: per prompt, the answer key or ""
    order: list[ShownOption] = field(default_factory=list)  # ordering: the items as now placed
    blanks: list[str] = field(default_factory=list)  # fill_blanks: the text typed per blank


def points_label(points: float) -> str:
    return f"{points:g} point" if points == 1 else f"{points:g} points"


def show(q: Question, seed: int = 0, *, order: list[int] | None = None) -> tuple[ShownQuestion, ShownAnswer]:
    """The question as a learner sees it, and the blank answer they start from. `order` is
    the options' order when already drawn (a quiz attempt keeps its own), else drawn by `seed`."""
    order = shuffled_order(q, seed) if order is None else list(order)
    shown = ShownQuestion(type=q.type, text=q.text, points_label=points_label(float(q.points or 0)))
    answer = ShownAnswer()
    if q.type in ("single", "multiple"):
        shown.options = [ShownOption(str(i), q.choices[i].text) for i in order]
    elif q.type == "matching":
        seen: set[str] = set()
        for i in order:
            # Pairs sharing an answer are interchangeable when graded: offer that answer once.
            key = answer_key(q.pairs[i].answer)
            if key not in seen:
                seen.add(key)
                shown.options.append(ShownOption(str(i), q.pairs[i].answer))
        shown.prompts = [p.prompt for p in q.pairs]
        answer.matches = ["" for _ in q.pairs]
    elif q.type == "ordering":
        answer.order = [ShownOption(str(i), q.items[i]) for i in order]
    elif q.type == "fill_blanks":
        shown.text = _MARKER.sub(lambda m: f"**({m.group(1)})** \\_\\_\\_\\_\\_", q.text)
        shown.blanks = [f"({n})" for n in range(1, len(q.blanks) + 1)]
        answer.blanks = ["" for _ in q.blanks]
    elif q.type == "essay":
        shown.answer_template = q.answer_template
        answer.text = q.answer_template
    elif q.type == "file_upload":
        shown.accepted_files = q.accepted_files
    return shown, answer


def response_of(q: Question, answer: ShownAnswer):
    """The response `grading.grade` takes for what is on screen (see questions.py)."""
    if q.type == "single":
        return int(answer.choice) if answer.choice.isdigit() else None
    if q.type == "multiple":
        return [int(k) for k in answer.choices if k.isdigit()]
    if q.type == "true_false":
        return {"true": True, "false": False}.get(answer.flag)
    if q.type in ("short_answer", "numeric", "essay"):
        return answer.text
    if q.type == "matching":
        return [int(m) if m.isdigit() else None for m in answer.matches]
    if q.type == "ordering":
        return [int(o.key) for o in answer.order if o.key.isdigit()]
    if q.type == "fill_blanks":
        return list(answer.blanks)
    return ""


def answer_of(q: Question, order: list[int], response) -> ShownAnswer:
    """What the learner sees on screen for a kept `response` (the reverse of `response_of`):
    a quiz attempt reopened after a reload shows the answers given so far."""
    _, answer = show(q, order=order)
    if response is None:
        return answer
    if q.type == "single" and isinstance(response, int):
        answer.choice = str(response)
    elif q.type == "multiple" and isinstance(response, list):
        answer.choices = [str(i) for i in response if isinstance(i, int)]
    elif q.type == "true_false" and isinstance(response, bool):
        answer.flag = "true" if response else "false"
    elif q.type in ("short_answer", "numeric", "essay") and isinstance(response, str):
        answer.text = response
    elif q.type == "matching" and isinstance(response, list):
        # The option offered for an answer shared by several pairs is keyed by one of them.
        keys = {answer_key(q.pairs[i].answer): str(i) for i in reversed(order) if 0 <= i < len(q.pairs)}
        given = [keys.get(answer_key(q.pairs[j].answer), "") if isinstance(j, int) and 0 <= j < len(q.pairs) else ""
                 for j in response][:len(q.pairs)]
        answer.matches = given + ["" for _ in range(len(q.pairs) - len(given))]
    elif q.type == "ordering" and isinstance(response, list) and sorted(response) == list(range(len(q.items))):
        answer.order = [ShownOption(str(i), q.items[i]) for i in response]
    elif q.type == "fill_blanks" and isinstance(response, list):
        texts = [t if isinstance(t, str) else "" for t in response][:len(q.blanks)]
        answer.blanks = texts + ["" for _ in range(len(q.blanks) - len(texts))]
    return answer


def is_answered(q: Question, response) -> bool:
    """Whether the learner has given anything for this question yet (to count the unanswered)."""
    if response is None:
        return False
    if q.type in ("short_answer", "numeric", "essay", "file_upload"):
        return isinstance(response, str) and response.strip() != "" and not (q.type == "essay" and response == q.answer_template)
    if q.type == "multiple":
        return bool(response)
    if q.type in ("matching", "fill_blanks"):
        return isinstance(response, list) and any(r not in (None, "") and (not isinstance(r, str) or r.strip()) for r in response)
    return True


def describe(q: Question, response) -> str:
    """A response in words, for a review ("Paris", "1. Mix, 2. Bake", ...); "" when none."""
    if response is None or response == "" or response == []:
        return ""
    try:
        if q.type == "single":
            return q.choices[response].text
        if q.type == "multiple":
            return "; ".join(q.choices[i].text for i in response)
        if q.type == "true_false":
            return "True" if response else "False"
        if q.type == "matching":
            return "; ".join(f"{p.prompt} → {q.pairs[j].answer if isinstance(j, int) else '—'}" for p, j in zip(q.pairs, response))
        if q.type == "ordering":
            return ", ".join(f"{n}. {q.items[i]}" for n, i in enumerate(response, 1))
        if q.type == "fill_blanks":
            return "; ".join(f"({n}) {t or '—'}" for n, t in enumerate(response, 1))
        if q.type == "file_upload":
            # The response is where the file is stored: say what kind of file, not where.
            ext = str(response).rsplit(".", 1)[-1].upper() if "." in str(response) else ""
            return f"A {ext} file" if ext else "A file"
    except (IndexError, TypeError, KeyError):
        return ""
    return str(response)
