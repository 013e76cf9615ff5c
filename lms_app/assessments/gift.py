"""Moodle GIFT import and export of questions: plain text, no database.

`parse(text)` reads a GIFT file into questions (each with its category path and the line it
starts on) and a list of line-numbered errors; it never raises on bad input. A question that
cannot be read becomes an error and reading goes on with the next one, so the caller can show
every problem at once and decide whether to import nothing or to skip the broken questions.
`export([(category, question), ...])` writes a file that `parse` reads back into equal
questions and categories, for every type.

Reading (Moodle's rules, https://docs.moodle.org/en/GIFT_format):
- Questions are separated by blank lines. Lines starting with `//` are comments.
  `$CATEGORY: a/b` sets the category path of the questions that follow.
- `::title::` names a question; without one the title is the start of its text (as Moodle does).
- `[markdown]`, `[html]`, `[plain]` and `[moodle]` at the start of a text are dropped, the text
  is kept as written.
- Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` stand for the character, `\\n` for a line break.
- `{=a ~b ~%50%c}` (at least one `=`) is a single choice; `{~%50%a ~%50%b ~%-100%c}` (no `=`)
  a multiple choice graded by weights. `#text` after an answer is its feedback.
- `{T}`, `{TRUE}`, `{F}`, `{FALSE}` is true/false; `{T#wrong#right}` as in Moodle: the first
  feedback is shown to whoever answers wrongly, the second to whoever answers rightly.
- `{=a =%50%b}` (only `=` answers) is a short answer, with partial credit.
- `{#3.14:0.01}` (value:tolerance), `{#1..5}` (a range: its middle, tolerance half its width)
  and `{#=2:0 =%50%1.5:0.5}` (several answers) are numeric.
- `{=a -> 1 =b -> 2}` is matching (an empty prompt, `= -> x`, is kept as a pair with no prompt).
- `{}` is an essay. `####text` at the end of any block is the general feedback.
- Missing word (text after the block): with `=` answers only it is a fill-in-the-blanks
  question with one blank `[[1]]` where the block was; any other block (choices, true/false,
  numeric, matching, essay) keeps its type and the text shows MISSING_WORD ("_____") there,
  as Moodle does.
- Not imported, reported as errors: text without an answer block (Moodle's "description") and
  numeric "any other answer" feedback (`~#...` inside `{#...}`), which our questions cannot hold.
  Stricter than Moodle, which guesses: text before the first `=`/`~` of a block, a `#` in a
  matching pair, several answer blocks, an empty answer, a bad `%weight%` are errors too.

Conventions of this application, written by `export` and read back by `parse`:
- GIFT has no points: a question is worth 1 point unless a `// points: 2` comment comes
  before it.
- What GIFT cannot express (ordering and file upload questions, fill-in-the-blanks with
  several blanks, numeric units, case sensitivity, tags, no shuffling, another partial-credit
  rule, an essay's answer template, and any text GIFT would alter) goes in a
  `// lms: {...}` comment before the question: a JSON object of the question's stored fields
  (`Question.to_dict`) that override what the GIFT text gives. The exporter writes the
  closest GIFT (an essay `{}` for the types GIFT lacks), reads it back, and records in that
  comment only the fields that came back different, so the round trip is exact and other
  tools such as Moodle still get a readable question. Exact means equal in what the bank
  stores: fields a question's type does not use are not carried.
- A category path is written on one line, as is.
- Question texts are Markdown, so they are exported with `[markdown]`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lms_app.assessments.questions import BLANK, Blank, Choice, NumericAnswer, Pair, Question, TextAnswer

MISSING_WORD = "_____"
_FIRST_BLANK = BLANK.format(n=1)

_SPECIAL = "\\~=#{}:"
# While the structure of a question is read, escaped characters are swapped for private-use
# characters (U+E000 on, which texts do not use), so an escaped "{" or "~" is never taken for syntax; each piece of text gets its
# characters back at the end.
_HIDDEN = {c: chr(0xE000 + i) for i, c in enumerate(_SPECIAL + "n")}
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_REVEAL = str.maketrans({hidden: "\n" if c == "n" else c for c, hidden in _HIDDEN.items()})
_WRITE_ESCAPED = str.maketrans({**{c: "\\" + c for c in _SPECIAL}, "\n": "\\n", "\r": ""})

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FORMAT = re.compile(r"\[(?:html|moodle|plain|markdown)\]")
# A short exponent keeps every number within what Decimal and float compute without overflow.
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?")
_WEIGHT = re.compile(r"%\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*%")
_META = re.compile(r"//\s*(points|lms)\s*:(.*)")
_BRACE = re.compile(r"[{}]")
_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")
_ABSENT = object()


@dataclass
class GiftError:
    """A problem in a GIFT file: the line it is on and what is wrong, for a person."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass
class ParsedQuestion:
    """A question read from a GIFT file, its category path ("" if none) and its first line."""

    question: Question
    category: str
    line: int


@dataclass
class GiftResult:
    """What `parse` read: the readable questions, and the errors of the others."""

    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every question of the file was read."""
        return not self.errors


class _Unreadable(Exception):
    """A question cannot be read; `offset` is where, in the question's (escaped) text."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass
class _Meta:
    """What the comments before a question said (this application's conventions)."""

    points: float | None = None
    overrides: dict = field(default_factory=dict)
    overrides_line: int = 0
    broken: bool = False


# --- reading ---------------------------------------------------------------------------------


def parse(text: str) -> GiftResult:
    """Read a GIFT file: every readable question with its category and first line, and one
    line-numbered error for each question that cannot be read. Never raises on bad input."""
    result = GiftResult()
    category = ""
    block: list[tuple[int, str]] = []
    meta = _Meta()

    def flush() -> None:
        nonlocal block, meta
        if block:
            _read_block(block, meta, category, result)
            meta = _Meta()
        block = []

    for number, line in enumerate(_LINE_BREAK.split(text.lstrip("\ufeff")), start=1):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("//"):
            # Comments inside a question are ignored; before it they may carry its metadata.
            if not block:
                _read_meta(stripped, number, meta, result.errors)
        elif stripped.startswith("$CATEGORY:"):
            flush()
            category = stripped[len("$CATEGORY:"):].strip()
        else:
            block.append((number, line))
    flush()
    return result


def _read_meta(comment: str, number: int, meta: _Meta, errors: list[GiftError]) -> None:
    match = _META.fullmatch(comment)
    if not match:
        return
    value = match[2].strip()
    if match[1] == "points":
        if _NUMBER.fullmatch(value) and math.isfinite(float(value)):
            meta.points = float(value)
            return
        message = f"the points comment needs a number, as in “// points: 2”, not “{_snippet(value)}”."
    else:
        try:
            data = json.loads(value)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            meta.overrides.update(data)
            meta.overrides_line = number
            return
        message = "the “// lms:” comment does not hold a JSON object {…}."
    meta.broken = True
    errors.append(GiftError(number, message))


def _read_block(block: list[tuple[int, str]], meta: _Meta, category: str, result: GiftResult) -> None:
    numbers = [number for number, _ in block]
    text = _ESCAPE.sub(lambda m: _HIDDEN[m[1]], "\n".join(line for _, line in block))
    try:
        question = _read_question(text)
    except _Unreadable as problem:
        result.errors.append(GiftError(numbers[text.count("\n", 0, problem.offset)], problem.message))
        return
    if meta.overrides:
        try:
            # Through to_dict again, so that only the fields of the final type are kept.
            question = Question.from_dict(Question.from_dict({**question.to_dict(), **meta.overrides}).to_dict())
        except (TypeError, ValueError, AttributeError, KeyError, RecursionError):
            result.errors.append(GiftError(meta.overrides_line, "the “// lms:” comment does not describe a question's fields."))
            return
    if meta.points is not None:
        question.points = meta.points
    if not meta.broken:
        result.questions.append(ParsedQuestion(question, category, numbers[0]))


def _read_question(text: str) -> Question:
    start = len(text) - len(text.lstrip())
    title = ""
    if text.startswith("::", start):
        end = text.find("::", start + 2)
        if end < 0:
            raise _Unreadable(start, "the title is never closed (missing “::”).")
        title = _plain(text[start + 2:end])
        start = end + 2
    opening, closing = text.find("{", start), text.find("}", start)
    if opening < 0 and closing < 0:
        raise _Unreadable(start, "there is no answer block “{…}”; text without answers (a Moodle description) is not imported.")
    if closing < 0:
        raise _Unreadable(opening, "the answer block is never closed (missing “}”).")
    if opening < 0 or closing < opening:
        raise _Unreadable(closing, "“}” closes an answer block that was never opened (missing “{”); "
                                   "write “\\}” for a brace in the text.")
    nested = text.find("{", opening + 1, closing)
    if nested >= 0:
        raise _Unreadable(nested, "a “{” inside an answer block: close the block first, or write “\\{” for a brace in the text.")
    extra = _BRACE.search(text, closing + 1)
    if extra:
        raise _Unreadable(extra.start(), "a question has a single answer block; write “\\{” and “\\}” for braces in the text.")

    kind, fields, general_feedback = _read_answers(text, opening + 1, closing)
    before, after = text[start:opening], text[closing + 1:]
    blank = ""
    if after.strip():  # Moodle's "missing word": the answers stand where the blank is.
        if kind == "short_answer":
            kind, fields, blank = "fill_blanks", {"blanks": [Blank(fields["answers"])]}, _FIRST_BLANK
        else:
            blank = MISSING_WORD
    body = _plain(before + blank + after)
    title = title or _default_title(body.replace(_FIRST_BLANK, MISSING_WORD))
    return Question(type=kind, title=title, text=body, general_feedback=general_feedback, **fields)


def _read_answers(text: str, begin: int, end: int) -> tuple[str, dict, str]:
    """The type, the type's fields and the general feedback of the answer block text[begin:end]."""
    general_feedback = ""
    cut = text.rfind("####", begin, end)
    if cut >= 0:
        general_feedback, end = _plain(text[cut + 4:end]), cut
    content = text[begin:end].strip()
    if not content:
        return "essay", {}, general_feedback
    if content.startswith("#"):
        return "numeric", {"numeric_answers": _numeric_answers(text, text.index("#", begin), end)}, general_feedback
    if "~" in content:
        pieces = _answer_pieces(text, begin, end, "~=")
        choices = [Choice(_answer_text(answer, offset), fraction, feedback)
                   for _, fraction, answer, feedback, offset in _weighted(pieces)]
        kind = "single" if any(marker == "=" for marker, _, _ in pieces) else "multiple"
        return kind, {"choices": choices}, general_feedback
    if "=" in content and "->" in content:
        return "matching", {"pairs": _pairs(text, begin, end)}, general_feedback
    if content.split("#", 1)[0].strip().upper() in _TRUE + _FALSE:
        return "true_false", _true_false(text, begin, end), general_feedback
    if content.startswith("="):
        pieces = _answer_pieces(text, begin, end, "=")
        answers = [TextAnswer(_answer_text(answer, offset), fraction, feedback)
                   for _, fraction, answer, feedback, offset in _weighted(pieces)]
        return "short_answer", {"answers": answers}, general_feedback
    raise _Unreadable(begin, "the answers cannot be read: start right answers with “=” and wrong ones with “~”, "
                             "write T or F for true/false, or “#” and a number for a numeric answer.")


def _split(text: str, begin: int, end: int, markers: str) -> list[tuple[str, str, int]]:
    """text[begin:end] cut before each marker character: (marker, piece, offset of the piece);
    the first piece, before any marker, has the marker ""."""
    pieces, marker, start = [], "", begin
    for i in range(begin, end):
        if text[i] in markers:
            pieces.append((marker, text[start:i], start))
            marker, start = text[i], i + 1
    pieces.append((marker, text[start:end], start))
    return pieces


def _answer_pieces(text: str, begin: int, end: int, markers: str, lead_is_answer: bool = False) -> list[tuple[str, str, int]]:
    """The answers of a block, each after its marker; text before the first marker is an error,
    or (numeric blocks, as in Moodle) an answer of its own."""
    (_, lead, offset), *pieces = _split(text, begin, end, markers)
    if lead.strip():
        if not lead_is_answer:
            where = offset + len(lead) - len(lead.lstrip())
            raise _Unreadable(where, f"“{_snippet(lead)}” comes before the first answer; start each answer with “=” or “~”.")
        pieces.insert(0, ("=", lead, offset))
    return pieces


def _weighted(pieces: list[tuple[str, str, int]]):
    """(marker, fraction, answer text still escaped, feedback, offset) of each answer: `~` answers
    are worth 0 unless weighted, `=` answers 1."""
    for marker, piece, offset in pieces:
        fraction, rest = _weight(piece, offset, 0.0 if marker == "~" else 1.0)
        answer, _, feedback = rest.partition("#")
        yield marker, fraction, answer, _plain(feedback), offset


def _weight(piece: str, offset: int, default: float) -> tuple[float, str]:
    body = piece.lstrip()
    if not body.startswith("%"):
        return default, piece
    match = _WEIGHT.match(body)
    if match and abs(Decimal(match[1])) <= 100:
        # Through Decimal, so that %33.33% gives exactly the float 0.3333.
        return float(Decimal(match[1]) / 100), body[match.end():]
    closing = body.find("%", 1)
    shown = body[:closing + 1] if closing > 0 else body.split()[0]
    raise _Unreadable(offset, f"the weight “{_snippet(shown)}” is not a percentage between -100 and 100, such as %50% or %-25%.")


def _answer_text(raw: str, offset: int) -> str:
    text = _plain(raw)
    if not text:
        raise _Unreadable(offset, "an answer is empty (nothing after its “=” or “~”).")
    return text


def _pairs(text: str, begin: int, end: int) -> list[Pair]:
    pairs = []
    for _, piece, offset in _answer_pieces(text, begin, end, "="):
        if "#" in piece:
            raise _Unreadable(offset, "matching pairs cannot have feedback; write “\\#” for a # in the text.")
        prompt, arrow, answer = piece.partition("->")
        if not arrow:
            raise _Unreadable(offset, f"the pair “{_snippet(piece)}” has no “->” between the prompt and its match.")
        pairs.append(Pair(_plain(prompt), _answer_text(answer, offset)))
    return pairs


def _true_false(text: str, begin: int, end: int) -> dict:
    head, *feedbacks = text[begin:end].split("#")
    if len(feedbacks) > 2:
        raise _Unreadable(begin, "a true/false answer has at most two feedbacks: {T#shown when wrong#shown when right}.")
    wrong, right = (_plain(f) for f in (feedbacks + ["", ""])[:2])
    correct = head.strip().upper() in _TRUE
    return {"correct": correct, "feedback_true": right if correct else wrong, "feedback_false": wrong if correct else right}


def _numeric_answers(text: str, hash_at: int, end: int) -> list[NumericAnswer]:
    tilde = text.find("~", hash_at, end)
    if tilde >= 0:
        raise _Unreadable(tilde, "“~” (feedback for any other answer) is not supported in a numeric question; remove it.")
    pieces = _answer_pieces(text, hash_at + 1, end, "=", lead_is_answer=True)
    if not pieces:
        raise _Unreadable(hash_at, "a numeric answer needs a number after “#”, as in {#3.14:0.01} or {#1..5}.")
    answers = []
    for _, fraction, spec, feedback, offset in _weighted(pieces):
        value, tolerance = _numeric_spec(spec.strip(), offset)
        answers.append(NumericAnswer(value, tolerance, fraction, feedback))
    return answers


def _numeric_spec(spec: str, offset: int) -> tuple[float, float]:
    """(value, tolerance) of `value`, `value:tolerance` or `low..high`."""
    if ".." in spec:
        low, high = (_decimal(part, offset) for part in spec.split("..", 1))
        if low > high:
            raise _Unreadable(offset, f"the range “{_snippet(spec)}” runs backwards; write the smaller number first.")
        value = (low + high) / 2
        tolerance = high - value
    else:
        number, colon, margin = spec.partition(":")
        value, tolerance = _decimal(number, offset), _decimal(margin, offset) if colon else Decimal(0)
        if tolerance < 0:
            raise _Unreadable(offset, f"the tolerance “{_snippet(margin)}” cannot be negative.")
    result = float(value), float(tolerance)
    if not all(math.isfinite(x) for x in result):
        raise _Unreadable(offset, f"“{_snippet(spec)}” is too large a number.")
    return result


def _decimal(text: str, offset: int) -> Decimal:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise _Unreadable(offset, f"“{_snippet(text)}” is not a number." if text else "a number is missing.")
    return Decimal(text)


def _plain(text: str) -> str:
    """A piece of GIFT as the text it stands for: no format marker, escapes resolved, trimmed."""
    text = text.strip()
    marker = _FORMAT.match(text)
    if marker:
        text = text[marker.end():]
    return text.translate(_REVEAL).strip()


def _shorten(text: str, limit: int) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[:limit - 1] + "…"


def _snippet(raw: str) -> str:
    """A piece of the file, short, to quote in an error message."""
    return _shorten(_plain(raw), 40)


def _default_title(text: str) -> str:
    return _shorten(text, 80)


# --- writing ---------------------------------------------------------------------------------


def export(questions: list[tuple[str, Question]]) -> str:
    """A GIFT file of (category path, question) pairs, in order: a `$CATEGORY:` line whenever
    the category changes, then each question, a blank line between them. `parse` reads it
    back into equal questions and categories."""
    chunks, category = [], ""
    for path, question in questions:
        if path != category:
            chunks.append(f"$CATEGORY: {path}\n")
            category = path
        chunks.append(_export_question(question))
    return "\n".join(chunks)


def _export_question(question: Question) -> str:
    lines = []
    if question.points != 1:
        lines.append(f"// points: {_number(question.points)}")
    body, read_back = _gift_form(question)
    wanted, got = question.to_dict(), read_back.to_dict() if read_back else {}
    overrides = {k: v for k, v in wanted.items() if k != "points" and got.get(k, _ABSENT) != v}
    if overrides:
        lines.append("// lms: " + json.dumps(overrides, ensure_ascii=False, sort_keys=True))
    lines.append(body)
    return "\n".join(lines) + "\n"


def _gift_form(question: Question) -> tuple[str, Question | None]:
    """The closest GIFT for the question and what reading it back gives. When its own form
    cannot be read back (e.g. an empty answer), an essay form carries the text instead."""
    for body in (_gift_body(question), _essay_body(question)):
        result = parse(body)
        if result.ok and len(result.questions) == 1:
            return body, result.questions[0].question
    return body, None


def _head(question: Question) -> str:
    return (f"::{_escape(question.title)}::" if question.title else "") + "[markdown]"


def _essay_body(question: Question) -> str:
    return _head(question) + _escape(question.text) + " {" + _general_feedback(question, inline=True) + "}"


def _gift_body(question: Question) -> str:
    block = _answer_block(question)
    if block is None:
        return _essay_body(question)
    spot = _FIRST_BLANK if question.type == "fill_blanks" else MISSING_WORD
    if question.type != "short_answer" and question.text.count(spot) == 1:
        before, _, after = question.text.partition(spot)
        return _head(question) + _escape(before) + block + _escape(after)
    return _head(question) + _escape(question.text) + " " + block


def _answer_block(question: Question) -> str | None:
    """The `{...}` of a question, or None for what GIFT cannot express."""
    kind, opener = question.type, "{"
    if kind == "single":
        lines = [("=" + _weighted_text(1.0, 1.0, c.text) if c.fraction == 1 else "~" + _weighted_text(c.fraction, 0.0, c.text))
                 + _feedback(c.feedback) for c in question.choices]
    elif kind == "multiple":
        lines = ["~" + _weighted_text(c.fraction, 0.0, c.text) + _feedback(c.feedback) for c in question.choices]
    elif kind == "short_answer" or (kind == "fill_blanks" and len(question.blanks) == 1):
        answers = question.answers if kind == "short_answer" else question.blanks[0].answers
        lines = ["=" + _weighted_text(a.fraction, 1.0, a.text) + _feedback(a.feedback) for a in answers]
    elif kind == "numeric":
        opener = "{#"
        lines = ["=" + (f"%{_percent(a.fraction)}%" if a.fraction != 1 else "") + f"{_number(a.value)}:{_number(a.tolerance)}"
                 + _feedback(a.feedback) for a in question.numeric_answers]
    elif kind == "matching":
        lines = [f"={_escape(p.prompt)} -> {_escape(p.answer)}" for p in question.pairs]
    elif kind == "true_false":
        if question.correct:
            right, wrong = question.feedback_true, question.feedback_false
        else:
            right, wrong = question.feedback_false, question.feedback_true
        feedbacks = ("#" + _escape(wrong) if wrong or right else "") + ("#" + _escape(right) if right else "")
        return "{" + ("TRUE" if question.correct else "FALSE") + feedbacks + _general_feedback(question, inline=True) + "}"
    elif kind == "essay":
        return "{" + _general_feedback(question, inline=True) + "}"
    else:
        return None
    return opener + "\n" + "".join(f"\t{line}\n" for line in lines) + _general_feedback(question, inline=False) + "}"


def _general_feedback(question: Question, inline: bool) -> str:
    if not question.general_feedback:
        return ""
    text = "####" + _escape(question.general_feedback)
    return text if inline else f"\t{text}\n"


def _weighted_text(fraction: float, default: float, text: str) -> str:
    # A text starting with "%" would be read as a weight: an explicit weight comes first then.
    explicit = fraction != default or text.lstrip().startswith("%")
    return (f"%{_percent(fraction)}%" if explicit else "") + _escape(text)


def _feedback(text: str) -> str:
    return "#" + _escape(text) if text else ""


def _escape(text: str) -> str:
    return text.translate(_WRITE_ESCAPED)


def _percent(fraction: float) -> str:
    """A fraction as a GIFT percentage, Moodle style: at most 5 decimals (0.5 -> "50")."""
    try:
        percent = (Decimal(repr(float(fraction))) * 100).quantize(Decimal("0.00001"))
    except InvalidOperation:  # not finite: the check on reading back carries it in the lms comment
        return repr(fraction)
    return format(percent.normalize(), "f")


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
