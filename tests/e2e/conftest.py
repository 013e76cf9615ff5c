"""End-to-end fixtures: the real app (one production build per test run) on a free port with a
fresh database and a real SMTP server, and a real Chromium driven by Playwright.

Default: SQLite in a temporary data directory, one backend worker.
LMS_E2E_SCALE=1: a throwaway PostgreSQL database on LMS_TEST_DATABASE_URL's server, Redis
(an empty database number of the local server) and two backend workers.

Building the app writes .web/ in the project, so the app runs under an exclusive lock on
/tmp/lms-web.lock (the same lock `flock /tmp/lms-web.lock ...` takes).
"""

from __future__ import annotations

import atexit
import email
import email.policy
import fcntl
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from lms_app import settings
from lms_app.services.seed import DEMO_ORG_NAME, DEMO_PASSWORD

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "tests" / "artifacts"
SHOTS = ARTIFACTS / "e2e"
LOCK_PATH = "/tmp/lms-web.lock"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCALE = os.environ.get("LMS_E2E_SCALE") == "1"
# The first build (bun install, vite) can take minutes on a cold machine, more when another
# build holds the lock.
START_TIMEOUT = float(os.environ.get("LMS_E2E_START_TIMEOUT", "1500"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

__all__ = ["DEMO_ORG_NAME", "DEMO_PASSWORD", "DESKTOP", "PHONE", "SCALE", "body_text", "fill_sign_in", "link_in", "shot", "sign_in", "wait_until_live"]


# --- pytest plumbing -----------------------------------------------------------------------

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # The app starts during the first e2e test's setup (lock wait + production build): give
    # that one test the time; the others keep the suite's per-test timeout.
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.timeout(START_TIMEOUT + 600))
            break


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the lock ------------------------------------------------------------------------------

def _inherited_lock_fd() -> int | None:
    """The descriptor of LOCK_PATH when this process runs under `flock LOCK_PATH pytest`:
    locking a fresh descriptor of the same file would then wait for ourselves forever."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.exists():
        return None
    for entry in fd_dir.iterdir():
        try:
            if os.readlink(entry) == LOCK_PATH:
                return int(entry.name)
        except OSError:
            continue
    return None


@contextmanager
def web_lock():
    inherited = _inherited_lock_fd()
    fd = inherited if inherited is not None else os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"\nwaiting for {LOCK_PATH} (another build or app run holds it)...", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if inherited is None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


# --- SMTP ----------------------------------------------------------------------------------

class Mailbox:
    """Every message the app sent to the test SMTP server, in order of arrival."""

    def __init__(self) -> None:
        self._messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, to: str, subject_contains: str = "", timeout: float = 90.0) -> email.message.EmailMessage:
        """The latest message to `to` (whose subject contains the text), waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.messages):
                if to.lower() in str(message["To"]).lower() and subject_contains.lower() in str(message["Subject"]).lower():
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no email to {to} with {subject_contains!r} in the subject within {timeout:.0f} s "
                    f"(received: {[(str(m['To']), str(m['Subject'])) for m in self.messages]}); "
                    "the job runner sends the outbox: is it running in the app?"
                )
            time.sleep(0.25)


def body_text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def link_in(message: email.message.EmailMessage, base_url: str, path_prefix: str) -> str:
    found = re.search(re.escape(base_url + path_prefix) + r"[^\s<>\"']+", body_text(message))
    assert found, f"no {path_prefix} link to {base_url} in the email:\n{body_text(message)}"
    return found.group(0)


# --- the app ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LmsApp:
    base_url: str
    database_url: str
    data_dir: Path
    log_path: Path
    mailbox: Mailbox
    scale: bool
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.database_url)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @contextmanager
    def db(self):
        """A session on the app's own database, as the app's services expect it (commits on
        success). Links built by services point at the app, as they do in the app."""
        saved = settings.PUBLIC_URL
        settings.PUBLIC_URL = self.base_url
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
                session.commit()
        finally:
            settings.PUBLIC_URL = saved

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _create_postgres_database() -> tuple[str, callable]:
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base:
        raise pytest.UsageError("LMS_E2E_SCALE=1 needs LMS_TEST_DATABASE_URL (a PostgreSQL server to create a database on)")
    name = f"lms_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def _claim_redis_database() -> tuple[str, callable]:
    """An empty database number on the local Redis (the app's keys are then ours alone)."""
    import redis

    base = "redis://127.0.0.1:6379"
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base}/{number}")
        if client.dbsize() == 0:
            client.set("lms-e2e-claim", "1", ex=6 * 3600)  # so a parallel run picks another one
            return f"{base}/{number}", lambda c=client: (c.flushdb(), c.close())
        client.close()
    raise RuntimeError("no empty Redis database number on 127.0.0.1:6379")


def _run_cli(env: dict[str, str], *args: str, log) -> None:
    result = subprocess.run([sys.executable, "-m", "lms_app", *args], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    assert result.returncode == 0, f"python -m lms_app {' '.join(args)} failed (see {log.name})"


def wait_until_ready(base_url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode} before answering; log: {log_path}")
        try:
            ping = httpx.get(base_url + "/ping", timeout=3)
            login = httpx.get(base_url + "/login", timeout=5, follow_redirects=True)
            if ping.status_code == 200 and login.status_code == 200 and "<html" in login.text.lower():
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer on {base_url} within {timeout:.0f} s; log: {log_path}")


def _interrupt(signum, frame):
    # Turn SIGTERM into what Ctrl-C does, so pytest runs the fixtures' teardown.
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def lms_server():
    """The app, started once per test run; stopped (its whole process group) at the end."""
    from aiosmtpd.controller import Controller

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="lms-e2e-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    log_path = ARTIFACTS / ("e2e-app-scale.log" if SCALE else "e2e-app.log")
    cleanups: list = []
    process = None
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    cleanups.append(smtp.stop)
    try:
        with web_lock():
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "REFLEX_", "GRANIAN_"))}
            env.update({
                "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
                "REFLEX_TELEMETRY_ENABLED": "false",
                "LMS_DATA_DIR": str(data_dir),
                "LMS_PUBLIC_URL": base_url,
                "LMS_SECRET_KEY": secrets.token_urlsafe(32),
                "LMS_SMTP_HOST": "127.0.0.1",
                "LMS_SMTP_PORT": str(smtp.port),
                "LMS_JOBS": "on",
                "LMS_JOBS_POLL_SECONDS": "0.5",
                "PYTHONUNBUFFERED": "1",
            })
            if SCALE:
                database_url, drop_db = _create_postgres_database()
                cleanups.append(drop_db)
                redis_url, release_redis = _claim_redis_database()
                cleanups.append(release_redis)
                env.update({"REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": "2"})
            else:
                database_url = f"sqlite:///{data_dir / 'lms.db'}"
                env["GRANIAN_WORKERS"] = "1"
            env["LMS_DATABASE_URL"] = database_url

            with open(log_path, "w") as log:
                _run_cli(env, "migrate", log=log)
                _run_cli(env, "seed", "--demo", log=log)
                log.flush()
                started = time.monotonic()
                process = subprocess.Popen(
                    [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--single-port", "--frontend-port", str(port)],
                    cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                )
                cleanups.append(lambda: _stop(process))
                # A killed test run must not leave the app behind (it runs in its own session).
                atexit.register(_stop, process)
                previous_handler = signal.signal(signal.SIGTERM, _interrupt)
                cleanups.append(lambda: signal.signal(signal.SIGTERM, previous_handler))
                wait_until_ready(base_url, process, log_path, START_TIMEOUT)
                print(f"\napp ready at {base_url} after {time.monotonic() - started:.0f} s ({'PostgreSQL + Redis, 2 workers' if SCALE else 'SQLite'})", file=sys.stderr, flush=True)
                app = LmsApp(base_url, database_url, data_dir, log_path, mailbox, SCALE)
                cleanups.append(app.engine.dispose)
                try:
                    yield app
                finally:
                    # Stop the app while still holding the lock (it must not outlive it).
                    for cleanup in reversed(cleanups):
                        try:
                            cleanup()
                        except Exception as exc:  # keep tearing down the rest
                            print(f"e2e teardown: {exc!r}", file=sys.stderr)
                    cleanups.clear()
    finally:
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as exc:
                print(f"e2e teardown: {exc!r}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def mailbox(lms_server) -> Mailbox:
    return lms_server.mailbox


# --- the browser ---------------------------------------------------------------------------

# Package scope: the sync API keeps an event loop running in the main thread until it stops,
# and the tests after this package call asyncio.run().
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, lms_server, request):
    """Make browser contexts (separate cookie jars) on the app; closed after the test, with a
    screenshot of every open page when the test failed."""
    contexts = []

    def make(viewport: dict | None = None, **kwargs):
        options = {"base_url": lms_server.base_url, "viewport": viewport or DESKTOP, "locale": "en-GB", "timezone_id": "Europe/Paris"}
        if (viewport or DESKTOP)["width"] < 600:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        options.update(kwargs)
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    shot(page, f"failed/{request.node.name}-{i}-{j}")
                except Exception:
                    pass
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


# --- helpers -------------------------------------------------------------------------------

def shot(page, name: str) -> Path:
    """Save a full-page screenshot as tests/artifacts/e2e/<name>[-scale].png."""
    path = SHOTS / f"{name}{'-scale' if SCALE else ''}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until_live(page) -> None:
    """Wait until the page is hydrated and its state arrived over the WebSocket (the
    organization's name is state, sent by the server)."""
    from playwright.sync_api import expect

    expect(page.get_by_text(DEMO_ORG_NAME).first).to_be_visible()


def fill_sign_in(page, email: str, password: str) -> None:
    """Open /login and submit the real form (without waiting for the outcome)."""
    page.goto("/login")
    wait_until_live(page)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("#sign-in").click()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form and wait for the landing page."""
    from playwright.sync_api import expect

    fill_sign_in(page, email, password)
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("#landing-title")).to_be_visible()
