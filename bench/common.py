"""What every bench area shares: the result line and file, the app servers, the browser.

A figure is printed as one line the moment it is measured,
`bench: <area>.<name> <value> <unit> baseline <value> <unit> ratio <x>`, and all figures of
the run are written to bench/results/latest.json. Targets are reported, never asserted.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_DIR = PROJECT / "bench" / "results"
# Every process that builds the project's .web directory takes this lock first.
WEB_LOCK = Path("/tmp/lms-web.lock")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def bench_size() -> str:
    """The largest synthetic size this run measures: M unless BENCH_SIZE=L asks for more."""
    size = os.environ.get("BENCH_SIZE", "M").strip().upper() or "M"
    if size not in ("S", "M", "L"):
        raise SystemExit(f"BENCH_SIZE must be S, M or L, not {size!r}")
    return size


# ----------------------------------------------------------------------------- results

@dataclass
class Result:
    area: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_unit: str | None = None
    ratio: float | None = None
    note: str = ""
    details: dict = field(default_factory=dict)

    def line(self) -> str:
        head = f"bench: {self.area}.{self.name} {fmt(self.value)} {self.unit}"
        if self.baseline is None:
            return f"{head} baseline none ratio none"
        ratio = fmt(self.ratio) if self.ratio is not None else "none"
        return f"{head} baseline {fmt(self.baseline)} {self.baseline_unit} ratio {ratio}"


RESULTS: list[Result] = []


def fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) >= 100:
        return str(int(x))
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def report(area: str, name: str, value: float, unit: str, baseline: float | None = None,
           baseline_unit: str | None = None, note: str = "", **details) -> Result:
    """Print one figure (flushed at once) and keep it for the results file."""
    ratio = None
    if baseline is not None and baseline != 0:
        ratio = value / baseline
    result = Result(area, name, float(value), unit, None if baseline is None else float(baseline),
                    baseline_unit or (unit if baseline is not None else None), ratio, note, details)
    RESULTS.append(result)
    print(result.line(), flush=True)
    return result


def info(area: str, text: str) -> None:
    """A line of context (not a figure): what was measured, on what."""
    print(f"{area}: {text}", flush=True)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def write_results(areas: list[str], errors: dict[str, str]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "areas": areas,
        "size": bench_size(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "results": [asdict(r) for r in RESULTS],
        "errors": errors,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 30 samples: the second largest)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


# ----------------------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BENCH_PG_URL = os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def fresh_postgres(area: str, tmp: Path) -> Iterator[tuple[dict[str, str], str] | None]:
    """A new, migrated PostgreSQL database for one area's figures, dropped afterwards: yields
    (the CLI's environment, the database URL), or None when the server does not answer."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        server = make_url(BENCH_PG_URL)
        admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        info(area, f"PostgreSQL at {BENCH_PG_URL} does not answer ({type(exc).__name__}): its figures are left out")
        yield None
        return
    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        env = base_env(LMS_DATA_DIR=str(tmp / "pg-data"), LMS_JOBS="off", LMS_DATABASE_URL=url)
        run_cli(env, "migrate")
        yield env, url
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(**extra: str) -> dict[str, str]:
    """The environment of the processes a bench starts: venv tools first, telemetry off, and
    none of the caller's database or Redis settings (a bench never touches real data)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LMS_DATABASE_URL", "REFLEX_REDIS_URL", "LMS_REDIS_URL", "REFLEX_DB_URL")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextlib.contextmanager
def web_lock(area: str) -> Iterator[None]:
    """Hold the project's .web build lock (other processes build the same directory)."""
    with open(WEB_LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info(area, "waiting for another build of the app to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def children_of(pid: int) -> list[int]:
    """Every descendant of a process, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class ReflexServer:
    """`reflex run --env prod --single-port` of one app directory, on a free port, in its own
    process group so that stopping it stops its workers too."""

    def __init__(self, name: str, app_dir: Path, env: dict[str, str], port: int | None = None):
        self.name = name
        self.app_dir = app_dir
        self.port = port or free_port()
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self, timeout: float = 1500) -> None:
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(BIN / "reflex"), "run", "--env", "prod", "--single-port", "--frontend-port", str(self.port), "--loglevel", "warning"],
            cwd=self.app_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} app stopped while starting (exit {self.proc.returncode}):\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(1)
        raise RuntimeError(f"{self.name} app did not answer on port {self.port} within {timeout:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ping", timeout=2) as r:
                if r.status != 200:
                    return False
            # The page itself, so the frontend is mounted as well as the backend.
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as r:
                return r.status == 200
        except (OSError, ValueError):
            return False

    def worker_pids(self) -> list[int]:
        """The backend workers: the processes the `reflex run` supervisor forked."""
        return children_of(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def worker_peak_rss_kb(self) -> tuple[int, int]:
        """(largest VmHWM among the workers, number of workers)."""
        peaks = [kb for kb in (proc_status_kb(p, "VmHWM") for p in self.worker_pids()) if kb]
        return (max(peaks) if peaks else 0), len(peaks)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            pgid = self.proc.pid  # start_new_session: the group is ours alone
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        else:
            # The supervisor is gone; make sure no worker of its group is left behind.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None
        with contextlib.suppress(OSError):
            self.log_path.unlink()


def copy_app(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".web", ".states", "__pycache__", "*.pyc"))
    return dest


# ----------------------------------------------------------------------------- browser

@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """The Debian Chromium under Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install the Debian package chromium (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class FrameMeter:
    """Bytes of the WebSocket frames a page sends and receives, counted from a reset.

    Engine.IO keep-alive pings ("2") and pongs ("3") are not part of any event and are left out."""

    KEEPALIVE = {"2", "3", b"2", b"3"}

    def __init__(self, page) -> None:
        self.sent = self.received = 0
        self.frames = 0
        self.last_frame_at = time.monotonic()
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        ws.on("framesent", lambda payload: self._count(payload, sent=True))
        ws.on("framereceived", lambda payload: self._count(payload, sent=False))

    def _count(self, payload, sent: bool) -> None:
        if payload in self.KEEPALIVE:
            return
        size = len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)
        if sent:
            self.sent += size
        else:
            self.received += size
        self.frames += 1
        self.last_frame_at = time.monotonic()

    def reset(self) -> None:
        self.sent = self.received = self.frames = 0
        self.last_frame_at = time.monotonic()

    def settle(self, page, quiet_ms: int = 300, timeout_ms: int = 5000) -> None:
        """Let the page run until no frame has come or gone for quiet_ms."""
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            page.wait_for_timeout(50)
            if (time.monotonic() - self.last_frame_at) * 1000 >= quiet_ms:
                return


# Installed in every page (an init script). performance.now() in the page marks t0, the
# pointer release on the control (capture phase, so before the app's own handler), and t1,
# the first moment the watched element shows the expected text. Long tasks (over 50 ms of
# main-thread work) are kept too, to tell the browser's share of a slow round trip.
ROUNDTRIP_JS = """
(() => {
  if (window.__bench) return;
  const b = window.__bench = {t0: null, t1: null, armed: false, control: null, watch: null, expect: null, obs: null, long: []};
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.long.push([e.startTime, e.startTime + e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const mark = (e) => {
    if (b.armed && b.t0 === null && e.target instanceof Element && e.target.closest(b.control)) b.t0 = performance.now();
  };
  document.addEventListener('pointerup', mark, true);
  document.addEventListener('click', mark, true);
  document.addEventListener('change', mark, true);  // a native select picked from the keyboard or by a script
  window.__benchArm = (control, watch, expect) => {
    if (b.obs) b.obs.disconnect();
    Object.assign(b, {t0: null, t1: null, armed: true, control, watch, expect});
    const check = () => {
      const el = document.querySelector(b.watch);
      if (b.t0 !== null && b.t1 === null && el && el.textContent.trim() === b.expect) {
        b.t1 = performance.now();
        b.armed = false;
        b.obs.disconnect();
      }
    };
    b.obs = new MutationObserver(check);
    b.obs.observe(document.body, {subtree: true, childList: true, characterData: true});
  };
  // The last measurement: its round trip and the long-task time inside it.
  window.__benchResult = () => {
    const busy = b.long.reduce((sum, [s, e]) => sum + Math.max(0, Math.min(e, b.t1) - Math.max(s, b.t0)), 0);
    return {ms: b.t1 - b.t0, long_task_ms: busy};
  };
})();
"""


# ----------------------------------------------------------------------------- events in a browser

WARMUP = 3
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
# One timed event: given the frame meter, do the action and return {"ms", "long_task_ms"}.
Step = Callable[["FrameMeter"], dict]

def measure_events(browser, open_page: Callable[[object], Step]) -> dict[str, list[float]]:
    """Warm up, then time REPEAT events in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(ROUNDTRIP_JS)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        meter = FrameMeter(page)
        step = open_page(page)
        out: dict[str, list[float]] = {"ms": [], "long_task_ms": [], "sent": [], "received": [], "total": []}
        for i in range(WARMUP + REPEAT):
            timing = step(meter)
            meter.settle(page)
            if not (meter.sent and meter.received):
                raise RuntimeError(f"the event on {page.url} changed the page without a WebSocket round trip")
            if i >= WARMUP:
                out["ms"].append(round(timing["ms"], 2))
                out["long_task_ms"].append(round(timing["long_task_ms"], 2))
                out["sent"].append(meter.sent)
                out["received"].append(meter.received)
                out["total"].append(meter.sent + meter.received)
        return out
    finally:
        context.close()


def timed_event(page, meter: FrameMeter, control: str, watch: str, expect: str, click: Callable[[], None]) -> dict:
    page.evaluate("([c, w, e]) => window.__benchArm(c, w, e)", [control, watch, expect])
    meter.reset()
    click()
    page.wait_for_function("() => window.__bench.t1 !== null", timeout=15_000)
    return page.evaluate("() => window.__benchResult()")


def counter_event(page, url: str) -> Step:
    page.goto(url + "/")
    count = page.locator("#count")
    page.wait_for_function("() => document.querySelector('#count')?.textContent.trim() === '0'")

    def step(meter: FrameMeter) -> dict:
        expect = str(int(count.inner_text().strip()) + 1)
        return timed_event(page, meter, "#increment", "#count", expect, lambda: page.locator("#increment").click())

    return step



# ----------------------------------------------------------------------------- the app's CLI

def run_cli(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run `python -m lms_app ...`; its wall-clock seconds and output."""
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "python"), "-m", "lms_app", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"python -m lms_app {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return elapsed, done.stdout.strip()
