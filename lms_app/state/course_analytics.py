"""An instructor's course analytics (/teach/courses/<id>/analytics), live: the figures follow
the learners' progress while the page is open."""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from lms_app import live
from lms_app.analytics import figures
from lms_app.services import analytics_course as analytics
from lms_app.services import profile, timefmt
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor
from lms_app.state.authoring import _course_in_path, _num, teaching
from lms_app.state.base import LiveDashboardMixin

# The list shows this many learners at risk; the export holds them all.
RISK_SHOWN = 200


@dataclasses.dataclass
class RiskView:
    key: str = ""
    name: str = ""
    email: str = ""
    last_activity: str = ""
    reasons: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class OptionView:
    value: str = ""
    label: str = ""


class CourseAnalyticsState(LiveDashboardMixin, rx.State):
    found: bool = False
    course_ref: str = ""
    course_title: str = ""
    updated: str = ""
    learners: int = 0
    active: int = 0
    graded_attempts: int = 0
    quiz_count: int = 0
    funnel_figure: go.Figure = go.Figure()
    funnel_rows: list[list[str]] = []
    quiz_options: list[OptionView] = []
    quiz_pick: str = ""
    quiz_note: str = ""
    items_figure: go.Figure = go.Figure()
    items_rows: list[list[str]] = []
    score_options: list[OptionView] = []
    score_pick: str = ""
    scores_figure: go.Figure = go.Figure()
    scores_rows: list[list[str]] = []
    grades_figure: go.Figure = go.Figure()
    grades_rows: list[list[str]] = []
    risk_rows: list[RiskView] = []
    risk_count: int = 0
    # The message dialog.
    message_open: bool = False
    message_key: str = ""
    message_name: str = ""
    message_error: str = ""

    @rx.var
    def risk_more(self) -> str:
        hidden = self.risk_count - len(self.risk_rows)
        return f"{hidden:,} more in the export." if hidden > 0 else ""

    def _course_id(self) -> int:
        return _course_in_path(self.router.url.path)

    @rx.event
    @teaching
    def load(self, session: Session, actor: Actor):
        self.found, self.quiz_pick, self.score_pick, self.message_open = False, "", "", False
        course_id = self._course_id()
        self._refresh(session, actor)
        live.watch(self.router.session.client_token, CourseAnalyticsState, route_prefix=f"/teach/courses/{course_id}/analytics",
                   org_id=actor.org_id, course_id=course_id)

    @rx.event
    @teaching
    def pick_quiz(self, session: Session, actor: Actor, value: str):
        self.quiz_pick = str(_num(value) or "")
        self._refresh(session, actor)

    @rx.event
    @teaching
    def pick_assessment(self, session: Session, actor: Actor, value: str):
        self.score_pick = str(_num(value) or "")
        self._refresh(session, actor)

    @rx.event
    @teaching
    def export(self, session: Session, actor: Actor, table: str, fmt: str):
        pick = _num(self.quiz_pick if table == "items" else self.score_pick) or None
        content, filename, mime = analytics.export_table(session, actor, self._course_id(), str(table), str(fmt), pick)
        return rx.download(data=content, filename=filename, mime_type=mime)

    # --- messaging a learner at risk ----------------------------------------------------------

    @rx.event
    @teaching
    def open_message(self, session: Session, actor: Actor, key: str):
        row = next((r for r in self.risk_rows if r.key == str(key)), None)
        if row is None:
            raise Invalid("That learner is no longer in the list.")
        self.message_key, self.message_name, self.message_error, self.message_open = row.key, row.name, "", True

    @rx.event
    def set_message_open(self, value: bool):
        self.message_open = bool(value)
        if not value:
            self.message_error = ""

    @rx.event
    @teaching
    def send_message(self, session: Session, actor: Actor, form: dict):
        try:
            name = analytics.message_learner(session, actor, self._course_id(), _num(self.message_key),
                                             str(form.get("subject", ""))[:1000], str(form.get("body", ""))[:20_000])
        except Invalid as exc:
            self.message_error = exc.message  # said in the dialog, which stays open with what was typed
            return
        self.message_open, self.message_error = False, ""
        return rx.toast.success(f"Message sent to {name}.")

    # --- what the page shows ---------------------------------------------------------------------

    def _refresh(self, session: Session, actor: Actor) -> None:
        board = analytics.course_dashboard(session, actor, self._course_id())
        tz = profile.get_profile(session, actor).timezone
        self.found, self.course_ref, self.course_title = True, str(board.course_id), board.title
        self.updated = timefmt.show(board.computed_at, tz)
        self.learners, self.active, self.risk_count = board.learners, board.active, len(board.at_risk)
        self.graded_attempts, self.quiz_count = sum(q.attempts for q in board.quizzes), len(board.quizzes)

        funnel = analytics.funnel_table(board)
        self.funnel_rows = funnel.shown if board.learners and board.funnel else []
        self.funnel_figure = figures.funnel(["Enrolled", *(analytics.step_label(n, s.title) for n, s in enumerate(board.funnel, 1))],
                                            [board.learners, *(s.reached for s in board.funnel)]) if self.funnel_rows else go.Figure()

        self.quiz_options = [OptionView(str(q.lesson_id), q.title) for q in board.quizzes]
        quiz = next((q for q in board.quizzes if str(q.lesson_id) == self.quiz_pick), board.quizzes[0] if board.quizzes else None)
        self.quiz_pick = str(quiz.lesson_id) if quiz else ""
        self.quiz_note = "" if quiz is None else f"{quiz.attempts:,} graded attempt{'s' if quiz.attempts != 1 else ''}"
        self.items_rows = analytics.items_table(quiz).shown
        self.items_figure = figures.bars([i.title for i in quiz.items], {"Facility": [round((i.facility or 0) * 100, 1) for i in quiz.items]},
                                         horizontal=True, percent=True) if self.items_rows else go.Figure()

        graded = [s for s in board.scores if s.graded]
        self.score_options = [OptionView(str(s.lesson_id), f"{s.title} ({'quiz' if s.kind == 'quiz' else 'assignment'})") for s in graded]
        scores = next((s for s in graded if str(s.lesson_id) == self.score_pick), graded[0] if graded else None)
        self.score_pick = str(scores.lesson_id) if scores else ""
        self.scores_rows = analytics.scores_table(scores).shown
        self.scores_figure = figures.bars(analytics.bin_labels(), {"Learners": list(scores.counts)}, x_title="Score",
                                          y_title="Learners") if scores else go.Figure()

        grades = analytics.grades_table(board)
        self.grades_rows = grades.shown
        self.grades_figure = figures.bars([g for g, _ in board.grades], {"Learners": [c for _, c in board.grades]},
                                          y_title="Learners") if grades.shown else go.Figure()

        self.risk_rows = [RiskView(str(r.user_id), r.name, r.email, timefmt.ago(r.last_activity_at, never="none yet"), list(r.reasons))
                          for r in board.at_risk[:RISK_SHOWN]]

    def _clear(self) -> None:
        self.found = False
        self.funnel_rows, self.items_rows, self.scores_rows, self.grades_rows, self.risk_rows = [], [], [], [], []
        self.quiz_options, self.score_options, self.risk_count, self.learners, self.active = [], [], 0, 0, 0
        self.message_open = False
