"""Area "gradebook": Irene's gradebook on a course of 1,000 learners × 50 items, and the CSV
export of a course of 10,000 learners × 50 items. The data is bulk-inserted here (demo people
plus synthetic learners, items and grades), not taken from `seed --synthetic`.

- grid_name_ms / grid_total_ms: server time of `gradebook.grid()` for the first page of 50
  learners, sorted by name (reads the page's grades) and by total (reads every learner's
  grades to sort), beside a plain SQL read of the same rows (the page's enrollments and
  grades; every grade of the course for the sort by total).
- load_ws_bytes: WebSocket bytes (both directions, Playwright) of opening the gradebook page
  until the first row's total shows, beside the page's cells as compact JSON (what the
  plain SQL read of the same rows weighs).
- edit_roundtrip / edit_ws_bytes: one inline grade edit (type a manual grade, leave the cell)
  until the row's total shows the new value, beside the minimal Reflex counter app's event.
- export_csv_10k_s: `gradebook.export_csv()` of 10,000 learners × 50 items, beside a plain SQL
  read of the same rows.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from bench.common import (
    PROJECT, REPEAT, WARMUP, FrameMeter, ReflexServer, Step, base_env, chromium, copy_app, counter_event, info,
    measure_events, median, p95, report, run_cli, timed_event, web_lock,
)

AREA = "gradebook"
INSTRUCTOR = "irene@example.com"
ITEMS = 50
GRID_LEARNERS = 1_000
EXPORT_LEARNERS = 10_000
SERVER_REPEAT = 15


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-gradebook-") as tmp:
        tmp_path = Path(tmp)
        data = tmp_path / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data))
        run_cli(env, "migrate")
        run_cli(env, "seed", "--demo")
        db_path = data / "lms.db"
        started = time.perf_counter()
        grid_course = _build(db_path, "Gradebook bench 1k", GRID_LEARNERS, "g")
        export_course = _build(db_path, "Gradebook bench 10k", EXPORT_LEARNERS, "x")
        info(AREA, f"bulk-inserted {GRID_LEARNERS:,} and {EXPORT_LEARNERS:,} learners × {ITEMS} items in {time.perf_counter() - started:.1f} s")
        server = _server_times(db_path, grid_course["course"], export_course["course"])

        counter = ReflexServer("counter", copy_app(PROJECT / "bench" / "counter_app", tmp_path / "counter_app"), base_env())
        try:
            info(AREA, "building and starting the minimal counter app")
            counter.start()
            with web_lock(AREA):
                lms = ReflexServer("lms", PROJECT, env)
                env["LMS_PUBLIC_URL"] = lms.url
                try:
                    info(AREA, "building and starting the LMS")
                    lms.start()
                    with chromium() as browser:
                        base = measure_events(browser, lambda page: counter_event(page, counter.url))
                        load_bytes = _load_bytes(browser, lms.url, grid_course)
                        edits = measure_events(browser, lambda page: _edit(page, lms.url, grid_course))
                finally:
                    lms.stop()
        finally:
            counter.stop()

    info(AREA, f"{GRID_LEARNERS:,} learners × {ITEMS} manual items, signed in as {INSTRUCTOR}; page of 50 rows; "
               f"{REPEAT} edits after {WARMUP} warm-up; server times: median of {SERVER_REPEAT}")
    report(AREA, "grid_name_ms", server["grid_name"], "ms", server["sql_page"], note="grid() first page sorted by name vs plain SQL read of the page's rows")
    report(AREA, "grid_total_ms", server["grid_total"], "ms", server["sql_all"], note="grid() first page sorted by total vs plain SQL read of every grade of the course")
    report(AREA, "load_ws_bytes", load_bytes["total"], "B", server["page_json_bytes"],
           note="WebSocket bytes of opening the page vs the page's cells as compact JSON", sent=load_bytes["sent"], received=load_bytes["received"])
    report(AREA, "load_ms", load_bytes["ms"], "ms", note="opening the gradebook page until the first row's total shows (median of 3)",
           samples=load_bytes["ms_samples"])
    report(AREA, "edit_roundtrip_median", median(edits["ms"]), "ms", median(base["ms"]), note="type a manual grade, leave the cell, to the row's new total",
           samples=edits["ms"], baseline_samples=base["ms"])
    report(AREA, "edit_roundtrip_p95", p95(edits["ms"]), "ms", p95(base["ms"]))
    splits = grid_course["splits"][WARMUP:]
    info(AREA, "edit round trip split (median ms): " + ", ".join(
        f"{name} {median([s[name] for s in splits]):.1f}" for name in ("before_send_ms", "server_ms", "after_receive_ms", "long_task_ms")))
    report(AREA, "edit_ws_bytes", median(edits["total"]), "B", median(base["total"]),
           note="WebSocket bytes of one edit (both directions, median): one row var, not the grid",
           sent=median(edits["sent"]), received=median(edits["received"]))
    report(AREA, "export_csv_10k_s", server["export"], "s", server["sql_export"],
           note=f"export_csv of {EXPORT_LEARNERS:,} learners × {ITEMS} items vs plain SQL read of the same rows", bytes=server["export_bytes"])


def _build(db_path: Path, title: str, learners: int, tag: str) -> dict:
    """A course taught by Irene with `learners` enrolled and ITEMS manual items, every cell
    graded (deterministic points), by bulk inserts."""
    from lms_app.models import Course, CourseStaff, Enrollment, GradeEntry, GradeItem, User

    rng = random.Random(hash(tag) & 0xFFFF)
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        org_id, irene_id = conn.execute(select(User.org_id, User.id).where(User.email == INSTRUCTOR)).one()
        course_id = conn.execute(insert(Course).values(org_id=org_id, title=title, visibility="published", created_by_id=irene_id)).inserted_primary_key[0]
        conn.execute(insert(CourseStaff).values(org_id=org_id, course_id=course_id, user_id=irene_id, role="instructor"))
        conn.execute(insert(GradeItem), [{"org_id": org_id, "course_id": course_id, "title": f"Item {n + 1:02d}", "max_points": 10.0,
                                          "position": n} for n in range(ITEMS)])
        items = [r[0] for r in conn.execute(select(GradeItem.id).where(GradeItem.course_id == course_id).order_by(GradeItem.position))]
        conn.execute(insert(User), [{"org_id": org_id, "email": f"learner{i:05d}.{tag}@bench.example", "name": f"Learner {tag} {i:05d}"}
                                    for i in range(learners)])
        users = [r[0] for r in conn.execute(select(User.id).where(User.email.like(f"%.{tag}@bench.example")).order_by(User.email))]
        conn.execute(insert(Enrollment), [{"org_id": org_id, "course_id": course_id, "user_id": u, "status": "active", "source": "instructor"}
                                          for u in users])
        runs = [r[0] for r in conn.execute(select(Enrollment.id).where(Enrollment.course_id == course_id).order_by(Enrollment.user_id))]
        first_scores = {}
        batch = []
        for n, run in enumerate(runs):
            for item in items:
                points = float(rng.randrange(0, 11))
                if n == 0:
                    first_scores[item] = points
                batch.append({"org_id": org_id, "item_id": item, "enrollment_id": run, "points": points})
            if len(batch) >= 20_000:
                conn.execute(insert(GradeEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(GradeEntry), batch)
    engine.dispose()
    return {"course": course_id, "items": items, "first_run": runs[0], "first_scores": first_scores}


def _timed(fn, repeat: int = SERVER_REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def _server_times(db_path: Path, grid_course: int, export_course: int) -> dict:
    """In-process: grid() and export_csv() beside plain SQL reads, on the bench database."""
    from sqlmodel import Session

    from lms_app import db
    from lms_app.models import User
    from lms_app.services import gradebook
    from lms_app.services.permissions import actor_for

    engine = db.make_engine(f"sqlite:///{db_path}")
    out: dict = {}
    with Session(engine) as session:
        irene = actor_for(session, session.scalars(select(User).where(User.email == INSTRUCTOR)).one())
        gradebook.grid(session, irene, grid_course)  # items synced, caches warm
        session.commit()
        out["grid_name"] = _timed(lambda: gradebook.grid(session, irene, grid_course, sort="name"))
        out["grid_total"] = _timed(lambda: gradebook.grid(session, irene, grid_course, sort="-total"))
        page = gradebook.grid(session, irene, grid_course, sort="name")
        out["page_json_bytes"] = len(json.dumps([[r.enrollment_id, r.name, r.email, [r.scores[i.id].effective if i.id in r.scores else None
                                                                                   for i in page.book.items]] for r in page.rows],
                                                separators=(",", ":")).encode())
        page_sql = text(
            "SELECT e.id, u.name, u.email FROM enrollment e JOIN app_user u ON u.id = e.user_id "
            "WHERE e.course_id = :c AND e.status IN ('active', 'completed') ORDER BY lower(u.name), u.id LIMIT 50")
        entries_sql = "SELECT g.enrollment_id, g.item_id, g.points, g.override_points FROM gradeentry g WHERE g.enrollment_id IN ({})"
        all_sql = text("SELECT g.enrollment_id, g.item_id, g.points, g.override_points FROM gradeentry g "
                       "JOIN gradeitem i ON i.id = g.item_id WHERE i.course_id = :c")

        def plain_page():
            with engine.connect() as conn:
                rows = conn.execute(page_sql, {"c": grid_course}).all()
                conn.execute(text(entries_sql.format(",".join(str(r[0]) for r in rows)))).all()

        def plain_all(course):
            with engine.connect() as conn:
                conn.execute(text("SELECT e.id, u.name, u.email FROM enrollment e JOIN app_user u ON u.id = e.user_id "
                                  "WHERE e.course_id = :c"), {"c": course}).all()
                conn.execute(all_sql, {"c": course}).all()

        out["sql_page"] = _timed(plain_page)
        out["sql_all"] = _timed(lambda: plain_all(grid_course))
        gradebook.book(session, irene, export_course)
        session.commit()
        started = time.perf_counter()
        text_out = gradebook.export_csv(session, irene, export_course)
        out["export"] = time.perf_counter() - started
        out["export_bytes"] = len(text_out.encode())
        session.rollback()
        out["sql_export"] = _timed(lambda: plain_all(export_course), repeat=3) / 1000
    engine.dispose()
    return out


def _sign_in(page, url: str) -> None:
    from lms_app.services.seed import DEMO_PASSWORD

    page.goto(url + "/login")
    page.locator("#email").fill(INSTRUCTOR)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_url(re.compile(r"/(teach|learn)/?$"), timeout=60_000)


def _load_bytes(browser, url: str, course: dict) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        meter = FrameMeter(page)
        _sign_in(page, url)
        samples, times = [], []
        for _ in range(3):
            page.goto(url + "/teach")
            meter.settle(page)
            meter.reset()
            started = time.perf_counter()
            page.goto(f"{url}/teach/courses/{course['course']}/gradebook")
            page.locator(f"#total-{course['first_run']}").wait_for()
            times.append(round((time.perf_counter() - started) * 1000, 1))
            meter.settle(page, quiet_ms=500)
            samples.append((meter.sent + meter.received, meter.sent, meter.received))
        total, sent, received = sorted(samples)[1]
        return {"total": total, "sent": sent, "received": received, "ms": median(times), "ms_samples": times}
    finally:
        context.close()


# Installed before the page's scripts: performance.now() of every WebSocket frame the page sends
# and receives (keep-alives left out), to split an edit's round trip into the browser's work
# before sending, the server (plus loopback network) and the browser's work after the delta came.
WS_TIMES_JS = """
(() => {
  if (window.__wsTimes) return;
  const t = window.__wsTimes = {sent: [], received: []};
  const keepAlive = (d) => d === "2" || d === "3";
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!keepAlive(data)) t.sent.push(performance.now());
    return send.call(this, data);
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => { if (!keepAlive(e.data)) t.received.push(performance.now()); });
    }
  };
})();
"""

# The split of the last timed event: t0 -> first frame sent, -> first frame received after it,
# last frame received before t1 -> t1 (applying the delta and rendering it).
SPLIT_JS = """
() => {
  const b = window.__bench, t = window.__wsTimes;
  const sent = t.sent.find((x) => x >= b.t0);
  const first = t.received.find((x) => x >= sent);
  const last = t.received.filter((x) => x >= sent && x <= b.t1).pop();
  return {before_send_ms: sent - b.t0, server_ms: first - sent, after_receive_ms: b.t1 - last};
}
"""


def _edit(page, url: str, course: dict) -> Step:
    page.add_init_script(WS_TIMES_JS)
    _sign_in(page, url)
    page.goto(f"{url}/teach/courses/{course['course']}/gradebook")
    key, item = course["first_run"], course["items"][0]
    scores = dict(course["first_scores"])
    possible = 10.0 * len(scores)
    page.locator(f"#total-{key}").wait_for()
    turn = {"n": 0}
    splits = course.setdefault("splits", [])

    def step(meter: FrameMeter) -> dict:
        turn["n"] += 1
        value = float(turn["n"] % 10)
        if value == scores[item]:
            value = (value + 1) % 10
            turn["n"] += 1
        scores[item] = value
        expect = f"{sum(scores.values()) / possible * 100:.1f} %"
        cell = page.locator(f"#cell-{key}-{item}")

        def act():
            cell.fill(f"{value:g}")
            cell.press("Tab")

        timing = timed_event(page, meter, f"#cell-{key}-{item}", f"#total-{key}", expect, act)
        timing.update(page.evaluate(SPLIT_JS))
        splits.append(timing)
        return timing

    return step
