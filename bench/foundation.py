"""Area "foundation": what the app shell costs before any course exists.

- One Reflex event of a signed-in learner, click to DOM update, and the bytes of its
  WebSocket frames, beside the same on a minimal Reflex counter app built in the same run.
  The learner's landing page (/learn) has no control that sends an event, so the events are
  the two selects of /profile: the time zone (ProfileState.pick_timezone, the figure the
  issue asks for; a list of some 500 zones) and the language (ProfileState.pick_locale, four
  items: the same state and shell with a light control). The learner picks a value, the
  server stores it in the state, and the select shows it once the delta is back.
- The peak memory (VmHWM) of one backend worker of each app after that run.
- The seconds `python -m lms_app seed --synthetic M` takes on a fresh database, beside S
  (and L beside M with BENCH_SIZE=L; on PostgreSQL as well with LMS_BENCH_PG=1).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

from bench.common import (
    BENCH_PG_URL, PROJECT, REPEAT, WARMUP, FrameMeter, ReflexServer, Step, base_env, bench_size, chromium, copy_app, counter_event,
    info, measure_events, median, p95, report, run_cli, timed_event, web_lock,
)

AREA = "foundation"
LEARNER = "leo@example.com"
TIMEZONES = ("Asia/Tokyo", "America/New_York")  # offsets unlike each other and the learner's own (Europe/Paris)
LANGUAGES = ("Deutsch", "Français")  # as the select shows them
PG_URL = BENCH_PG_URL



def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-foundation-") as tmp:
        tmp_path = Path(tmp)
        _event_and_memory(tmp_path)
        _seed_timings(tmp_path)


# ----------------------------------------------------------------------------- event round trip

def _event_and_memory(tmp: Path) -> None:
    counter = ReflexServer("counter", copy_app(PROJECT / "bench" / "counter_app", tmp / "counter_app"), base_env())
    try:
        info(AREA, "building and starting the minimal counter app")
        counter.start()
        with web_lock(AREA):
            env = base_env(LMS_DATA_DIR=str(tmp / "lms-data"))
            lms = ReflexServer("lms", PROJECT, env)
            env["LMS_PUBLIC_URL"] = lms.url
            try:
                run_cli(env, "migrate")
                run_cli(env, "seed", "--demo")
                info(AREA, "building and starting the LMS")
                lms.start()
                with chromium() as browser:
                    base = measure_events(browser, lambda page: counter_event(page, counter.url))
                    timezone = measure_events(browser, lambda page: _time_zone_event(page, lms.url))
                    locale = measure_events(browser, lambda page: _profile_select_event(page, lms.url, "#profile-locale", LANGUAGES))
                lms_rss, lms_workers = lms.worker_peak_rss_kb()
                counter_rss, counter_workers = counter.worker_peak_rss_kb()
            finally:
                lms.stop()  # while the lock is held: another build may start right after
    finally:
        counter.stop()

    info(AREA, f"event: ProfileState.pick_timezone (native time zone select on /profile, until the zone's offset shows, signed in as the learner {LEARNER}); "
               f"event_light: ProfileState.pick_locale (language select, same page); baseline: the increment button "
               f"of a minimal Reflex counter app built in this run; {REPEAT} events each after {WARMUP} warm-up")
    for prefix, app in (("event", timezone), ("event_light", locale)):
        report(AREA, f"{prefix}_roundtrip_median", median(app["ms"]), "ms", median(base["ms"]), note="click to DOM update",
               samples=app["ms"], baseline_samples=base["ms"],
               long_task_ms_median=median(app["long_task_ms"]), baseline_long_task_ms_median=median(base["long_task_ms"]))
        report(AREA, f"{prefix}_roundtrip_p95", p95(app["ms"]), "ms", p95(base["ms"]))
        report(AREA, f"{prefix}_ws_bytes", median(app["total"]), "B", median(base["total"]),
               note="WebSocket frame payloads of one event, both directions (median)",
               sent=median(app["sent"]), received=median(app["received"]),
               baseline_sent=median(base["sent"]), baseline_received=median(base["received"]))
    report(AREA, "worker_peak_rss", lms_rss / 1024, "MiB", counter_rss / 1024, baseline_unit="MiB",
           note="VmHWM of the largest backend worker after the browser run", workers=lms_workers, baseline_workers=counter_workers)


def _sign_in(page, url: str) -> None:
    from lms_app.services.seed import DEMO_PASSWORD

    page.goto(url + "/login")
    page.locator("#email").fill(LEARNER)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#sign-in").click()
    page.wait_for_url(re.compile(r"/learn/?$"), timeout=60_000)
    page.locator("#landing-title").wait_for()


def _open_profile(page, url: str, control_id: str):
    _sign_in(page, url)
    page.goto(url + "/profile")
    control = page.locator(control_id)
    control.wait_for()
    page.get_by_text(LEARNER).first.wait_for()  # ProfileState.load has run
    return control


def _time_zone_event(page, url: str) -> Step:
    """Pick a zone in the native select; done when the page shows that zone's UTC offset,
    which the server computes."""
    from lms_app.services.timefmt import utc_offset

    select = _open_profile(page, url, "#profile-timezone")

    def step(meter: FrameMeter) -> dict:
        target = TIMEZONES[0] if select.input_value() != TIMEZONES[0] else TIMEZONES[1]
        return timed_event(page, meter, "#profile-timezone", "#profile-zone-offset", utc_offset(target), lambda: select.select_option(target))

    return step


def _profile_select_event(page, url: str, trigger_id: str, values: tuple[str, str]) -> Step:
    trigger = _open_profile(page, url, trigger_id)

    def step(meter: FrameMeter) -> dict:
        target = values[0] if trigger.inner_text().strip() != values[0] else values[1]
        trigger.click()
        option = page.get_by_role("option", name=target, exact=True)
        option.wait_for(state="visible")
        option.scroll_into_view_if_needed()
        page.wait_for_timeout(200)  # the list's opening animation; not part of the event
        return timed_event(page, meter, "[role=option]", trigger_id, target, lambda: option.click())

    return step


# ----------------------------------------------------------------------------- seed timings

def _seed_timings(tmp: Path) -> None:
    pairs = [("M", "S")] + ([("L", "M")] if bench_size() == "L" else [])
    backends = ["sqlite"] + (["postgres"] if os.environ.get("LMS_BENCH_PG") == "1" else [])
    for backend in backends:
        runs: dict[str, tuple[float, str]] = {}
        for measured, baseline in pairs:
            for size in (baseline, measured):
                if size not in runs:
                    runs[size] = _time_seed(tmp, backend, size)
            report(AREA, f"seed_synthetic_{measured}_{backend}", runs[measured][0], "s", runs[baseline][0], baseline_unit=f"s (size {baseline})",
                   note=f"python -m lms_app seed --synthetic {measured}, whole command, on a fresh migrated {backend} database",
                   output=runs[measured][1], baseline_output=runs[baseline][1])


def _time_seed(tmp: Path, backend: str, size: str) -> tuple[float, str]:
    data_dir = tmp / f"seed-{backend}-{size}"
    data_dir.mkdir()
    env = base_env(LMS_DATA_DIR=str(data_dir))
    if backend == "sqlite":
        run_cli(env, "migrate")
        return run_cli(env, "seed", "--synthetic", size)

    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(PG_URL)
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env["LMS_DATABASE_URL"] = server.set(database=name).render_as_string(hide_password=False)
        run_cli(env, "migrate")
        return run_cli(env, "seed", "--synthetic", size)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
