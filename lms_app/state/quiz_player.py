"""A quiz inside the course player: the intro (rules, one's attempts, one's grade), the attempt
(every question on one page, answers saved as given, the countdown) and the result as the
quiz's review options allow. Thin adapter over the quizzes service, which decides everything.

The lesson comes from the URL and the attempt from the service on the server, never from the
browser: what the browser sends is a question's position in the attempt and what was typed
or chosen, checked again by the service on every save.
"""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx
from sqlmodel import Session

from lms_app.assessments.shown import ShownAnswer, ShownOption, ShownQuestion, points_label
from lms_app.models import utcnow
from lms_app.services import profile, quizzes, timefmt
from lms_app.services.errors import Conflict, DomainError, NotFound
from lms_app.services.permissions import Actor
from lms_app.state.base import ActorMixin, signed_in

MAX_TEXT = quizzes.MAX_RESPONSE_CHARS
METHODS = {"highest": "Highest attempt counts", "last": "Last attempt counts", "average": "Average of the attempts"}
STATUS = {quizzes.IN_PROGRESS: ("In progress", "blue"), quizzes.GRADED: ("Graded", "green"),
          quizzes.AWAITING_GRADING: ("Awaiting grading", "amber")}


@dataclasses.dataclass
class Fact:
    icon: str
    label: str
    value: str


@dataclasses.dataclass
class AttemptRow:
    number: str
    when: str
    status: str
    tone: str
    score: str
    attempt_number: int = 0  # which attempt "Review" opens


@dataclasses.dataclass
class QuizQuestion:
    position: int
    number: int
    shown: ShownQuestion


@dataclasses.dataclass
class ReviewItem:
    number: int
    text: str
    points: str
    verdict: str  # right | partial | wrong | waiting | ""
    your_answer: str
    correct_answer: str
    feedback: list[str]
    file_href: str = ""  # a file handed in as the answer


UPLOAD_ID = "quiz-file-upload"


def _lesson_in_path(path: str) -> int:
    # /learn/courses/<course>/<lesson>
    parts = (path or "").strip("/").split("/")
    text = parts[3] if len(parts) > 3 else ""
    return int(text) if text.isdigit() and len(text) < 12 else 0


def _minutes(n: int) -> str:
    hours, minutes = divmod(n, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{minutes} minute{'s' if minutes != 1 else ''}"


def _percent(value: float) -> str:
    return f"{value:g}%"


def _has_answer(shown: ShownQuestion, answer: ShownAnswer) -> bool:
    """Whether the learner has put anything on screen for the question (ordering always has
    an order: it counts once the learner moved an item or it was saved)."""
    kind = shown.type
    if kind == "single":
        return answer.choice != ""
    if kind == "multiple":
        return bool(answer.choices)
    if kind == "true_false":
        return answer.flag != ""
    if kind in ("short_answer", "numeric"):
        return answer.text.strip() != ""
    if kind == "essay":
        return answer.text.strip() != "" and answer.text != shown.answer_template
    if kind == "matching":
        return any(answer.matches)
    if kind == "fill_blanks":
        return any(b.strip() for b in answer.blanks)
    return False


def _progress():
    """The player's outline and progress after a result (passing completes the lesson)."""
    from lms_app.state.player import PlayerState  # the player imports this module

    return PlayerState.refresh_progress


def _ms(dt) -> int:
    return int(dt.timestamp() * 1000) if dt else 0


class QuizPlayerState(ActorMixin, rx.State):
    # loading | intro | attempt | result | refused (the quiz is not open to this person)
    view: str = "loading"
    message: str = ""

    # The intro.
    facts: list[Fact] = []
    attempt_rows: list[AttemptRow] = []
    grade_label: str = ""
    grade_passed: str = ""  # passed | failed | ""
    can_start: bool = False
    refusal: str = ""

    # The attempt.
    attempt_number: int = 0
    questions: list[QuizQuestion] = []
    answers: list[ShownAnswer] = []  # one per question, re-sent alone as answers are given
    answered: list[bool] = []
    file_links: list[str] = []  # per question: where the file handed in is read ("" when none)
    upload_target: int = 0  # the file-upload question a file being chosen is for
    deadline_label: str = ""
    deadline_ms: int = 0  # the server's deadline, for the countdown in the browser
    server_now_ms: int = 0  # the server's clock when the page got it (the browser's may be off)
    save_status: str = ""  # saving | saved | failed | ""
    submit_open: bool = False

    # The result.
    result_status: str = ""  # graded | awaiting_grading
    result_score: str = ""
    result_percent: str = ""
    result_passed: str = ""  # passed | failed | ""
    result_note: str = ""  # why the attempt closed without a submit (time ran out)
    review: list[ReviewItem] = []
    shows_correct: bool = False

    _attempt_id: int = 0
    _dirty: list[int] = []  # positions whose answer changed since the last save

    @rx.var
    def unanswered(self) -> int:
        return sum(1 for a in self.answered if not a)

    @rx.var
    def answered_count(self) -> int:
        return sum(1 for a in self.answered if a)

    def _lesson_id(self) -> int:
        return _lesson_in_path(self.router.url.path)

    def _reset(self) -> None:
        self.view, self.message, self.refusal, self.submit_open = "loading", "", "", False
        self.questions, self.answers, self.answered, self.review, self.file_links = [], [], [], [], []
        self.deadline_ms = self.server_now_ms = self.attempt_number = self.upload_target = 0
        self.deadline_label = self.save_status = self.result_note = ""
        self._attempt_id, self._dirty = 0, []

    # --- the intro -------------------------------------------------------------------------

    def _intro(self, session: Session, actor: Actor) -> None:
        o = quizzes.learner_overview(session, actor, self._lesson_id())
        if o.open_attempt_id is not None:
            self._show_attempt(session, actor, o.open_attempt_id)
            return
        tz = o.timezone
        facts = [Fact("list-ordered", "Questions", str(o.question_count)),
                 Fact("timer", "Time limit", _minutes(o.time_limit_minutes) if o.time_limit_minutes else "None"),
                 Fact("repeat", "Attempts", f"{o.attempts_used} used of {o.attempts_allowed}" if o.attempts_allowed
                      else f"{o.attempts_used} used, no limit"),
                 Fact("scale", "Grade", METHODS.get(o.grading_method, o.grading_method)),
                 Fact("target", "Passing score", _percent(o.passing_percent) if o.passing_percent is not None else "Finishing an attempt passes")]
        if o.opens_at:
            facts.append(Fact("calendar-check", "Opens", f"{timefmt.show(o.opens_at, tz)} ({tz or 'UTC'})"))
        if o.closes_at:
            facts.append(Fact("calendar-x", "Closes", f"{timefmt.show(o.closes_at, tz)} ({tz or 'UTC'})"))
        self.facts = facts
        rows = []
        for a in reversed(o.attempts):
            label, tone = STATUS.get(a.status, (a.status, "gray"))
            score = _percent(a.percent) if a.percent is not None else ("—" if a.status != quizzes.GRADED else "Not shown")
            rows.append(AttemptRow(f"Attempt {a.number}", timefmt.show(a.submitted_at or a.started_at, tz), label, tone, score, a.number))
        self.attempt_rows = rows
        self.grade_label = _percent(o.grade.percent) if o.grade else ""
        self.grade_passed = ("passed" if o.grade.passed else "failed") if o.grade and o.passing_percent is not None else ""
        self.can_start, self.refusal = o.can_start, o.refusal
        self.view = "intro"

    @rx.event
    @signed_in
    def load(self, session: Session, actor: Actor):
        """The quiz lesson opened (or reopened): its intro, or straight back into the attempt
        left open (a reload, a second tab)."""
        self._reset()
        try:
            self._intro(session, actor)
        except DomainError as exc:
            # Not open to this person, or the quiz's settings no longer read: say why.
            self.view, self.message = "refused", exc.message
            raise

    @rx.event
    @signed_in
    def start(self, session: Session, actor: Actor):
        """Start an attempt, or resume the one open."""
        try:
            attempt = quizzes.start_attempt(session, actor, self._lesson_id())
        except DomainError as exc:
            # Outside the window, no attempts left, the quiz not ready: the intro says so.
            self.refusal, self.can_start = exc.message, False
            raise
        self._show_attempt(session, actor, attempt.id)

    # --- the attempt -----------------------------------------------------------------------

    def _show_attempt(self, session: Session, actor: Actor, attempt_id: int) -> None:
        view = quizzes.attempt_view(session, actor, attempt_id)
        self._attempt_id = view.attempt_id
        if view.status != quizzes.IN_PROGRESS:
            self._show_result(view)
            return
        self.attempt_number = view.number
        self.questions = [QuizQuestion(a.position, n, a.shown) for n, a in enumerate(view.answers, 1)]
        self.answers = [a.answer for a in view.answers]
        self.answered = [a.answered for a in view.answers]
        self.file_links = [quizzes.answer_file_url(view.attempt_id, a.position) if a.shown.type == "file_upload" and a.answered else ""
                           for a in view.answers]
        tz = profile.get_profile(session, actor).timezone
        self.deadline_ms, self.server_now_ms = _ms(view.deadline_at), _ms(utcnow())
        self.deadline_label = f"{timefmt.show(view.deadline_at, tz)}" if view.deadline_at else ""
        self.save_status, self._dirty, self.submit_open = "", [], False
        self.view = "attempt"

    def _index(self, position) -> int | None:
        return next((i for i, q in enumerate(self.questions) if q.position == position), None)

    def _answer(self, position, **changes):
        """Put the learner's change on screen at once; the save follows as its own event, so
        the page shows "Saving…" while it runs."""
        i = self._index(position)
        if i is None or self.view != "attempt":
            return None
        answers = list(self.answers)
        answers[i] = dataclasses.replace(answers[i], **changes)
        self.answers = answers
        answered = list(self.answered)
        if "order" in changes:
            answered[i] = True
        elif self.questions[i].shown.type != "ordering":
            answered[i] = _has_answer(self.questions[i].shown, answers[i])
        self.answered = answered
        if position not in self._dirty:
            self._dirty = [*self._dirty, position]
        self.save_status = "saving"
        return QuizPlayerState.save_pending

    @rx.event
    def choose(self, position: int, key: str):
        return self._answer(position, choice=str(key)[:10])

    @rx.event
    def toggle_choice(self, position: int, key: str, ticked: bool):
        i = self._index(position)
        if i is None:
            return None
        key = str(key)[:10]
        keys = [k for k in self.answers[i].choices if k != key]
        return self._answer(position, choices=keys + [key] if ticked else keys)

    @rx.event
    def set_flag(self, position: int, value: str):
        return self._answer(position, flag="true" if value == "true" else "false" if value == "false" else "")

    @rx.event
    def set_answer_text(self, position: int, value: str):
        return self._answer(position, text=str(value if value is not None else "")[:MAX_TEXT])

    @rx.event
    def match(self, position: int, index: int, key: str):
        i = self._index(position)
        if i is None or not isinstance(index, int) or not 0 <= index < len(self.answers[i].matches):
            return None
        matches = list(self.answers[i].matches)
        matches[index] = str(key)[:10]
        return self._answer(position, matches=matches)

    @rx.event
    def move_item(self, position: int, index: int, delta: int):
        i = self._index(position)
        if i is None or not isinstance(index, int) or delta not in (-1, 1):
            return None
        order = [ShownOption(o.key, o.text) for o in self.answers[i].order]
        if not 0 <= index < len(order) or not 0 <= index + delta < len(order):
            return None
        order[index], order[index + delta] = order[index + delta], order[index]
        return self._answer(position, order=order)

    @rx.event
    def set_blank(self, position: int, index: int, value: str):
        i = self._index(position)
        if i is None or not isinstance(index, int) or not 0 <= index < len(self.answers[i].blanks):
            return None
        blanks = list(self.answers[i].blanks)
        blanks[index] = str(value if value is not None else "")[:1000]
        return self._answer(position, blanks=blanks)

    def _save_dirty(self, session: Session, actor: Actor) -> str:
        """Save the answers changed since the last save; "" when all were kept, else the
        service's sentence (time ran out: the attempt is closed and graded)."""
        for position in list(self._dirty):
            i = self._index(position)
            if i is None:
                continue
            result = quizzes.save_shown_answer(session, actor, self._attempt_id, position, self.answers[i])
            if not result.saved:
                return result.message
            self._dirty = [p for p in self._dirty if p != position]
        return ""

    @rx.event
    @signed_in
    def save_pending(self, session: Session, actor: Actor):
        """Save what the learner changed (each change sends this after it)."""
        if not self._attempt_id or self.view != "attempt":
            return None
        try:
            refused = self._save_dirty(session, actor)
        except Conflict as exc:
            # Submitted meanwhile (another tab): show its result.
            self._show_result(quizzes.attempt_view(session, actor, self._attempt_id), exc.message)
            return rx.toast.info(exc.message)
        except Exception:
            self.save_status = "failed"
            raise
        if refused:
            self._show_result(quizzes.attempt_view(session, actor, self._attempt_id), refused)
            return [rx.toast.warning(refused), _progress()]
        self.save_status = "saved"
        return None

    # --- file-upload questions --------------------------------------------------------------

    @rx.event
    def pick_file_target(self, position: int):
        """The learner is choosing a file for this question (one chooser serves them all)."""
        self.upload_target = position if self._index(position) is not None else 0

    @signed_in
    def _keep_file(self, session: Session, actor: Actor, position: int, stream, file_name: str):
        i = self._index(position)
        if i is None or not self._attempt_id or self.view != "attempt":
            return rx.toast.error("Choose the question the file answers first.")
        result = quizzes.save_file_answer(session, actor, self._attempt_id, position, stream, file_name)
        if not result.saved:
            self._show_result(quizzes.attempt_view(session, actor, self._attempt_id), result.message)
            return [rx.toast.warning(result.message), _progress()]
        links, answered = list(self.file_links), list(self.answered)
        links[i], answered[i] = quizzes.answer_file_url(self._attempt_id, position), True
        self.file_links, self.answered, self.save_status = links, answered, "saved"
        return rx.toast.success("Your file is kept as your answer.")

    @rx.event
    async def upload_file(self, uploads: list[rx.UploadFile]):
        """A file chosen for a file-upload question: checked and kept privately by the service."""
        if not uploads:
            return None
        upload = uploads[0]
        result = await asyncio.to_thread(self._keep_file, self.upload_target, upload.file, upload.filename or "")
        return [result, rx.clear_selected_files(UPLOAD_ID)] if not isinstance(result, list) else [*result, rx.clear_selected_files(UPLOAD_ID)]

    @rx.event
    def set_submit_open(self, value: bool):
        self.submit_open = bool(value)

    @rx.event
    @signed_in
    def submit(self, session: Session, actor: Actor):
        """Save what is left, then submit: graded at once (what a person grades waits)."""
        self.submit_open = False
        if not self._attempt_id:
            return rx.toast.error("There is no attempt to submit: start one first.")
        try:
            refused = self._save_dirty(session, actor)
        except Conflict:
            refused = ""  # already submitted (another tab): submit gives back its result
        self._dirty = []
        self._show_result(quizzes.submit(session, actor, self._attempt_id), refused)
        return _progress()

    @rx.event
    @signed_in
    def time_up(self, session: Session, actor: Actor):
        """The countdown in the browser reached zero: the server, the authority, closes the
        attempt if its deadline has passed (else the countdown goes on)."""
        if not self._attempt_id or self.view != "attempt":
            return None
        view = quizzes.attempt_view(session, actor, self._attempt_id)
        if view.status == quizzes.IN_PROGRESS:
            self.server_now_ms = _ms(utcnow())
            return None
        self._dirty = []
        self._show_result(view, "Time is up: the attempt was closed and graded with the answers saved until then.")
        return _progress()

    # --- the result ------------------------------------------------------------------------

    def _show_result(self, view: quizzes.AttemptView, note: str = "") -> None:
        self.attempt_number = view.number
        self.result_status = view.status
        self.result_note = note or ("Time ran out: the attempt was closed with the answers saved until then."
                                    if view.closed_by == quizzes.BY_DEADLINE else "")
        self.result_score = f"{view.score:g} / {view.max_score:g} points" if view.score is not None and view.max_score is not None else ""
        self.result_percent = _percent(view.percent) if view.percent is not None else ""
        self.result_passed = "" if view.passed is None else ("passed" if view.passed else "failed")
        self.shows_correct = view.shows_correct_answers
        items = []
        for n, a in enumerate(view.answers, 1):
            manual = a.shown.type in ("essay", "file_upload")
            if a.points is not None:
                points = f"{a.points:g} / {a.max_points:g}"
                verdict = "right" if a.right else ("partial" if a.points > 0 else "wrong")
            else:
                points = points_label(a.max_points)
                verdict = "waiting" if manual and view.status == quizzes.AWAITING_GRADING else ""
            href = quizzes.answer_file_url(view.attempt_id, a.position) if a.shown.type == "file_upload" and a.answered else ""
            items.append(ReviewItem(n, a.shown.text, points, verdict, a.your_answer, a.correct_answer, [f for f in a.feedback if f], href))
        self.review = items
        self.questions, self.answers, self.answered, self.file_links = [], [], [], []
        self.deadline_ms, self.submit_open, self.save_status = 0, False, ""
        self.view = "result"

    @rx.event
    @signed_in
    def review_attempt(self, session: Session, actor: Actor, number: int):
        """Open one of one's finished attempts: what the review options let one see, and the
        grader's comments once released."""
        overview = quizzes.learner_overview(session, actor, self._lesson_id())
        # (One still open is simply resumed.)
        attempt = next((a for a in overview.attempts if a.number == number), None)
        if attempt is None:
            raise NotFound("That attempt does not exist.")
        self._show_attempt(session, actor, attempt.attempt_id)

    @rx.event
    @signed_in
    def back_to_intro(self, session: Session, actor: Actor):
        """From the result back to the intro (attempts so far, another attempt if allowed)."""
        self._reset()
        self._intro(session, actor)
