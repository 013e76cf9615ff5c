"""Private file storage: where uploaded files live on disk, and when they are deleted.

Files sit under settings.PRIVATE_DIR in one folder per area ("lessons", "covers"); the
database stores paths relative to PRIVATE_DIR. A file is deleted only after the transaction
that stopped using it commits: deleting it at once would lose it if the change rolled back.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlmodel import Session

from lms_app import settings
from lms_app.services.errors import Invalid, NotFound

CHUNK = 1024 * 1024
_PENDING = "storage_remove_after_commit"


def resolve(file_path: str, area: str, missing: str) -> Path:
    """The stored file at `file_path` (relative to the private folder), which must lie inside
    `area`; NotFound with the `missing` message otherwise."""
    root = (settings.PRIVATE_DIR / area).resolve()
    path = (settings.PRIVATE_DIR / file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(missing)
    return path


def write(folder: str, ext: str, head: bytes, stream: BinaryIO, limit: int, too_large: Invalid) -> tuple[str, int]:
    """Write `head` and the rest of `stream` to a new random name in `folder` (relative to the
    private folder), refusing more than `limit` bytes; gives the stored path and its size. A
    partial file never stays behind."""
    target_dir = settings.PRIVATE_DIR / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}{ext}"
    partial = target_dir / f".{name}.part"
    size = 0
    try:
        with open(partial, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise too_large
                out.write(chunk)
                chunk = stream.read(CHUNK)
        os.replace(partial, target_dir / name)
    finally:
        partial.unlink(missing_ok=True)
    return f"{folder}/{name}", size


def resolve_folder(folder: str, area: str, missing: str) -> Path:
    """The stored folder at `folder` (an unpacked package), which must lie inside `area`;
    NotFound with the `missing` message otherwise."""
    root = (settings.PRIVATE_DIR / area).resolve()
    path = (settings.PRIVATE_DIR / folder).resolve()
    if root not in path.parents or not path.is_dir():
        raise NotFound(missing)
    return path


def remove_now(file_path: str) -> None:
    """Delete a stored file, or a stored folder with everything in it (one that no committed
    row points to)."""
    path = (settings.PRIVATE_DIR / file_path).resolve()
    if settings.PRIVATE_DIR.resolve() not in path.parents:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def adopting(session: Session, file_path: str) -> Iterator[None]:
    """Around the change that makes a row point to a newly written file: the file is deleted
    if the change fails, or if the transaction rolls back later."""
    try:
        yield
    except BaseException:
        remove_now(file_path)
        raise
    remove_after_rollback(session, [file_path])


def remove_after_commit(session: Session, file_paths: list[str]) -> None:
    """Delete these stored files once the session's transaction commits (never on rollback)."""
    _pending(session)[0].extend(p for p in file_paths if p)


def remove_after_rollback(session: Session, file_paths: list[str]) -> None:
    """Delete these new files if the session's transaction rolls back: nothing points to them then."""
    _pending(session)[1].extend(p for p in file_paths if p)


def _pending(session: Session) -> tuple[list[str], list[str]]:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = ([], [])
        event.listen(session, "after_commit", lambda sess: _settle(sess, on_commit=True))
        event.listen(session, "after_soft_rollback", lambda sess, previous: None if previous.nested else _settle(sess, on_commit=False))
    return pending


def _settle(session: Session, *, on_commit: bool) -> None:
    after_commit, after_rollback = session.info[_PENDING]
    for path in after_commit if on_commit else after_rollback:
        remove_now(path)
    after_commit.clear()
    after_rollback.clear()
