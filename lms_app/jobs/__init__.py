"""Background jobs: the handler registry (what a job kind does) and, in runner.py, the runner
that claims queued jobs and runs them.

A handler is a plain function `fn(session, job)`. It runs inside the transaction that marks
the job done, so its database writes count only if the job is finished by the runner that
still owns it. Raise to have the job retried later (with backoff); raise PermanentJobError
when retrying cannot help.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session


class PermanentJobError(Exception):
    """Retrying will not help (a refused address, a row that is gone): the job goes dead now."""


@dataclass(frozen=True)
class JobContext:
    """What a handler knows about the job it runs."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    runner: str


HandlerFn = Callable[[Session, JobContext], None]
# on_failure(session, job, error, dead): runs in the transaction that records the failure.
FailureHook = Callable[[Session, JobContext, str, bool], None]


@dataclass(frozen=True)
class Handler:
    kind: str
    fn: HandlerFn
    on_failure: FailureHook | None = field(default=None)


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, on_failure: FailureHook | None = None) -> Callable[[HandlerFn], HandlerFn]:
    """Register the function that runs jobs of `kind` (one function per kind)."""

    def register(fn: HandlerFn) -> HandlerFn:
        existing = HANDLERS.get(kind)
        same = existing is not None and (existing.fn.__module__, existing.fn.__qualname__) == (fn.__module__, fn.__qualname__)
        if existing is not None and not same:
            raise ValueError(f"job kind {kind!r} already has a handler: {existing.fn.__module__}.{existing.fn.__qualname__}")
        HANDLERS[kind] = Handler(kind, fn, on_failure)
        return fn

    return register


def get_handler(kind: str) -> Handler | None:
    return HANDLERS.get(kind)
