"""Area "dashboards": the three dashboards on the synthetic data set (BENCH_SIZE, M by
default), on SQLite and, when it answers, on PostgreSQL (LMS_BENCH_PG_URL).

For each dashboard service, in-process, as its viewer would open it:
- team: `analytics_team.team_dashboard` for the synthetic manager with the largest team;
- course: `analytics_course.course_dashboard` for the course with the most enrollments, as its
  instructor;
- org: `analytics_org.org_dashboard` for a synthetic admin.

Figures (milliseconds, median of the repeats):
- <dash>_cold: the first open, the per-worker cache emptied first (dashboard_cache.clear());
- <dash>_warm: the next open (from the cache);
- <dash>_refresh: the open after one new event (a learner in scope completes a lesson through
  lms_app.services.progress and commits: the cache's patch path);
each beside the plain SQL aggregate the dashboard rests on, timed in the same run:
- team: enrollments grouped by person and course for the team's members;
- course: lessons done grouped by lesson over the course's enrollments (the funnel);
- org: enrollments and completions grouped by day over the organization (the trend).
Also the seconds `seed --synthetic` takes, and the WebSocket bytes (both directions,
Playwright) of opening each dashboard page, beside the counter app's event.
Targets (reported, not asserted): warm < 0.5 s and cold < 3 s on M with SQLite; < 1 s on L
with PostgreSQL.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    PROJECT, FrameMeter, ReflexServer, base_env, bench_size, chromium, copy_app, fresh_postgres, info, median, report, run_cli, web_lock,
)

AREA = "dashboards"
COLD_REPEAT = 3
WARM_REPEAT = 5
REFRESH_REPEAT = 3
WARM_TARGET_MS, COLD_TARGET_MS, PG_L_TARGET_MS = 500, 3_000, 1_000


@dataclass
class Viewers:
    manager: str  # email
    manager_team: int
    instructor: str
    course_id: int
    course_enrollments: int
    admin: str


def run() -> None:
    size = bench_size()
    with tempfile.TemporaryDirectory(prefix="bench-dashboards-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data), LMS_JOBS="off")
        run_cli(env, "migrate")
        seconds, out = run_cli(env, "seed", "--synthetic", size)
        report(AREA, f"seed_synthetic_{size}_sqlite", seconds, "s", note=f"python -m lms_app seed --synthetic {size} on a fresh SQLite database",
               output=out.splitlines()[-1] if out else "")
        url = f"sqlite:///{data / 'lms.db'}"
        viewers = _measure(url, size, "sqlite")
        _postgres(tmp_path, size)
        _page_bytes(tmp_path, env, viewers)


# ----------------------------------------------------------------------------- server side

def _viewers(session) -> Viewers:
    from sqlalchemy import func
    from sqlmodel import select

    from lms_app.models import CourseStaff, DepartmentManager, Enrollment, GroupManager, Role, User, UserRole
    from lms_app.services import teams

    managing = set(session.exec(select(DepartmentManager.user_id)).all()) | set(session.exec(select(GroupManager.user_id)).all())
    managers = sorted(session.exec(select(User.id).where(User.id.in_(managing), User.is_active.is_(True))).all())
    sizes = {m: len(teams.team_member_ids(session, m)) for m in managers}
    manager = max(managers, key=lambda m: (sizes[m], -m))
    course_id, count = session.exec(select(Enrollment.course_id, func.count(Enrollment.id)).group_by(Enrollment.course_id)
                                    .order_by(func.count(Enrollment.id).desc(), Enrollment.course_id).limit(1)).one()
    instructor = session.exec(select(CourseStaff.user_id).where(CourseStaff.course_id == course_id, CourseStaff.role == "instructor")
                              .order_by(CourseStaff.id)).first()
    admin = session.exec(select(User.id).join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id)
                         .where(Role.name == "admin", User.is_active.is_(True)).order_by(User.id)).first()
    email = lambda uid: session.get(User, uid).email  # noqa: E731
    return Viewers(email(manager), sizes[manager], email(instructor), course_id, count, email(admin))


def _timed(fn, repeat: int, before=None) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        fn()
        samples.append(round((time.perf_counter() - started) * 1000, 2))
    return median(samples), samples


def _measure(url: str, size: str, backend: str) -> Viewers:
    from sqlalchemy import case, func, select
    from sqlmodel import Session

    from lms_app import db
    from lms_app.models import Enrollment, LessonProgress, User
    from lms_app.services import analytics_course, analytics_org, analytics_team, dashboard_cache, teams
    from lms_app.services.csv_export import in_batches
    from lms_app.services.permissions import actor_for

    engine = db.make_engine(url)
    previous = db._engine
    db.set_engine(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            viewers = _viewers(session)
            by_email = lambda e: actor_for(session, session.exec(select(User).where(User.email == e)).scalars().one())  # noqa: E731
            manager, instructor, admin = by_email(viewers.manager), by_email(viewers.instructor), by_email(viewers.admin)
            team = sorted(teams.team_member_ids(session, manager.user_id))
            counts = {name: session.exec(select(func.count()).select_from(model)).scalar_one()
                      for name, model in (("enrollments", Enrollment), ("progress", LessonProgress))}
        info(AREA, f"{backend}, size {size}: manager {viewers.manager} ({viewers.manager_team:,} people), course {viewers.course_id} "
                   f"({viewers.course_enrollments:,} enrollments) as {viewers.instructor}, admin {viewers.admin}; "
                   f"{counts['enrollments']:,} enrollments, {counts['progress']:,} lesson progress rows")

        def plain_team():
            with engine.connect() as conn:
                for batch in in_batches(team, 900):
                    conn.execute(select(Enrollment.user_id, Enrollment.course_id, func.count(Enrollment.id),
                                        func.sum(case((Enrollment.status == "completed", 1), else_=0)))
                                 .where(Enrollment.user_id.in_(batch)).group_by(Enrollment.user_id, Enrollment.course_id)).all()

        def plain_course():
            with engine.connect() as conn:
                conn.execute(select(LessonProgress.lesson_id, func.count(LessonProgress.id))
                             .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
                             .where(Enrollment.course_id == viewers.course_id, LessonProgress.status == "done")
                             .group_by(LessonProgress.lesson_id)).all()

        def plain_org():
            with engine.connect() as conn:
                day = func.date(Enrollment.enrolled_at)
                conn.execute(select(day, func.count(Enrollment.id), func.count(Enrollment.completed_at))
                             .where(Enrollment.org_id == admin.org_id).group_by(day)).all()

        dashboards = {
            "team": (lambda s: analytics_team.team_dashboard(s, manager), plain_team, {"users": team}),
            "course": (lambda s: analytics_course.course_dashboard(s, instructor, viewers.course_id), plain_course,
                       {"course_id": viewers.course_id}),
            "org": (lambda s: analytics_org.org_dashboard(s, admin), plain_org, {}),
        }
        suffix = "" if backend == "sqlite" else f"_{backend}"
        for name, (open_dash, plain, scope) in dashboards.items():
            def opened():
                with Session(engine, expire_on_commit=False) as s:
                    open_dash(s)

            baseline, _ = _timed(plain, WARM_REPEAT)
            cold, cold_samples = _timed(opened, COLD_REPEAT, before=dashboard_cache.clear)
            opened()
            warm, warm_samples = _timed(opened, WARM_REPEAT)
            refresh_samples = []
            for _ in range(REFRESH_REPEAT):
                _one_event(engine, **scope)
                refresh_samples.append(_timed(opened, 1)[0])
            refresh = median(refresh_samples)
            report(AREA, f"{name}_cold{suffix}", cold, "ms", baseline, baseline_unit="ms (plain SQL aggregate)",
                   note=f"{name} dashboard, cache emptied first; baseline: {plain.__name__}", samples=cold_samples, size=size)
            report(AREA, f"{name}_warm{suffix}", warm, "ms", baseline, baseline_unit="ms (plain SQL aggregate)",
                   note=f"{name} dashboard opened again (cached)", samples=warm_samples, size=size)
            report(AREA, f"{name}_refresh{suffix}", refresh, "ms", baseline, baseline_unit="ms (plain SQL aggregate)",
                   note=f"{name} dashboard opened after one lesson completion in its scope (patched)", samples=refresh_samples, size=size)
            _targets(name, backend, size, cold, warm, refresh)
    finally:
        db.set_engine(previous)
        engine.dispose()
    return viewers


def _targets(name: str, backend: str, size: str, cold: float, warm: float, refresh: float) -> None:
    def verdict(ms: float, target: float) -> str:
        return f"{'met' if ms < target else 'missed'} ({ms:.0f} ms, target < {target:.0f} ms)"

    if backend == "sqlite" and size == "M":
        info(AREA, f"target {name} warm on M/SQLite: {verdict(warm, WARM_TARGET_MS)}; cold: {verdict(cold, COLD_TARGET_MS)}; "
                   f"refresh: {verdict(refresh, WARM_TARGET_MS)}")
    elif backend == "postgres" and size == "L":
        info(AREA, f"target {name} on L/PostgreSQL: warm {verdict(warm, PG_L_TARGET_MS)}; cold {verdict(cold, PG_L_TARGET_MS)}")


def _one_event(engine, users: list[int] | None = None, course_id: int | None = None) -> None:
    """A learner in scope completes a text lesson not done yet, through the services (the
    activity event and the change announced after the commit, as in the app)."""
    from sqlmodel import Session, select

    from lms_app.models import Enrollment, Lesson, LessonProgress, User
    from lms_app.services import progress
    from lms_app.services.permissions import actor_for

    with Session(engine, expire_on_commit=False) as session:
        runs = select(Enrollment).where(Enrollment.status == "active").order_by(Enrollment.id)
        if course_id is not None:
            runs = runs.where(Enrollment.course_id == course_id)
        if users is not None:
            runs = runs.where(Enrollment.user_id.in_(users[:900]))
        for run in session.exec(runs.limit(200)).all():
            learner = session.get(User, run.user_id)
            if not learner.is_active:
                continue
            done = select(LessonProgress.lesson_id).where(LessonProgress.enrollment_id == run.id, LessonProgress.status == "done")
            lesson = session.exec(select(Lesson).where(Lesson.course_id == run.course_id, Lesson.kind == "text", Lesson.id.not_in(done))
                                  .order_by(Lesson.id)).first()
            if lesson is None:
                continue
            actor = actor_for(session, learner)
            try:
                progress.open_lesson(session, actor, run.id, lesson.id)
                if progress.mark_viewed(session, actor, run.id, lesson.id):
                    session.commit()
                    return
            except Exception:  # noqa: BLE001 (a locked lesson: try the next run)
                session.rollback()
        raise RuntimeError("no learner in scope has a text lesson left to complete")


# ----------------------------------------------------------------------------- PostgreSQL

def _postgres(tmp: Path, size: str) -> None:
    with fresh_postgres(AREA, tmp) as database:
        if database is not None:
            env, url = database
            seconds, out = run_cli(env, "seed", "--synthetic", size)
            report(AREA, f"seed_synthetic_{size}_postgres", seconds, "s", note=f"python -m lms_app seed --synthetic {size} on a fresh PostgreSQL database (COPY)",
                   output=out.splitlines()[-1] if out else "")
            _measure(url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url, size, "postgres")


# ----------------------------------------------------------------------------- bytes to the browser

# (figure name, viewer attribute, path, a selector that shows once the dashboard's data is in)
PAGES = [
    ("team", "manager", "/teams", "#team-people tbody tr"),
    ("course", "instructor", "/teach/courses/{course_id}/analytics", "#chart-funnel .js-plotly-plot"),
    ("org", "admin", "/admin", "#chart-overview-active .js-plotly-plot"),
]


def _page_bytes(tmp: Path, env: dict[str, str], viewers: Viewers) -> None:
    from playwright.sync_api import Error as PlaywrightError

    from lms_app.services.seed import DEMO_PASSWORD

    counter = ReflexServer("counter", copy_app(PROJECT / "bench" / "counter_app", tmp / "counter_app"), base_env())
    try:
        info(AREA, "building and starting the minimal counter app")
        counter.start()
        with web_lock(AREA):
            lms = ReflexServer("lms", PROJECT, dict(env))
            lms.env["LMS_PUBLIC_URL"] = lms.url
            try:
                info(AREA, "building and starting the LMS")
                lms.start()
                with chromium() as browser:
                    base = _open_bytes(browser, counter.url, "/", "#count", None, None)
                    for name, who, path, ready in PAGES:
                        try:
                            got = _open_bytes(browser, lms.url, path.format(course_id=viewers.course_id), ready, getattr(viewers, who),
                                              DEMO_PASSWORD)
                        except PlaywrightError as exc:
                            info(AREA, f"{name} page: not measured ({str(exc).splitlines()[0]})")
                            continue
                        report(AREA, f"{name}_page_ws_bytes", got["total"], "B", base["total"], baseline_unit="B (counter app page open)",
                               note=f"WebSocket bytes (both directions) of opening {path} until its data shows (median of 3)",
                               sent=got["sent"], received=got["received"], ms=got["ms"])
            finally:
                lms.stop()
    finally:
        counter.stop()


def _open_bytes(browser, url: str, path: str, ready: str, email: str | None, password: str | None) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        meter = FrameMeter(page)
        if email:
            page.goto(url + "/login")
            page.locator("#email").fill(email)
            page.locator("#password").fill(password)
            page.locator("#sign-in").click()
            # The first sign-in of a fresh server also warms it up: give it time.
            page.wait_for_url(re.compile(r"/(learn|teach|teams|admin|profile)/?$"), timeout=180_000)
        samples = []
        for _ in range(3):
            page.goto(url + "/profile" if email else "about:blank")
            meter.settle(page)
            meter.reset()
            started = time.perf_counter()
            page.goto(url + path)
            page.locator(ready).first.wait_for()
            ms = round((time.perf_counter() - started) * 1000, 1)
            meter.settle(page, quiet_ms=800, timeout_ms=20_000)
            samples.append((meter.sent + meter.received, meter.sent, meter.received, ms))
        total, sent, received, ms = sorted(samples)[1]
        return {"total": total, "sent": sent, "received": received, "ms": ms}
    finally:
        context.close()
