"""Backups: a seeded install written to one archive, restored into a fresh empty install (its own
database and data folder), compared table by table and file by file; damaged, newer and
misdirected restores refused; retention. On SQLite by default, on PostgreSQL with
LMS_TEST_DATABASE_URL (a throwaway database is made for each restore)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from lms_app import db, settings
from lms_app.models import User
from lms_app.services import backups, courses, files
from lms_app.services.errors import Invalid
from lms_app.services.permissions import actor_for

IRENE = "irene@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 4


def _new_database() -> tuple[str, callable]:
    """The URL of a new, empty database of the kind the suite runs on, and how to drop it."""
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='lms-restore-db-')) / 'restored.db'}", lambda: None
    name = f"lms_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key."""
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(table.select().order_by(*table.primary_key.columns))]
                for table in SQLModel.metadata.sorted_tables}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


@pytest.fixture
def seeded(demo, session, actor_of):
    """The demo people plus a course by Irene with a stored handout and video; gives the handout lesson's id."""
    irene = actor_of(IRENE)
    course = courses.create_course(session, irene, "Store safety")
    module = courses.add_module(session, irene, course.id, "Basics")
    handout = courses.add_lesson(session, irene, module.id, "Handout", "file")
    video = courses.add_lesson(session, irene, module.id, "Video", "video")
    files.store_lesson_file(session, irene, handout.id, io.BytesIO(PDF), "handout.pdf")
    files.store_lesson_file(session, irene, video.id, io.BytesIO(MP4), "drill.mp4")
    session.commit()
    return handout.id


@pytest.fixture
def fresh_install(monkeypatch):
    """Call it (once the original install is backed up) to point the app at a new empty database
    and an empty data folder; gives the new engine. The original comes back after the test."""
    original_engine = db.get_engine()
    made = []

    def enter():
        url, drop = _new_database()
        data_dir = Path(tempfile.mkdtemp(prefix="lms-restore-data-"))
        engine = db.make_engine(url)
        monkeypatch.setattr(settings, "DATABASE_URL", url)
        monkeypatch.setattr(settings, "DATA_DIR", data_dir)
        monkeypatch.setattr(settings, "PRIVATE_DIR", data_dir / "private")
        monkeypatch.setattr(settings, "SECRET_KEY", settings.SECRET_KEY)
        db.set_engine(engine)
        made.append((engine, drop))
        return engine

    yield enter
    for engine, drop in made:
        engine.dispose()
        drop()
    db.set_engine(original_engine)


def _backup(tmp_path: Path) -> Path:
    return backups.create_backup(tmp_path / "backup.tar").path


def _rewrite(source: Path, target: Path, *, manifest_change=None, leave_out: str | None = None) -> Path:
    """A copy of the archive with its manifest changed and/or one part left out."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            if member.name == leave_out:
                continue
            body = old.extractfile(member).read()
            if member.name == backups.MANIFEST and manifest_change:
                manifest = json.loads(body)
                manifest_change(manifest)
                body = json.dumps(manifest).encode()
                member.size = len(body)
            new.addfile(member, io.BytesIO(body))
    return target


def _flip_byte_in(archive: Path, part: str) -> None:
    with tarfile.open(archive) as t:
        offset = t.getmember(part).offset_data + t.getmember(part).size // 2
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_restore_into_a_fresh_install_gives_back_every_row_and_file(seeded, engine, tmp_path, monkeypatch, fresh_install):
    # A generated secret key (no LMS_SECRET_KEY): it travels with the archive, or two-factor secrets are lost.
    monkeypatch.delenv("LMS_SECRET_KEY")
    (settings.DATA_DIR / "secret_key").write_text("the generated key of the original install")
    rows_before, files_before = _rows(engine), _files(settings.PRIVATE_DIR)
    assert rows_before["app_user"] and rows_before["course"] and len(files_before) >= 2
    result = backups.create_backup(tmp_path / "nightly.tar")
    with tarfile.open(result.path) as t:
        names = t.getnames()
        manifest = json.loads(t.extractfile("manifest.json").read())
    assert names[0] == "manifest.json"
    assert manifest["schema_revision"] == result.schema_revision and manifest["database_kind"] == engine.dialect.name
    assert set(manifest["parts"]) == set(names[1:]) and "files/secret_key" in names
    assert result.path.stat().st_mode & 0o077 == 0

    fresh = fresh_install()
    restored = backups.restore_backup(result.path)

    assert restored.restored_revision == result.schema_revision == restored.current_revision
    assert restored.secret_key_restored and restored.file_count == len(files_before)
    assert _rows(fresh) == rows_before
    assert _files(settings.PRIVATE_DIR) == files_before
    assert (settings.DATA_DIR / "secret_key").read_text() == "the generated key of the original install"
    # The restored install serves the lesson's file as the original did, and takes new rows.
    with Session(fresh, expire_on_commit=False) as s:
        irene = actor_for(s, s.exec(select(User).where(User.email == IRENE)).one())
        served = files.lesson_file(s, irene, seeded)
        added = courses.create_course(s, irene, "After the restore")
        s.commit()
    assert served.path.read_bytes() == PDF and settings.DATA_DIR in served.path.parents
    assert added.id > max(row[0] for row in rows_before["course"])



def test_damaged_archive_is_refused_and_nothing_is_written(seeded, tmp_path, fresh_install):
    archive = _backup(tmp_path)
    with tarfile.open(archive) as t:
        database_part = next(name for name in t.getnames() if name.startswith("database."))
    _flip_byte_in(archive, database_part)
    fresh = fresh_install()
    with pytest.raises(Invalid, match=f"{database_part} does not match its checksum"):
        backups.restore_backup(archive)
    assert inspect(fresh).get_table_names() == []


def test_archive_missing_a_part_is_refused(seeded, tmp_path, fresh_install):
    archive = _backup(tmp_path)
    with tarfile.open(archive) as t:
        a_file = next(name for name in t.getnames() if name.startswith("files/private/"))
    short = _rewrite(archive, tmp_path / "short.tar", leave_out=a_file)
    fresh_install()
    with pytest.raises(Invalid, match=f"missing the part {a_file}"):
        backups.restore_backup(short)
    assert _files(settings.PRIVATE_DIR) == {}


def test_something_that_is_not_an_archive_is_refused(tmp_path, fresh_install):
    junk = tmp_path / "backup.tar"
    junk.write_bytes(b"this is not a tar file at all" * 40)
    fresh_install()
    with pytest.raises(Invalid, match="not a backup archive"):
        backups.restore_backup(junk)


def test_newer_schema_is_refused(seeded, tmp_path, fresh_install):
    archive = _backup(tmp_path)

    def from_the_future(manifest):
        manifest["schema_revision"] = "f0f0f0f0f0f0"

    newer = _rewrite(archive, tmp_path / "newer.tar", manifest_change=from_the_future)
    fresh = fresh_install()
    with pytest.raises(Invalid, match="f0f0f0f0f0f0.*newer than this version"):
        backups.restore_backup(newer)
    assert inspect(fresh).get_table_names() == []


def test_an_install_that_is_not_empty_is_refused(seeded, engine, tmp_path):
    archive = _backup(tmp_path)
    rows_before = _rows(engine)
    with pytest.raises(Invalid, match="not empty.*empty install"):
        backups.restore_backup(archive)
    assert _rows(engine) == rows_before


def test_files_left_in_an_empty_database_install_are_refused(seeded, tmp_path, fresh_install):
    archive = _backup(tmp_path)
    fresh_install()
    (settings.PRIVATE_DIR / "lessons").mkdir(parents=True)
    (settings.PRIVATE_DIR / "lessons" / "stray.pdf").write_bytes(PDF)
    with pytest.raises(Invalid, match="holds files"):
        backups.restore_backup(archive)


def test_an_older_backup_is_migrated_to_head(seeded, tmp_path, fresh_install):
    """A backup made at an earlier schema revision is restored and brought to this code's head."""
    from alembic.script import ScriptDirectory

    from lms_app.migrate import alembic_config, migrate

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    earlier = script.get_revision(head).down_revision
    fresh_install()
    migrate(earlier)
    archive = backups.create_backup(tmp_path / "older.tar")
    assert archive.schema_revision == earlier
    fresh = fresh_install()
    restored = backups.restore_backup(archive.path)
    assert (restored.restored_revision, restored.current_revision) == (earlier, head)
    assert set(SQLModel.metadata.tables) <= set(inspect(fresh).get_table_names())


def test_retention_keeps_the_newest(seeded, tmp_path):
    folder = tmp_path / "backups"
    # Names in another order than their age: the manifest's time decides.
    made = [backups.create_backup(folder / name) for name in ("c.tar", "a.tar", "b.tar")]
    (folder / "notes.txt").write_text("not a backup")
    assert [b.path for b in backups.list_backups(folder)] == [m.path for m in reversed(made)]
    assert backups.last_backup(folder).path == made[-1].path
    assert backups.last_backup(folder).size == made[-1].size
    removed = backups.prune(folder, keep=2)
    assert removed == [made[0].path]
    assert sorted(p.name for p in folder.iterdir()) == ["a.tar", "b.tar", "notes.txt"]
    assert backups.last_backup(tmp_path / "nothing here") is None


def _cli(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "lms_app", *args], env=env, cwd=settings.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_backup_and_restore_commands(seeded, engine, database_url, tmp_path):
    rows_before, files_before = _rows(engine), _files(settings.PRIVATE_DIR)
    archive = tmp_path / "cli.tar"
    done = _cli("backup", str(archive), database_url=database_url, data_dir=settings.DATA_DIR)
    assert done.returncode == 0, done.stderr
    assert archive.is_file() and "backup written" in done.stdout

    refused = _cli("restore", str(archive), database_url=database_url, data_dir=settings.DATA_DIR)
    assert refused.returncode == 1 and "not empty" in refused.stderr

    url, drop = _new_database()
    data_dir = Path(tempfile.mkdtemp(prefix="lms-restore-data-"))
    try:
        damaged = tmp_path / "damaged.tar"
        damaged.write_bytes(archive.read_bytes()[:-20000])
        refused = _cli("restore", str(damaged), database_url=url, data_dir=data_dir)
        assert refused.returncode == 1 and "error:" in refused.stderr

        done = _cli("restore", str(archive), database_url=url, data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        restored = create_engine(url)
        try:
            assert _rows(restored) == rows_before
        finally:
            restored.dispose()
        assert _files(data_dir / "private") == files_before
    finally:
        drop()
