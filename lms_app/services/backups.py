"""Backups of a whole install (database and files) into one archive, and restoring one.

An archive is a plain .tar holding `manifest.json` (first), the database (`database.sqlite3`
made with SQLite's online backup API, or `database.pgdump` made by `pg_dump --format=custom`),
the uploaded files under `files/private/`, and `files/secret_key` when the install uses a
generated key. The manifest names the schema revision and the SHA-256 of every other part, so a
damaged or tampered archive is refused before anything is written.

The secret key is included because two-factor secrets are stored encrypted with it: an install
restored with another key could no longer read them. When the key comes from LMS_SECRET_KEY it
is not in the data directory and not in the archive; the operator carries it over. Either way
the archive must be kept as private as the database itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from lms_app import db, settings
from lms_app.services import audit, auth, org_settings
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor, require

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_PART = "database.sqlite3"
POSTGRES_PART = "database.pgdump"
FILES_PREFIX = "files/"
PRIVATE_PREFIX = "files/private/"
SECRET_KEY_PART = "files/secret_key"
_CHUNK = 1024 * 1024
_NOT_EMPTY_HELP = ("Restore only into an empty install: point LMS_DATABASE_URL at a new database (SQLite: a file "
                   "that does not exist yet; PostgreSQL: a database just made with createdb) and LMS_DATA_DIR at an "
                   "empty folder, and do not run `migrate` before restoring.")


@dataclass(frozen=True)
class BackupResult:
    """A written archive and what its manifest says."""
    path: Path
    size: int
    created_at: datetime
    database_kind: str
    schema_revision: str
    file_count: int


@dataclass(frozen=True)
class RestoreResult:
    """What a restore put back, and the schema revision it migrated to."""
    database_kind: str
    restored_revision: str
    current_revision: str
    file_count: int
    secret_key_restored: bool


@dataclass(frozen=True)
class BackupInfo:
    """One archive in a backup folder (for retention and the admin overview)."""
    path: Path
    created_at: datetime
    size: int


# --- writing --------------------------------------------------------------------------------

def _database_kind(url: str) -> str:
    return "postgresql" if make_url(url).get_backend_name() == "postgresql" else "sqlite"


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database).resolve()


def _postgres_command_env(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password (it would show in the process list) and the
    environment that carries the password instead (the tools run with --no-password: never a prompt)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run_pg_tool(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise Invalid(f"{args[0]} is not installed; install the PostgreSQL client tools (Debian: postgresql-client).") from None
    if done.returncode != 0:
        raise Invalid(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")


def _dump_database(target: Path) -> str:
    """Write the current database to `target`; gives the archive part's name."""
    url = settings.DATABASE_URL
    if _database_kind(url) == "postgresql":
        uri, env = _postgres_command_env(url)
        _run_pg_tool(["pg_dump", "--format=custom", "--no-password", f"--file={target}", f"--dbname={uri}"], env, "pg_dump")
        return POSTGRES_PART
    # The online backup API copies a consistent snapshot while the app keeps running.
    source = sqlite3.connect(_sqlite_path(url))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return SQLITE_PART


def _schema_revision(engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _file_parts() -> list[tuple[str, Path]]:
    """(archive name, path on disk) of every file the install needs besides its database."""
    parts = []
    if settings.PRIVATE_DIR.is_dir():
        for path in sorted(settings.PRIVATE_DIR.rglob("*")):
            if path.is_file() and not path.is_symlink():
                parts.append((PRIVATE_PREFIX + path.relative_to(settings.PRIVATE_DIR).as_posix(), path))
    key_file = settings.DATA_DIR / "secret_key"
    if not os.environ.get("LMS_SECRET_KEY", "").strip() and key_file.is_file():
        parts.append((SECRET_KEY_PART, key_file))
    return parts


def create_backup(target: Path) -> BackupResult:
    """Write one archive of this install (database, uploaded files, manifest) to `target`.

    The archive appears only when complete (written beside it, then renamed), readable by its
    owner only. Invalid when the database cannot be dumped."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = db.get_engine()
    revision = _schema_revision(engine)
    if revision is None:
        raise Invalid("The database has no schema yet: run `python -m lms_app migrate` first.")
    created_at = datetime.now(timezone.utc)
    partial = target.with_name(target.name + ".part")
    with tempfile.TemporaryDirectory(prefix="lms-backup-") as work:
        dump = Path(work) / "database"
        database_part = _dump_database(dump)
        parts = [(database_part, dump), *_file_parts()]
        checksums = {}
        for name, path in parts:
            with open(path, "rb") as stream:
                checksums[name] = _sha256(stream)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "database_kind": _database_kind(settings.DATABASE_URL),
            "schema_revision": revision,
            "parts": checksums,
        }
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as archive:
                body = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(created_at.timestamp()), 0o600
                archive.addfile(info, io.BytesIO(body))
                for name, path in parts:
                    info = archive.gettarinfo(str(path), arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(path, "rb") as stream:
                        archive.addfile(info, stream)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(path=target, size=target.stat().st_size, created_at=created_at,
                        database_kind=manifest["database_kind"], schema_revision=revision,
                        file_count=len(parts) - 1)


# --- reading and checking --------------------------------------------------------------------

def _open_archive(source: Path) -> tarfile.TarFile:
    if not Path(source).is_file():
        raise Invalid(f"There is no file {source}.")
    try:
        return tarfile.open(source, mode="r:")
    except (tarfile.TarError, OSError):
        raise Invalid(f"{source} is not a backup archive (not a readable .tar file).") from None


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read())
    except (KeyError, AttributeError, ValueError, tarfile.TarError):
        raise Invalid("The archive has no readable manifest.json: it is damaged or not a backup of this app.") from None
    parts = manifest.get("parts") if isinstance(manifest, dict) else None
    if (not isinstance(parts, dict) or manifest.get("format") != FORMAT_VERSION
            or manifest.get("database_kind") not in ("sqlite", "postgresql") or not manifest.get("schema_revision")):
        raise Invalid("The archive's manifest.json is incomplete: it is damaged or not a backup of this app.")
    return manifest


def _safe_part_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and (name in (SQLITE_PART, POSTGRES_PART) or name.startswith(FILES_PREFIX))


def verify_backup(source: Path) -> dict:
    """The manifest of the archive at `source` once every part is present, expected, and matches
    its checksum; Invalid saying what is wrong otherwise."""
    try:
        with _open_archive(source) as archive:
            manifest = _read_manifest(archive)
            database_part = SQLITE_PART if manifest["database_kind"] == "sqlite" else POSTGRES_PART
            if database_part not in manifest["parts"]:
                raise Invalid(f"The archive's manifest does not list the database ({database_part}).")
            members = {m.name: m for m in archive.getmembers() if m.name != MANIFEST}
            for name, expected in manifest["parts"].items():
                if not _safe_part_name(name):
                    raise Invalid(f"The archive names a part outside the install ({name}): refused.")
                member = members.pop(name, None)
                if member is None or not member.isfile():
                    raise Invalid(f"The archive is missing the part {name}.")
                if _sha256(archive.extractfile(member)) != expected:
                    raise Invalid(f"The part {name} does not match its checksum: the archive is damaged.")
            if members:
                raise Invalid(f"The archive holds parts its manifest does not list ({', '.join(sorted(members))}).")
    except (tarfile.TarError, OSError, EOFError):
        raise Invalid(f"{source} is damaged (it ends early or cannot be read).") from None
    return manifest


def _check_revision_known(revision: str) -> None:
    from lms_app.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:  # a revision this code does not have
        known = False
    if not known:
        raise Invalid(f"The backup's schema ({revision}) is newer than this version of the app knows "
                      f"(latest: {script.get_current_head()}). Upgrade the app, then restore.")


def _check_empty_install() -> None:
    engine = db.get_engine()
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    if tables:
        raise Invalid(f"This install is not empty: its database has {len(tables)} tables. {_NOT_EMPTY_HELP}")
    if settings.PRIVATE_DIR.is_dir() and any(p.is_file() for p in settings.PRIVATE_DIR.rglob("*")):
        raise Invalid(f"This install is not empty: {settings.PRIVATE_DIR} holds files. {_NOT_EMPTY_HELP}")


# --- restoring --------------------------------------------------------------------------------

def _restore_database(dump: Path, kind: str) -> None:
    url = settings.DATABASE_URL
    db.get_engine().dispose()  # no pooled connection may hold the database while it is replaced
    if kind == "postgresql":
        uri, env = _postgres_command_env(url)
        _run_pg_tool(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                      "--no-password", f"--dbname={uri}", str(dump)], env, "pg_restore")
        return
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def restore_backup(source: Path) -> RestoreResult:
    """Put the install in the archive at `source` into this (empty) install, then migrate it to
    this code's schema.

    Invalid, before anything is written, when the archive is damaged, its schema is newer than
    this code, its database kind differs from this install's, or this install is not empty."""
    from lms_app.migrate import migrate

    manifest = verify_backup(source)
    revision = manifest["schema_revision"]
    _check_revision_known(revision)
    kind = _database_kind(settings.DATABASE_URL)
    if manifest["database_kind"] != kind:
        raise Invalid(f"The backup holds a {manifest['database_kind']} database but this install uses {kind}: "
                      f"point LMS_DATABASE_URL at an empty {manifest['database_kind']} database.")
    _check_empty_install()
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    file_count, secret_key_restored = 0, False
    with tempfile.TemporaryDirectory(prefix="lms-restore-", dir=settings.DATA_DIR) as work, \
            tarfile.open(source, mode="r:") as archive:
        unpacked = Path(work)
        for name in manifest["parts"]:
            target = unpacked / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(name) as stream, open(target, "wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
        database_part = SQLITE_PART if kind == "sqlite" else POSTGRES_PART
        _restore_database(unpacked / database_part, kind)
        for name in manifest["parts"]:
            if name.startswith(PRIVATE_PREFIX):
                destination = settings.PRIVATE_DIR / name.removeprefix(PRIVATE_PREFIX)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(unpacked / name, destination)
                file_count += 1
        if SECRET_KEY_PART in manifest["parts"]:
            key_file = settings.DATA_DIR / "secret_key"
            os.replace(unpacked / SECRET_KEY_PART, key_file)
            key_file.chmod(0o600)
            secret_key_restored = True
    # The key file is read once at start: this process must use the restored one too.
    if secret_key_restored and not os.environ.get("LMS_SECRET_KEY", "").strip():
        settings.SECRET_KEY = (settings.DATA_DIR / "secret_key").read_text().strip()
    migrate()
    return RestoreResult(database_kind=kind, restored_revision=revision,
                         current_revision=_schema_revision(db.get_engine()),
                         file_count=file_count, secret_key_restored=secret_key_restored)


# --- retention --------------------------------------------------------------------------------

def list_backups(folder: Path) -> list[BackupInfo]:
    """The archives in `folder` (those with a readable manifest), newest first. Only the
    manifest is read; verify_backup checks the parts."""
    folder = Path(folder)
    found = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        if not path.is_file() or path.name.endswith(".part"):
            continue
        try:
            with tarfile.open(path, mode="r:") as archive:
                created_at = datetime.fromisoformat(_read_manifest(archive)["created_at"])
        except (Invalid, tarfile.TarError, OSError, ValueError, TypeError):
            continue
        found.append(BackupInfo(path=path, created_at=created_at, size=path.stat().st_size))
    found.sort(key=lambda info: (info.created_at, info.path.name), reverse=True)
    return found


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in `folder`; gives the deleted paths."""
    if keep < 1:
        raise Invalid("Keep at least one backup.")
    removed = []
    for info in list_backups(folder)[keep:]:
        info.path.unlink(missing_ok=True)
        removed.append(info.path)
    return removed


def last_backup(folder: Path) -> BackupInfo | None:
    """The newest archive in `folder`, or None when there is none."""
    backups = list_backups(folder)
    return backups[0] if backups else None


# --- scheduled backups ------------------------------------------------------------------------

SCHEDULE_JOB = "backup.scheduled"
# How often the job runner asks whether a backup is due (the interval itself is a setting).
SCHEDULE_CHECK_SECONDS = 900
# A backup taken a little early is fine: the check runs every quarter hour, not on the minute.
_EARLY_SLACK = timedelta(seconds=SCHEDULE_CHECK_SECONDS)


@dataclass(frozen=True)
class ScheduleStatus:
    """What the admin overview shows about scheduled backups."""
    every_hours: int
    keep: int
    last: BackupInfo | None
    overdue: bool


def _schedule(session: Session) -> org_settings.OrgSettings:
    return org_settings.current(session, auth.default_org(session).id)


def schedule_status(session: Session, actor: Actor, now: datetime | None = None) -> ScheduleStatus:
    """The schedule and the last good archive in the backup folder; overdue when backups are on and
    the newest is older than the interval (plus an hour for a slow run)."""
    require(actor, "admin.view")
    conf = _schedule(session)
    now = now or datetime.now(timezone.utc)
    last = last_backup(Path(conf.backup_folder))
    every = conf.backup_every_hours
    overdue = every > 0 and (last is None or now - last.created_at > timedelta(hours=every + 1))
    return ScheduleStatus(every_hours=every, keep=conf.backup_keep, last=last, overdue=overdue)


def run_scheduled(session: Session, now: datetime | None = None) -> BackupResult | None:
    """The job runner's check: when backups are on and the last one is at least the interval old,
    write a new archive into the backup folder, check it, keep the newest `backup_keep`, and record
    it in the audit trail. Gives the archive written, or None when none was due."""
    conf = _schedule(session)
    if conf.backup_every_hours <= 0:
        return None
    now = now or datetime.now(timezone.utc)
    folder = Path(conf.backup_folder)
    last = last_backup(folder)
    if last is not None and now - last.created_at < timedelta(hours=conf.backup_every_hours) - _EARLY_SLACK:
        return None
    result = create_backup(folder / f"lms-backup-{now:%Y%m%d-%H%M%S}.tar")
    verify_backup(result.path)
    removed = prune(folder, conf.backup_keep)
    audit.record(session, None, "backup.created", target_type="backup", target_label=result.path.name,
                 after={"size": result.size, "files": result.file_count, "removed": [p.name for p in removed]},
                 org_id=auth.default_org(session).id, actor_label="Scheduled backup")
    return result
