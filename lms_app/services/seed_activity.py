"""Synthetic history for `seed --synthetic`: when each run's steps happened, the activity log
that goes with the runs, their progress and attempts, and the bulk insert every synthetic
table goes through.

The story, reproducible from the seed's generator:
- people differ: an engagement drawn from a heavy-tailed law decides how many courses a
  person takes, how often they start and finish them and how quickly they go on;
- runs start over the last HISTORY_DAYS, on weekdays mostly and in working hours, and go on
  lesson by lesson, in sittings of a few lessons with days between them;
- learners drop off along a course (fewer reach each later lesson), some stop at a quiz or an
  assignment they have not passed, a share finish;
- the events are what the services would have written: enrolled, lesson_opened,
  lesson_completed, quiz_submitted (with the score in percent), assignment_submitted,
  course_completed, and a login before each day's first activity.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import JSON, Table
from sqlmodel import Session

from lms_app.models import ActivityEvent
from lms_app.models.base import UTCDateTime

HISTORY_DAYS = 180
# Rows per INSERT batch on SQLite (one executemany each).
BATCH = 20_000

Progress = Callable[[str], None]


# --- the bulk insert ---------------------------------------------------------------------------

def bulk_insert(session: Session, model, rows: Sequence[dict] | Sequence[tuple], columns: Sequence[str] | None = None,
                *, batch: int = BATCH) -> int:
    """Insert rows fast, in the session's transaction: COPY on PostgreSQL, executemany batches
    of plain DB-API tuples on SQLite. Rows are dicts with the same keys, or tuples in the order
    of `columns`; a column left out gets its Python default (the same for every row). Values
    go through the columns' own types (UTC timestamps, JSON), as an ORM insert would write them."""
    if not rows:
        return 0
    session.flush()  # the rows may refer to objects the session has not written yet
    table: Table = model.__table__ if hasattr(model, "__table__") else model
    if columns is None:
        columns = list(rows[0].keys())
        rows = [tuple(row[c] for c in columns) for row in rows]
    dialect = session.get_bind().dialect
    defaults = _defaults(table, columns)
    names = [*columns, *defaults]
    tail = tuple(defaults.values())
    processors = [_processor(table.c[name], dialect, {}) for name in names]
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    dbapi = session.connection().connection.driver_connection
    quoted = ", ".join(f'"{name}"' for name in names)

    def converted(chunk) -> Iterable[tuple]:
        for row in chunk:
            values = list(row + tail) if tail else list(row)
            for i, process in converting:
                if values[i] is not None:
                    values[i] = process(values[i])
            yield values

    if dialect.name == "postgresql":
        with dbapi.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for values in converted(rows):
                copy.write_row(values)
        return len(rows)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    cursor = dbapi.cursor()
    try:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, list(converted(rows[start:start + batch])))
    finally:
        cursor.close()
    return len(rows)


def _defaults(table: Table, columns: Sequence[str]) -> dict[str, object]:
    out = {}
    for column in table.columns:
        if column.name in columns or column.primary_key or column.default is None:
            continue
        default = column.default
        out[column.name] = default.arg(None) if default.is_callable else default.arg
    return out


def _processor(column, dialect, memo: dict):
    if dialect.name == "sqlite" and isinstance(column.type, UTCDateTime):
        return _sqlite_utc
    if isinstance(column.type, JSON):
        # Text for both paths (psycopg's JSON adapter is not used by COPY). Rows often share
        # one document (a question's spec in each of its answers): it is serialized once; the
        # rows keep every document alive, so an id is not reused during the insert.
        def dumps(value):
            key = id(value)
            if key not in memo:
                memo[key] = json.dumps(value)
            return memo[key]

        return dumps
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_utc(value: datetime) -> str:
    """What UTCDateTime writes on SQLite (naive UTC text with microseconds), without its
    general formatting, which costs more than the insert itself at this volume."""
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    return value.isoformat(" ", "microseconds")[:26]  # without "+00:00"


# --- people and their runs -----------------------------------------------------------------------

def engagements(rng: random.Random, n: int) -> list[float]:
    """A heavy-tailed activity level per person (log-normal): a few very active, many occasional."""
    return [rng.lognormvariate(0.0, 1.0) for _ in range(n)]


def percentiles(values: Sequence[float]) -> list[float]:
    """Each value's rank among them, in [0, 1]."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    last = max(1, len(values) - 1)
    for rank, i in enumerate(order):
        out[i] = rank / last
    return out


def runs_per_person(weights: Sequence[float], total: int, cap: int, rng: random.Random) -> list[int]:
    """How many courses each person takes: proportional to their weight, at least one, at most
    `cap`, adding up to `total` (when the caps allow it)."""
    scale = total / sum(weights)
    counts = [max(1, min(cap, round(w * scale))) for w in weights]
    diff = total - sum(counts)
    order = list(range(len(counts)))
    while diff:
        rng.shuffle(order)
        moved = False
        for i in order:
            if diff > 0 and counts[i] < cap:
                counts[i] += 1
                diff -= 1
                moved = True
            elif diff < 0 and counts[i] > 1:
                counts[i] -= 1
                diff += 1
                moved = True
            if not diff:
                break
        if not moved:
            break
    return counts


def zipf_weights(n: int, rng: random.Random, exponent: float = 1.0, last: int | None = None) -> list[float]:
    """A popularity per course, Zipf over a shuffled ranking (a few popular, a long tail);
    the course at index `last`, when given, is the least popular."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    if last is not None:
        tail = ranks.index(n)
        ranks[tail], ranks[last] = ranks[last], ranks[tail]
    return [1.0 / r ** exponent for r in ranks]


def pick_courses(rng: random.Random, weights: Sequence[float], k: int) -> list[int]:
    """k distinct course indexes drawn by weight (Efraimidis-Spirakis keys)."""
    if k >= len(weights):
        return list(range(len(weights)))
    keys = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)]
    return [i for _, i in sorted(keys, reverse=True)[:k]]


# --- one run's story ---------------------------------------------------------------------------

GRADED = ("quiz", "assignment")


class Story:
    """When a run's steps happened: each done lesson's (opened, completed, seconds), and the
    lesson it stopped at, if the learner opened it (opened, seconds)."""

    __slots__ = ("enrolled_at", "done", "stopped_at")

    def __init__(self, enrolled_at: datetime, done: list[tuple[datetime, datetime, int]], stopped_at: tuple[datetime, int] | None):
        self.enrolled_at = enrolled_at
        self.done = done
        self.stopped_at = stopped_at

    @property
    def last_at(self) -> datetime:
        times = [self.enrolled_at] + [c for _, c, _ in self.done] + ([self.stopped_at[0]] if self.stopped_at else [])
        return max(times)


DAY, HOUR, MINUTE = 86_400.0, 3_600.0, 60.0


class Clock:
    """Moments of a working week over the last HISTORY_DAYS before `end`, in POSIX seconds
    (plain floats: a few million of them are drawn)."""

    def __init__(self, rng: random.Random, end: datetime):
        self.rng = rng
        self.end = end.timestamp()

    def start(self) -> float:
        # Recent days a little busier than old ones (the organization grows into the LMS).
        moment = self.end - DAY * HISTORY_DAYS * self.rng.random() ** 1.3
        weekday = _weekday(moment)
        if weekday >= 5 and self.rng.random() < 0.8:
            moment -= DAY * (weekday - 4)  # the Friday before
        return min(self._office_hours(moment), self.end - MINUTE)

    def later(self, after: float, mean_days: float) -> float:
        """A later sitting, days after `after`, on a weekday mostly, in working hours."""
        moment = after + DAY * self.rng.expovariate(1.0 / mean_days)
        weekday = _weekday(moment)
        if weekday >= 5 and self.rng.random() < 0.8:
            moment += DAY * (7 - weekday)  # the Monday after
        return max(self._office_hours(moment), after + 30 * MINUTE)

    def _office_hours(self, moment: float) -> float:
        hours = min(21.5, max(6.5, self.rng.gauss(12.5, 2.6)))
        return moment - moment % DAY + int(hours * HOUR)


def _weekday(moment: float) -> int:
    return (int(moment // DAY) + 3) % 7  # 1 January 1970 was a Thursday


def _at(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


def story(rng: random.Random, clock: Clock, kinds: Sequence[str], minutes: Sequence[int], engagement: float,
          failing: bool) -> Story:
    """How far one run went and when (engagement in [0, 1]; a failing learner stops at a quiz or
    an assignment more often)."""
    n = len(kinds)
    end = clock.end
    enrolled = clock.start()
    r = rng.random()
    # Half the runs are never started (assigned, or joined and forgotten); fewer than one in
    # ten is finished (one in five of those started): the active people start and finish more.
    never = 0.74 - 0.3 * engagement
    finish = 0.015 + 0.11 * engagement - (0.01 if failing else 0.0)
    if r < never:
        return Story(_at(enrolled), [], None)
    graded = [i for i, kind in enumerate(kinds) if kind in GRADED]
    if r < never + finish:
        target = n
    elif graded and rng.random() < (0.6 if failing else 0.2):
        target = rng.choice(graded)  # stuck at a check not passed yet
    else:
        target = min(n - 1, 1 + int((n - 1) * rng.betavariate(1.0, 5.0)))  # drop-off: early stops are the most common
    mean_gap = 0.5 + 5.0 * (1.0 - engagement)
    moment = enrolled + MINUTE * rng.randrange(1, 20) if rng.random() < 0.5 else clock.later(enrolled, mean_gap)
    done: list[tuple[datetime, datetime, int]] = []
    stopped = None
    for index in range(min(target + 1, n)):
        if moment >= end:
            break
        seconds = int(MINUTE * minutes[index] * rng.lognormvariate(0.0, 0.45))
        graded_lesson = kinds[index] in GRADED
        # A check is opened, tried (attempts before the completion) and passed in the day after.
        completed = moment + (DAY if graded_lesson else seconds)
        if index == target or completed >= end:
            if graded_lesson:
                stopped = (_at(min(moment, end - DAY)), seconds // 2)
            elif rng.random() < 0.5:
                stopped = (_at(min(moment, end - HOUR)), seconds // 2)
            break
        done.append((_at(moment), _at(completed), seconds))
        moment = completed + MINUTE * rng.randrange(1, 10) if rng.random() < 0.6 else clock.later(completed, mean_gap)
    return Story(_at(enrolled), done, stopped)


# --- the activity log ----------------------------------------------------------------------------

# From this many events on, the log's indexes are built after the insert.
REINDEX_FROM = 1_000_000
EVENT_COLUMNS = ("org_id", "user_id", "course_id", "lesson_id", "kind", "at", "score")


def run_events(org_id: int, user_id: int, course_id: int, lesson_ids: Sequence[int], s: Story) -> list[tuple]:
    """The events of one run's progress (the checks' attempts and submissions come apart)."""
    events = [(org_id, user_id, course_id, None, "enrolled", s.enrolled_at, None)]
    for lesson_id, (opened, completed, _) in zip(lesson_ids, s.done):
        events.append((org_id, user_id, course_id, lesson_id, "lesson_opened", opened, None))
        events.append((org_id, user_id, course_id, lesson_id, "lesson_completed", completed, None))
    if s.stopped_at:
        events.append((org_id, user_id, course_id, lesson_ids[len(s.done)], "lesson_opened", s.stopped_at[0], None))
    elif len(s.done) == len(lesson_ids):
        events.append((org_id, user_id, course_id, None, "course_completed", s.done[-1][1], None))
    return events


def with_logins(rng: random.Random, events: list[tuple]) -> list[tuple]:
    """The events plus a login a few minutes before each person's first activity of a day,
    sorted by time."""
    first: dict[tuple[int, object], datetime] = {}
    orgs: dict[int, int] = {}
    for org_id, user_id, _, _, _, at, _ in events:
        key = (user_id, at.date())
        if key not in first or at < first[key]:
            first[key] = at
            orgs[user_id] = org_id
    logins = [(orgs[user_id], user_id, None, None, "login", at - timedelta(minutes=rng.randrange(1, 15)), None)
              for (user_id, _), at in sorted(first.items(), key=lambda item: (item[0][0], item[1]))]
    out = events + logins
    out.sort(key=lambda e: e[5])
    return out


def insert_events(session: Session, events: list[tuple], progress: Progress | None = None, chunk: int = 200_000) -> int:
    """Insert the events (sorted by time). Past a million rows the log's indexes are dropped
    first and built again at the end, in the same transaction: one sort per index instead of
    millions of inserts at random places in them."""
    say = progress or (lambda text: None)
    indexes = sorted(ActivityEvent.__table__.indexes, key=lambda index: index.name) if len(events) >= REINDEX_FROM else []
    connection = session.connection()
    for index in indexes:
        index.drop(connection)
    for start in range(0, len(events), chunk):
        bulk_insert(session, ActivityEvent, events[start:start + chunk], EVENT_COLUMNS)
        if len(events) > chunk:
            say(f"activity events: {min(len(events), start + chunk):,} of {len(events):,}")
    for index in indexes:
        index.create(connection)
        say(f"activity events: index {index.name} built")
    return len(events)
