"""Area "xapi": the built-in LRS with many statements already stored, in-process on a fresh
SQLite database (migrated, demo people, one LRS client), then on PostgreSQL when it answers.

- seed_bulk_insert: BENCH_XAPI_STATEMENTS statements (default 1,000,000; 200,000 on PostgreSQL
  unless BENCH_XAPI_PG_STATEMENTS says otherwise) written straight into XapiStatement and
  XapiStatementLink with SQLAlchemy Core executemany in chunks, the columns filled as the store
  fills them (about 20,000 agents, 5,000 activities, 10 verbs, a parent course and the
  authority as link rows). Statements/s: the baseline of the ingest figures below.
- ingest_batch_1 / _10 / _100: `xapi_statements.store()` (validation, stamping, the duplicate
  check, the inserts, the activity definitions) and a commit per batch, on one core, of new
  valid statements into that full LRS. Statements/s beside the plain bulk insert rate.
  Target: >= 1,000 statements/s in batches of 100 on SQLite (reported met / missed).
- ingest_http_batch_100: the same batches of 100 as POST /xapi/statements (Basic auth,
  X-Experience-API-Version 2.0.0) to the API app under Granian (one worker), one request at a
  time, SQLite only.
- query_agent / _activity / _verb / _since / _verb_since: `xapi_statements.query()` first page
  (100 statements, newest first) over the full LRS, mean and p95 ms of QUERY_RUNS runs with
  varied values, beside an indexed Core SELECT of the same 100 rows (same column, ordered by
  seq desc). Target: mean <= 50 ms at 1M statements (reported met / missed).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import BIN, PROJECT, base_env, free_port, fresh_postgres, info, p95, report, run_cli

AREA = "xapi"
STATEMENTS = int(os.environ.get("BENCH_XAPI_STATEMENTS", "1000000"))
PG_STATEMENTS = int(os.environ.get("BENCH_XAPI_PG_STATEMENTS", str(min(STATEMENTS, 200_000))))
AGENTS = 20_000
ACTIVITIES = 5_000
COURSES = 50
VERBS = ["experienced", "attempted", "answered", "completed", "passed", "failed", "launched", "initialized",
         "terminated", "progressed"]
CHUNK = 10_000
BATCHES = {1: 300, 10: 60, 100: 20}  # batch size -> batches stored
HTTP_BATCHES = 20  # POST requests of 100 statements
QUERY_RUNS = 30
PAGE = 100
INGEST_TARGET = 1_000  # statements/s in batches of 100, SQLite
QUERY_TARGET_MS = 50
# Seeded statements are stored one second apart, ending an hour before the run starts.
START = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=max(STATEMENTS, PG_STATEMENTS) + 3600)


def _verb(n: int) -> str:
    return f"http://adlnet.gov/expapi/verbs/{VERBS[n % len(VERBS)]}"


def _mbox(n: int) -> str:
    return f"mailto:learner{n}@example.com"


def _activity(n: int) -> str:
    return f"https://lms.example.com/xapi/activities/lesson-{n}"


def _course(n: int) -> str:
    return f"https://lms.example.com/xapi/activities/course-{n}"


def _statement(rng: random.Random, statement_id: str | None = None) -> dict:
    """A statement as a content package sends it: an agent, a verb, a lesson, a result, a
    registration and the lesson's course as parent."""
    agent, activity = rng.randrange(AGENTS), rng.randrange(ACTIVITIES)
    verb = _verb(rng.randrange(len(VERBS)))
    statement = {
        "actor": {"objectType": "Agent", "name": f"Learner {agent}", "mbox": _mbox(agent)},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
        "object": {"objectType": "Activity", "id": _activity(activity),
                   "definition": {"name": {"en-US": f"Lesson {activity}"},
                                  "type": "http://adlnet.gov/expapi/activities/lesson"}},
        "result": {"score": {"scaled": round(rng.random(), 2)}, "success": rng.random() > 0.3, "completion": True,
                   "duration": "PT4M12S"},
        "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "contextActivities": {"parent": [{"id": _course(activity % COURSES), "objectType": "Activity"}]},
                    "platform": "Example content"},
    }
    if statement_id:
        statement["id"] = statement_id
    return statement


def _seed(engine, org_id: int, client, count: int) -> float:
    """Write `count` statements the way the store leaves them; the seconds it took."""
    from sqlalchemy import func, insert, select

    from lms_app.models.xapi import XapiStatement, XapiStatementLink
    from lms_app.services.xapi_statements import iso

    rng = random.Random(8)
    authority_key = f"account:{client.authority['account']['homePage']}|{client.authority['account']['name']}"
    with engine.connect() as conn:
        first = conn.scalar(select(func.coalesce(func.max(XapiStatement.seq), 0)))  # the demo's own statements
    started = time.perf_counter()
    seq = first
    with engine.begin() as conn:
        while seq < first + count:
            rows, links = [], []
            for _ in range(min(CHUNK, first + count - seq)):
                seq += 1
                stored = START + timedelta(seconds=seq - first)
                body = _statement(rng, str(uuid.UUID(int=rng.getrandbits(128), version=4)))
                body.update(stored=iso(stored), timestamp=iso(stored), authority=client.authority, version="2.0.0")
                rows.append({"seq": seq, "org_id": org_id, "statement_id": body["id"], "verb_id": body["verb"]["id"],
                             "actor_key": "mbox:" + body["actor"]["mbox"], "activity_id": body["object"]["id"],
                             "registration": body["context"]["registration"], "voids_statement_id": "", "voided": False,
                             "stored": stored, "timestamp": stored, "client_id": client.id, "body": body})
                links.append({"org_id": org_id, "statement_seq": seq, "kind": "activity",
                              "value": body["context"]["contextActivities"]["parent"][0]["id"]})
                links.append({"org_id": org_id, "statement_seq": seq, "kind": "agent", "value": authority_key})
            conn.execute(insert(XapiStatement), rows)
            conn.execute(insert(XapiStatementLink), links)
    seconds = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('xapistatement', 'seq'), (SELECT max(seq) FROM xapistatement))")
            conn.exec_driver_sql("ANALYZE xapistatement")
            conn.exec_driver_sql("ANALYZE xapistatementlink")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return seconds


def _setup(url: str):
    """The admin's organization and one read/write LRS client."""
    from sqlmodel import Session, select

    from lms_app import db
    from lms_app.models import User
    from lms_app.services import lrs_clients
    from lms_app.services.permissions import actor_for

    engine = db.make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        admin = actor_for(session, session.exec(select(User).where(User.email == "admin@example.com")).one())
        created = lrs_clients.create_client(session, admin, "Bench content", ["statements/write", "statements/read"])
        client = created.client
        session.commit()
        session.refresh(client)
        session.expunge(client)
    return engine, admin.org_id, client, lrs_clients.basic_header(client.key, created.secret)


def _ingest(engine, client, label: str, baseline_rate: float, sqlite: bool) -> None:
    from sqlmodel import Session

    from lms_app.services import xapi_statements

    rng = random.Random(9)
    with Session(engine, expire_on_commit=False) as session:
        session.add(client)
        xapi_statements.store(session, client, [_statement(rng)])  # warm-up: imports, first statements
        session.commit()
        for size, batches in BATCHES.items():
            payloads = [[_statement(rng) for _ in range(size)] for _ in range(batches)]
            started = time.perf_counter()
            for batch in payloads:
                xapi_statements.store(session, client, batch)
                session.commit()
            seconds = time.perf_counter() - started
            rate = size * batches / seconds
            note = f"store() + commit, {batches} batches of {size}, one core"
            if size == 100 and sqlite:
                verdict = f"target >= {INGEST_TARGET:,} statements/s in batches of 100: {'met' if rate >= INGEST_TARGET else 'missed'}"
                note += "; " + verdict
                info(AREA, f"{verdict} ({rate:,.0f}/s)")
            report(AREA, f"{label}ingest_batch_{size}", rate, "statements/s", baseline_rate, "statements/s plain bulk insert",
                   note=note, ms_per_batch=round(seconds * 1000 / batches, 2))


def _queries(engine, org_id: int, client, label: str, count: int) -> None:
    from sqlalchemy import select
    from sqlmodel import Session

    from lms_app.models.xapi import XapiStatement
    from lms_app.services import xapi_statements
    from lms_app.services.xapi_statements import StatementQuery, iso

    rng = random.Random(10)

    def since_moment() -> datetime:  # somewhere in the stored range
        return START + timedelta(seconds=rng.randrange(1, max(2, count)))

    # name -> (a fresh StatementQuery, the indexed SELECT of the same column)
    def agent():
        n = rng.randrange(AGENTS)
        return (StatementQuery(agent="mbox:" + _mbox(n)), [XapiStatement.actor_key == "mbox:" + _mbox(n)])

    def activity():
        n = rng.randrange(ACTIVITIES)
        return (StatementQuery(activity=_activity(n)), [XapiStatement.activity_id == _activity(n)])

    def verb():
        v = _verb(rng.randrange(len(VERBS)))
        return (StatementQuery(verb=v), [XapiStatement.verb_id == v])

    def since():
        moment = since_moment()
        return (StatementQuery(since=iso(moment)), [XapiStatement.stored > moment])

    def combined():
        v, moment = _verb(rng.randrange(len(VERBS))), START + timedelta(seconds=rng.randrange(1, max(2, count // 2)))
        return (StatementQuery(verb=v, since=iso(moment)), [XapiStatement.verb_id == v, XapiStatement.stored > moment])

    cases = {"agent": agent, "activity": activity, "verb": verb, "since": since, "verb_since": combined}
    with Session(engine) as session:
        session.add(client)
        for name, make in cases.items():
            service_ms, select_ms, found = [], [], 0
            for run in range(QUERY_RUNS + 2):
                statement_query, conditions = make()
                started = time.perf_counter()
                result = xapi_statements.query(session, client, statement_query)
                elapsed_service = (time.perf_counter() - started) * 1000
                started = time.perf_counter()
                session.execute(select(XapiStatement.seq, XapiStatement.body)
                                .where(XapiStatement.org_id == org_id, *conditions)
                                .order_by(XapiStatement.seq.desc()).limit(PAGE)).all()
                elapsed_select = (time.perf_counter() - started) * 1000
                if run >= 2:  # two warm-up runs
                    service_ms.append(elapsed_service)
                    select_ms.append(elapsed_select)
                    found += len(result.statements)
            mean = statistics.fmean(service_ms)
            verdict = f"target mean <= {QUERY_TARGET_MS} ms: {'met' if mean <= QUERY_TARGET_MS else 'missed'}"
            note = (f"query() first page of {PAGE}, {QUERY_RUNS} runs with varied values, "
                    f"{found / QUERY_RUNS:.0f} statements per page on average, {count:,} statements stored; "
                    f"{verdict}")
            report(AREA, f"{label}query_{name}", mean, "ms mean", statistics.fmean(select_ms), "ms mean indexed SELECT",
                   note=note, p95_ms=round(p95(service_ms), 2), select_p95_ms=round(p95(select_ms), 2))
            info(AREA, f"{label}query_{name}: p95 {p95(service_ms):.1f} ms (indexed SELECT p95 {p95(select_ms):.1f} ms), "
                       f"{found / QUERY_RUNS:.0f} per page; {verdict}")


def _post(url: str, authorization: str, statements: list[dict]) -> None:
    request = urllib.request.Request(url, data=json.dumps(statements).encode(), method="POST", headers={
        "Authorization": authorization, "X-Experience-API-Version": "2.0.0", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 200:
            raise RuntimeError(f"POST /xapi/statements answered {response.status}")
        response.read()


def _ingest_http(env: dict[str, str], authorization: str, baseline_rate: float) -> None:
    """Batches of 100 over HTTP to the API app under Granian (one worker)."""
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [str(BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--log-level", "warning", "lms_app.api.app:build_api"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/xapi/statements"
    rng = random.Random(11)
    try:
        deadline = time.monotonic() + 60
        while True:  # the first accepted batch is the warm-up
            try:
                _post(url, authorization, [_statement(rng)])
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("the API app did not answer:\n" + log.read().decode(errors="replace")[-2000:]) from None
                time.sleep(0.5)
        payloads = [[_statement(rng) for _ in range(100)] for _ in range(HTTP_BATCHES)]
        started = time.perf_counter()
        for batch in payloads:
            _post(url, authorization, batch)
        seconds = time.perf_counter() - started
        report(AREA, "ingest_http_batch_100", 100 * HTTP_BATCHES / seconds, "statements/s", baseline_rate,
               "statements/s plain bulk insert", note=f"POST /xapi/statements, {HTTP_BATCHES} requests of 100, Granian one worker",
               ms_per_request=round(seconds * 1000 / HTTP_BATCHES, 2))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _measure(url: str, label: str, count: int, env: dict[str, str] | None = None) -> None:
    """Seed, ingest, query; with `env` (SQLite's CLI environment) the HTTP ingest too."""
    engine, org_id, client, authorization = _setup(url)
    try:
        seconds = _seed(engine, org_id, client, count)
        info(AREA, f"{label or 'sqlite '}seeding {count:,} statements (+ {2 * count:,} link rows) took {seconds:.1f} s")
        bulk_rate = count / seconds
        report(AREA, f"{label}seed_bulk_insert", bulk_rate, "statements/s",
               note="Core executemany into XapiStatement + XapiStatementLink, chunks of 10,000, one transaction")
        _ingest(engine, client, label, bulk_rate, sqlite=not label)
        if env is not None:
            _ingest_http(env, authorization, bulk_rate)
        _queries(engine, org_id, client, label, count)
    finally:
        engine.dispose()


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-xapi-") as tmp:
        data = Path(tmp) / "lms-data"
        env = base_env(LMS_DATA_DIR=str(data), LMS_JOBS="off")
        run_cli(env, "migrate")
        run_cli(env, "seed", "--demo")
        _measure(f"sqlite:///{data / 'lms.db'}", "", STATEMENTS, env)

        with fresh_postgres(AREA, Path(tmp)) as pg:
            if pg is None:
                return
            pg_env, pg_url = pg
            run_cli(pg_env, "seed", "--demo")
            if PG_STATEMENTS < STATEMENTS:
                info(AREA, f"PostgreSQL holds {PG_STATEMENTS:,} statements (BENCH_XAPI_PG_STATEMENTS), "
                           f"not {STATEMENTS:,}: a smaller default keeps the run short (the bulk load is slower there)")
            if pg_url.startswith("postgresql://"):
                pg_url = pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
            _measure(pg_url, "pg_", PG_STATEMENTS)
