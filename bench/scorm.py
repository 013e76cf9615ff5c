"""Area "scorm": the SCORM Commit round trip under 100 learners committing at once, on a fresh
SQLite database and, when it answers, on PostgreSQL (LMS_BENCH_PG_URL).

Setup, per database: the demo people, a published course with one SCORM 1.2 lesson (the
single-SCO package of tests/scorm_packages), 100 learners enrolled, each signed in (a login
session opened through the auth service: no password hashing) and each launched once, so
each holds an open attempt and its commit address.

The server is the LMS's API app (`lms_app.api.app.build_api()`, the routes the Reflex server
mounts) plus one bench-only route, POST /bench/echo, under Granian with one worker as
`reflex run --env prod` starts it, in its own process; the figures are this app alone, not
through Reflex's single-port proxy. 100 concurrent clients (httpx, a pool of 100 keep-alive connections) send
the same ~3.7 KB body (lesson location, status, score, ~2 KB suspend data, 5 interactions) in
rounds of 100 at once: one warm-up round, then ROUNDS timed rounds, each commit with the next
sequence number. Echo rounds and commit rounds alternate.

- commit_p50 / commit_p95: the latency of POST /scorm/commit (the body validated against the
  data model, kept, the attempt rolled up), beside the echo route's for the same body and the
  same concurrency: it resolves the signed-in person from the cookie in a database session
  and reads the body in the thread pool exactly as the SCORM routes do, and does nothing more.
- commit_rate: commits per second over the timed rounds, beside echo requests per second.
Every commit must come back accepted (a refused commit stops the area: refusals measure nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# At module level: FastAPI reads the echo route's annotations by name from this module.
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bench.common import BIN, PROJECT, base_env, fresh_postgres, free_port, info, median, p95, report, run_cli

AREA = "scorm"
LEARNERS = 100
ROUNDS = 10
WARMUP_ROUNDS = 1
LEARNER_IP = "127.0.0.1"
START_TIMEOUT = 120


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-scorm-") as tmp:
        tmp_path = Path(tmp)
        env = base_env(LMS_DATA_DIR=str(tmp_path / "lms-data"), LMS_JOBS="off")
        run_cli(env, "migrate")
        _measure(env, tmp_path, "sqlite")
        with fresh_postgres(AREA, tmp_path) as database:
            if database is not None:
                _measure(database[0], tmp_path, "postgres")


# ----------------------------------------------------------------------------- the bench process

def _run_module(env: dict[str, str], *args: str) -> str:
    """`python -m bench.scorm ...` in the database's environment (its settings are read at import)."""
    done = subprocess.run([str(BIN / "python"), "-m", "bench.scorm", *args], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"python -m bench.scorm {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def _measure(env: dict[str, str], tmp: Path, backend: str) -> None:
    learners_file = tmp / f"learners-{backend}.json"
    started = time.perf_counter()
    _run_module(env, "prepare", str(learners_file))
    learners = json.loads(learners_file.read_text())
    info(AREA, f"{backend}: {len(learners)} learners enrolled, signed in and launched in {time.perf_counter() - started:.1f} s")
    port = free_port()
    log_path = tmp / f"server-{backend}.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(BIN / "python"), "-m", "bench.scorm", "serve", str(port)], cwd=PROJECT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_until_answering(server, port, log_path)
        try:
            figures = asyncio.run(_drive(port, learners))
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\nThe server's log:\n{_first_error(log_path)}") from exc
    finally:
        _stop(server)
    _report(backend, figures)


def _wait_until_answering(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the API server stopped while starting (exit {server.returncode}):\n{log_path.read_text()[-3000:]}")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/bench/echo", data=b"{}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=2)
        except urllib.error.HTTPError as refused:
            if refused.code == 401:
                return  # refused without a cookie: the app and the echo route are serving
            raise RuntimeError(f"the echo route answered {refused.code} instead of 401 without a sign-in cookie") from None
        except OSError:
            time.sleep(0.5)
            continue
        raise RuntimeError("the echo route answered a request without a sign-in cookie")
    raise RuntimeError(f"the API server did not answer on port {port} within {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")


def _first_error(log_path: Path) -> str:
    """The end of the server's first traceback, where the error is named (the later ones are
    often its consequences, such as clients hanging up)."""
    text = log_path.read_text(errors="replace")
    start = text.find("Traceback")
    if start < 0:
        return text[-3000:]
    following = text.find("Traceback", start + 1)
    return text[start:following if following > 0 else len(text)][-3000:]


def _stop(server: subprocess.Popen) -> None:
    """Stop the server's whole process group (Granian forks its worker)."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=10)


# ----------------------------------------------------------------------------- the clients

def commit_body(seq: int) -> bytes:
    """What a SCORM 1.2 SCO commits mid-lesson: bookmark, status, score, ~2 KB of suspend data
    and five answered questions, as the player's run-time sends it."""
    values = {
        "cmi.core.lesson_location": f"chapter-3/page-{seq}",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.score.raw": str(40 + seq % 50), "cmi.core.score.min": "0", "cmi.core.score.max": "100",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "0000:12:34.00",
        # Varies with the commit so every commit writes new data.
        "cmi.suspend_data": (f"v2|seq={seq}|" + "answered=" + ",".join(f"q{n}:{(n * seq) % 4}" for n in range(300)))[:2000],
    }
    for n in range(5):
        base = f"cmi.interactions.{n}"
        values.update({
            f"{base}.id": f"question-{n + 1}", f"{base}.type": "choice", f"{base}.student_response": "b",
            f"{base}.correct_responses.0.pattern": "b" if n % 2 else "c", f"{base}.result": "correct" if n % 2 else "wrong",
            f"{base}.weighting": "1", f"{base}.time": "10:15:00",
        })
    return json.dumps({"values": values, "seq": seq, "finished": False}).encode()


async def _round(client, learners: list[dict], path_of, seq: int) -> tuple[float, list[float], list[dict]]:
    """All learners at once; the round's wall seconds, each request's milliseconds and replies."""
    body = commit_body(seq)

    async def one(learner: dict) -> tuple[float, dict]:
        started = time.perf_counter()
        response = await client.post(path_of(learner), content=body, headers={
            "Cookie": f"{learner['cookie_name']}={learner['cookie']}", "Content-Type": "application/json"})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"POST {path_of(learner)} answered {response.status_code}: {response.text[:300]}")
        return elapsed, response.json()

    started = time.perf_counter()
    done = await asyncio.gather(*(one(learner) for learner in learners))
    return time.perf_counter() - started, [ms for ms, _ in done], [reply for _, reply in done]


async def _drive(port: int, learners: list[dict]) -> dict:
    import httpx

    def commit_path(learner: dict) -> str:
        return learner["commit_url"]

    def echo_path(_learner: dict) -> str:
        return "/bench/echo"

    limits = httpx.Limits(max_connections=len(learners), max_keepalive_connections=len(learners))
    figures = {"commit_ms": [], "echo_ms": [], "commit_seconds": 0.0, "echo_seconds": 0.0, "accepted": 0}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:
        for seq in range(1, WARMUP_ROUNDS + ROUNDS + 1):
            timed = seq > WARMUP_ROUNDS
            echo_seconds, echo_ms, _ = await _round(client, learners, echo_path, seq)
            commit_seconds, commit_ms, replies = await _round(client, learners, commit_path, seq)
            refused = [reply for reply in replies if reply.get("accepted") is not True]
            if refused:
                raise RuntimeError(f"{len(refused)} of {len(replies)} commits of round {seq} were not accepted: {refused[0]}")
            if timed:
                figures["echo_ms"] += echo_ms
                figures["commit_ms"] += commit_ms
                figures["echo_seconds"] += echo_seconds
                figures["commit_seconds"] += commit_seconds
                figures["accepted"] += len(replies)
    figures["body_bytes"] = len(commit_body(WARMUP_ROUNDS + ROUNDS))
    return figures


def _report(backend: str, figures: dict) -> None:
    commits, echo = figures["commit_ms"], figures["echo_ms"]
    same = f"{LEARNERS} clients at once, {ROUNDS} rounds, {figures['body_bytes'] / 1024:.1f} KiB body"
    baseline_unit = "ms (authenticated echo, same body)"
    info(AREA, f"{backend}: {figures['accepted']} of {len(commits)} timed commits accepted")
    report(AREA, f"commit_p50_{backend}", median(commits), "ms", median(echo), baseline_unit,
           note=f"POST /scorm/commit, {same}; every commit accepted", accepted=figures["accepted"], samples=len(commits))
    report(AREA, f"commit_p95_{backend}", p95(commits), "ms", p95(echo), baseline_unit, note=same)
    report(AREA, f"commit_rate_{backend}", len(commits) / figures["commit_seconds"], "commits/s",
           len(echo) / figures["echo_seconds"], "echo requests/s", note=same)


# ----------------------------------------------------------------------------- inside the database's environment

def _prepare(out_path: Path) -> None:
    """The course, its SCORM lesson, the learners with their login sessions and launched attempts,
    written as [{cookie_name, cookie, commit_url}] for the clients."""
    from sqlmodel import select

    from lms_app import db, settings
    from lms_app.models import User
    from lms_app.services import auth, courses, enrollment, scorm, users
    from lms_app.services.permissions import actor_for
    from lms_app.services.seed import seed_demo
    from tests import scorm_packages

    with db.session_scope() as session:
        seed_demo(session, with_courses=False)
    with db.session_scope() as session, tempfile.TemporaryDirectory(prefix="bench-scorm-zip-") as folder:
        def actor(email: str):
            return actor_for(session, session.exec(select(User).where(User.email == email)).one(), LEARNER_IP)

        admin, irene = actor("admin@example.com"), actor("irene@example.com")
        course = courses.create_course(session, irene, "Warehouse safety")
        module = courses.add_module(session, irene, course.id, "On the floor")
        lesson = courses.add_lesson(session, irene, module.id, "Safety walkthrough", "scorm")
        zip_path = scorm_packages.save(scorm_packages.scorm12_single_sco(), Path(folder), "walkthrough.zip")
        scorm.import_package(session, irene, lesson.id, zip_path, "walkthrough.zip")
        courses.set_visibility(session, irene, course.id, "published")
        learner_ids = [users.invite_user(session, admin, f"learner{n:03d}@bench.example", f"Bench Learner {n:03d}").id
                       for n in range(LEARNERS)]
        enrollment.enroll_users(session, irene, course.id, learner_ids)
        lesson_id = lesson.id
    rows = []
    with db.session_scope() as session:
        for user_id in learner_ids:
            user = session.get(User, user_id)
            token = auth.open_session(session, user, ip=LEARNER_IP, user_agent="bench")
            launched = scorm.launch(session, actor_for(session, user, LEARNER_IP), lesson_id)
            rows.append({"cookie_name": settings.COOKIE_NAME, "cookie": token, "commit_url": launched["commit_url"]})
    out_path.write_text(json.dumps(rows))


def bench_api():
    """The API app plus POST /bench/echo: the signed-in person resolved from the cookie in a
    database session, the body read and parsed, in the thread pool, as the SCORM routes do."""
    from lms_app import db
    from lms_app.api.app import build_api
    from lms_app.api.common import request_actor

    api = build_api()

    def answer(request: Request, body: bytes) -> Response:
        with db.session_scope() as session:
            actor = request_actor(session, request)
            if actor is None:
                return JSONResponse({"detail": "Please sign in to continue."}, status_code=401)
            data = json.loads(body or b"{}")
            return JSONResponse({"accepted": True, "seq": data.get("seq"), "user": actor.user_id}, headers={"Cache-Control": "no-store"})

    @api.post("/bench/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        return await run_in_threadpool(answer, request, body)

    return api


def _serve(port: int) -> None:
    """The API app under Granian, one worker, as `reflex run --env prod` runs its backend."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server as Granian

    Granian(target="bench.scorm:bench_api", factory=True, address="127.0.0.1", port=port, interface=Interfaces.ASGI,
            log_level=LogLevels.warning, workers=1).serve()


def _main(argv: list[str]) -> None:
    command = argv[0] if argv else ""
    if command == "prepare" and len(argv) == 2:
        _prepare(Path(argv[1]))
    elif command == "serve" and len(argv) == 2:
        _serve(int(argv[1]))
    else:
        raise SystemExit("usage: python -m bench.scorm prepare OUT.json | serve PORT (run by `python -m bench --area scorm`)")


if __name__ == "__main__":
    _main(sys.argv[1:])
