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


def show(q: Question, seed: int = 0) -> tuple[ShownQuestion, ShownAnswer]:
    """The question as a learner sees it, and the blank answer they start from."""
    order = shuffled_order(q, seed)
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
