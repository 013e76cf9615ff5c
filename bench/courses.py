"""Area "courses": the learner's player and the catalog on the synthetic M data set, its
catalog topped up to 2,000 published courses (`seed --catalog`; the first course has 20
modules of 10 lessons).

- player_next: on /learn/courses/<big>/<lesson>, click "Next" until the next lesson's title
  shows (a client-side navigation: the player's on_load event and its delta).
- player_open: a full load of a lesson page of that course, navigation to title shown.
- catalog_filter: on /catalog, pick a category in the filter until the result count of that
  category shows (the search query over the 2,000 courses, paged by 24).
Events are timed like the foundation's (click to DOM update, WebSocket bytes of the event)
beside the minimal Reflex counter app built in the same run.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bench.common import (
    PROJECT, REPEAT, WARMUP, FrameMeter, ReflexServer, Step, base_env, chromium, copy_app, counter_event, info,
    measure_events, median, p95, report, run_cli, timed_event, web_lock,
)

AREA = "courses"
LEARNER = "leo@example.com"
CATEGORIES = ("Safety", "Leadership")
CATALOG_COURSES = 2_000


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-courses-") as tmp:
        tmp_path = Path(tmp)
        counter = ReflexServer("counter", copy_app(PROJECT / "bench" / "counter_app", tmp_path / "counter_app"), base_env())
        try:
            info(AREA, "building and starting the minimal counter app")
            counter.start()
            with web_lock(AREA):
                data = tmp_path / "lms-data"
                env = base_env(LMS_DATA_DIR=str(data))
                lms = ReflexServer("lms", PROJECT, env)
                env["LMS_PUBLIC_URL"] = lms.url
                try:
                    run_cli(env, "migrate")
                    run_cli(env, "seed", "--demo")
                    # The dashboards' M has 100 courses; the catalog is searched over 2,000.
                    run_cli(env, "seed", "--synthetic", "M", "--catalog", str(CATALOG_COURSES))
                    facts = _facts(data / "lms.db")
                    info(AREA, "building and starting the LMS")
                    lms.start()
                    with chromium() as browser:
                        base = measure_events(browser, lambda page: counter_event(page, counter.url))
                        following = measure_events(browser, lambda page: _next_lesson(page, lms.url, facts))
                        catalog = measure_events(browser, lambda page: _catalog_filter(page, lms.url, facts))
                        opening = _open_times(browser, lms.url, facts)
                finally:
                    lms.stop()
        finally:
            counter.stop()

    info(AREA, f"{facts['courses']} published courses; the player's course has {len(facts['lessons'])} lessons; "
               f"signed in as {LEARNER}; {REPEAT} events each after {WARMUP} warm-up; baseline: the counter app's increment")
    for prefix, app, note in (("player_next", following, "click Next to the next lesson's title"),
                              ("catalog_filter", catalog, "pick a category to its result count")):
        report(AREA, f"{prefix}_roundtrip_median", median(app["ms"]), "ms", median(base["ms"]), note=note,
               samples=app["ms"], baseline_samples=base["ms"])
        report(AREA, f"{prefix}_roundtrip_p95", p95(app["ms"]), "ms", p95(base["ms"]))
        report(AREA, f"{prefix}_ws_bytes", median(app["total"]), "B", median(base["total"]),
               note="WebSocket frame payloads of one event, both directions (median)",
               sent=median(app["sent"]), received=median(app["received"]))
    report(AREA, "player_open_median", median(opening), "ms", note="full page load of a lesson to its title shown", samples=opening)


def _facts(db_path: Path) -> dict:
    """From the seeded database: the big course, its lessons in order, the category counts."""
    from lms_app.models import Course, Lesson, Module

    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        published = Course.visibility == "published"
        big = conn.execute(select(Course.id).join(Lesson, Lesson.course_id == Course.id).where(published)
                           .group_by(Course.id).order_by(func.count(Lesson.id).desc()).limit(1)).scalar_one()
        lessons = conn.execute(select(Lesson.id, Lesson.title).join(Module, Module.id == Lesson.module_id)
                               .where(Lesson.course_id == big).order_by(Module.position, Lesson.position)).all()
        counts = {c: conn.execute(select(func.count(Course.id)).where(published, Course.category == c)).scalar_one() for c in CATEGORIES}
        total = conn.execute(select(func.count(Course.id)).where(published)).scalar_one()
    engine.dispose()
    return {"course": big, "lessons": [(i, t) for i, t in lessons], "counts": counts, "courses": total}


def _sign_in(page, url: str) -> None:
    from lms_app.services.seed import DEMO_PASSWORD

    page.goto(url + "/login")
    page.locator("#email").fill(LEARNER)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_url(re.compile(r"/learn/?$"), timeout=60_000)


def _enrolled(page, url: str, facts: dict) -> None:
    """Leo joins the big course from its catalog page (once; later calls find him enrolled)."""
    _sign_in(page, url)
    page.goto(f"{url}/catalog/{facts['course']}")
    enroll, go_on = page.locator("#enroll"), page.locator("#continue")
    enroll.or_(go_on).first.wait_for()
    if enroll.is_visible():
        enroll.click()
        page.wait_for_url(re.compile(r"/learn/courses/"), timeout=30_000)


def _next_lesson(page, url: str, facts: dict) -> Step:
    _enrolled(page, url, facts)
    lessons = facts["lessons"]
    position = {"at": 0}
    page.goto(f"{url}/learn/courses/{facts['course']}/{lessons[0][0]}")
    page.locator("#lesson-title").wait_for()

    def step(meter: FrameMeter) -> dict:
        position["at"] += 1
        expect = lessons[position["at"]][1]
        return timed_event(page, meter, "#next-lesson", "#lesson-title", expect, lambda: page.locator("#next-lesson").click())

    return step


def _catalog_filter(page, url: str, facts: dict) -> Step:
    _sign_in(page, url)
    page.goto(url + "/catalog")
    page.locator("#catalog-count").wait_for()
    turn = {"n": 0}

    def step(meter: FrameMeter) -> dict:
        category = CATEGORIES[turn["n"] % 2]
        turn["n"] += 1
        page.locator("#catalog-category").click()
        option = page.get_by_role("option", name=category, exact=True)
        option.wait_for(state="visible")
        page.wait_for_timeout(200)  # the list's opening animation; not part of the event
        return timed_event(page, meter, "[role=option]", "#catalog-count", _count_text(facts["counts"][category]), lambda: option.click())

    return step


def _count_text(n: int) -> str:
    return f"1–24 of {n} courses" if n > 24 else f"{n} courses"


def _open_times(browser, url: str, facts: dict) -> list[float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        _sign_in(page, url)
        times = []
        for i, (lesson_id, title) in enumerate(facts["lessons"][: WARMUP + REPEAT]):
            started = time.perf_counter()
            page.goto(f"{url}/learn/courses/{facts['course']}/{lesson_id}")
            page.wait_for_function("(t) => document.querySelector('#lesson-title')?.textContent.trim() === t", arg=title)
            if i >= WARMUP:
                times.append(round((time.perf_counter() - started) * 1000, 1))
        return times
    finally:
        context.close()
