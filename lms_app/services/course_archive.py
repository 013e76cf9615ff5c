"""Course archives: one .zip holding a course's settings, structure, content and files, to keep
it or to build it again elsewhere (another install, another organization).

The archive holds `course.json`, {"format": "lms-course", "version": 1, "course": {settings},
"modules": [modules in order, each with its lessons in order]}, modules and lessons keyed
("m1", "l1"…) so prerequisites name them, and `files/…`: each stored lesson file and the cover
image, named in course.json where the database has a stored path. Never in it: database ids,
staff, learners, the enrollment key (not even its hash), a required course.

An archive comes from outside. Before anything in it is trusted: its size, its number of
members, their unpacked size and compression ratio (zip bombs) and their names (no absolute
path, no "..", no symbolic link) are checked; course.json is read within a size limit; the
description is checked whole by the courses service (kinds, content, prerequisites) and every
file by content by the files service, which stores it under a new random name. A refusal is
Invalid, naming the lesson or file at fault; files already stored are deleted, and the rows
disappear with the caller's rollback.

Who may: exporting needs the right to change the course (its instructors, "courses.manage");
importing needs "courses.create", and the importer becomes the new draft's instructor.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session

from lms_app import settings
from lms_app.models import Course
from lms_app.services import audit, courses, files, storage
from lms_app.services.courses import CourseDescription, LessonDescription, ModuleDescription
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

FORMAT = "lms-course"
VERSION = 1
COURSE_JSON = "course.json"
MAX_MEMBERS = 5000
MAX_COURSE_JSON_BYTES = 20 * 1024 * 1024
# Media barely compresses; text does, but not beyond this (a zip bomb does, by far).
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024
# Already compressed: deflating them again costs time and saves nothing.
_STORED_SUFFIXES = {*files.VIDEO_TYPES, *files.IMAGE_TYPES, ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"}


def max_archive_bytes() -> int:
    return settings.MAX_COURSE_ARCHIVE_MB * 1024 * 1024


# --- export ------------------------------------------------------------------------------------

def export_course(session: Session, actor: Actor, course_id: int, target: BinaryIO) -> str:
    """Write the course's archive into `target` (a writable binary file) and give the file
    name to offer for it. Only those who may change the course may export it."""
    course = courses.authored_course(session, actor, course_id)
    description = courses.describe_course(session, course)
    packed: dict[str, Path] = {}  # archive member -> stored file
    modules = []
    for module in description.modules:
        lessons = []
        for lesson in module.lessons:
            content = dict(lesson.content)
            if content.get("file_path"):
                stored = _stored_file(str(content["file_path"]), "lessons", f"The file of lesson “{lesson.title}” is missing: upload it again, then export.")
                content["file_path"] = f"files/{lesson.key}{stored.suffix.lower()}"
                packed[content["file_path"]] = stored
            images = []
            for image in content.get("images", []):
                stored = _stored_file(str(image["file_path"]), "lessons", f"An image of lesson “{lesson.title}” is missing: upload it again, then export.")
                images.append({**image, "file_path": f"files/{lesson.key}-{image['id']}{stored.suffix.lower()}"})
                packed[images[-1]["file_path"]] = stored
            if images:
                content["images"] = images
            lessons.append(_lesson_json(lesson, content))
        modules.append(_module_json(module, lessons))
    cover = None
    if description.cover_image_path:
        try:
            stored = storage.resolve(description.cover_image_path, "covers", "")
        except NotFound:
            stored = None  # a lost cover image is not worth refusing the export for
        if stored is not None:
            cover = f"files/cover{stored.suffix.lower()}"
            packed[cover] = stored
    document = {"format": FORMAT, "version": VERSION, "course": _course_json(description, cover), "modules": modules}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(COURSE_JSON, json.dumps(document, ensure_ascii=False, indent=1))
        for member, path in packed.items():
            method = zipfile.ZIP_STORED if path.suffix.lower() in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
            archive.write(path, member, compress_type=method)
    audit.record(session, actor, "course.exported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"modules": len(modules), "lessons": sum(len(m["lessons"]) for m in modules), "files": len(packed)})
    return archive_file_name(course.title)


def archive_file_name(title: str) -> str:
    """A file name safe everywhere (ASCII letters, digits and dashes) from the course's title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return f"{slug or 'course'}.zip"


def _stored_file(file_path: str, area: str, missing: str) -> Path:
    try:
        return storage.resolve(file_path, area, missing)
    except NotFound as exc:
        raise Invalid(exc.message) from None


def _release_json(item) -> dict[str, Any]:
    return {"available_on": item.available_on.isoformat() if item.available_on else None,
            "available_after_days": item.available_after_days}


def _course_json(d: CourseDescription, cover: str | None) -> dict[str, Any]:
    return {
        "title": d.title, "summary": d.summary, "category": d.category, "tags": d.tags, "language": d.language,
        "estimated_minutes": d.estimated_minutes, "access_days": d.access_days, "completion_rule": d.completion_rule,
        "self_enrollment": d.self_enrollment, "cover_image": cover,
    }


def _module_json(m: ModuleDescription, lessons: list[dict]) -> dict[str, Any]:
    return {"key": m.key, "title": m.title, **_release_json(m), "requires": m.requires, "lessons": lessons}


def _lesson_json(lesson: LessonDescription, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": lesson.key, "title": lesson.title, "kind": lesson.kind, "content": content, "required": lesson.required,
        "counts_for_completion": lesson.counts_for_completion, **_release_json(lesson),
        "estimated_minutes": lesson.estimated_minutes, "requires": lesson.requires,
    }


# --- import ------------------------------------------------------------------------------------

def import_course(session: Session, actor: Actor, data: bytes | str | os.PathLike | BinaryIO) -> Course:
    """Build a new draft course, taught by the actor (who needs "courses.create"), from an
    archive: bytes, a path or a seekable binary file. Everything is checked before it is
    trusted; Invalid says what is wrong and where."""
    require(actor, "courses.create")
    with _open_archive(data) as archive:
        members = _checked_members(archive)
        description, cover = _description(_read_course_json(archive, members))
        _check_files_present(description, cover, members)
        built = courses.create_course_from(session, actor, description)
        stored: list[str] = []
        try:
            for module in description.modules:
                for lesson in module.lessons:
                    row = built.lessons[lesson.key]
                    member = row.content.get("file_path")
                    if member:
                        where = f"Lesson “{row.title}” in module “{module.title}”, file “{member}”"
                        with _reading(member, where), archive.open(members[member]) as stream:
                            kept = files.keep_lesson_file(built.course.id, row.kind, stream, row.content.get("file_name"))
                        stored.append(kept.file_path)
                        row.content = {**row.content, "file_path": kept.file_path, "file_name": kept.file_name, "file_size": kept.file_size}
                    images = []
                    for image in row.content.get("images", []):
                        where = f"Lesson “{row.title}” in module “{module.title}”, image “{image['file_path']}”"
                        with _reading(image["file_path"], where), archive.open(members[image["file_path"]]) as stream:
                            images.append({**image, "file_path": files.keep_lesson_image(built.course.id, stream)})
                        stored.append(images[-1]["file_path"])
                    if images:
                        row.content = {**row.content, "images": images}
                    session.add(row)
            if cover:
                with _reading(cover, f"The cover image “{cover}”"), archive.open(members[cover]) as stream:
                    built.course.cover_image_path = files.keep_cover(built.course.id, stream)
                stored.append(built.course.cover_image_path)
                session.add(built.course)
            session.flush()
        except BaseException:
            for file_path in stored:
                storage.remove_now(file_path)
            raise
        storage.remove_after_rollback(session, stored)
    course = built.course
    audit.record(session, actor, "course.imported", target_type="course", target_id=course.id, target_label=course.title,
                 after={"modules": len(description.modules), "lessons": len(built.lessons), "files": len(stored)})
    return course


@contextmanager
def _open_archive(data: bytes | str | os.PathLike | BinaryIO) -> Iterator[zipfile.ZipFile]:
    if isinstance(data, (bytes, bytearray)):
        data, size = io.BytesIO(data), len(data)
    elif isinstance(data, (str, os.PathLike)):
        size = os.path.getsize(data)
    else:
        size = data.seek(0, os.SEEK_END)
        data.seek(0)
    if size > max_archive_bytes():
        raise Invalid(f"The archive is larger than {settings.MAX_COURSE_ARCHIVE_MB} MB.")
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise Invalid("This file is not a course archive: choose the .zip a course editor exported.") from None
    with archive:
        yield archive


@contextmanager
def _reading(member: str, where: str) -> Iterator[None]:
    """Name the member behind a damaged read or a refused file."""
    try:
        yield
    except Invalid as exc:
        raise Invalid(f"{where}: {exc.message}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise Invalid(f"The archive is damaged: “{member}” cannot be read.") from None


def _checked_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by name, once their names and sizes are known to be safe."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Invalid(f"The archive holds {len(infos)} files; a course archive holds at most {MAX_MEMBERS}.")
    members: dict[str, zipfile.ZipInfo] = {}
    unpacked = 0
    for info in infos:
        name = info.filename
        if not name or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
            raise Invalid(f"“{name}” in the archive has an absolute path: refused.")
        if ".." in re.split(r"[/\\]", name):
            raise Invalid(f"“{name}” in the archive points outside it (“..”): refused.")
        if "\\" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
            raise Invalid(f"“{name}” in the archive has characters a file name cannot have: refused.")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise Invalid(f"“{name}” in the archive is a symbolic link: refused.")
        if info.flag_bits & 0x1:
            raise Invalid(f"“{name}” in the archive is encrypted: export the course again without a password.")
        if name in members:
            raise Invalid(f"“{name}” appears twice in the archive.")
        if info.is_dir():
            continue
        unpacked += info.file_size
        if unpacked > max_archive_bytes():
            raise Invalid(f"The archive's files add up to more than {settings.MAX_COURSE_ARCHIVE_MB} MB unpacked.")
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Invalid(f"“{name}” in the archive is compressed more than {MAX_RATIO} to 1, as zip bombs are: refused.")
        members[name] = info
    return members


def _read_course_json(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> Any:
    info = members.get(COURSE_JSON)
    if info is None:
        raise Invalid(f"The archive has no {COURSE_JSON}: it is not a course archive.")
    if info.file_size > MAX_COURSE_JSON_BYTES:
        raise Invalid(f"{COURSE_JSON} is larger than {MAX_COURSE_JSON_BYTES // (1024 * 1024)} MB.")
    with _reading(COURSE_JSON, COURSE_JSON):
        raw = archive.read(info)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Invalid(f"{COURSE_JSON} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise Invalid(f"{COURSE_JSON} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise Invalid(f"{COURSE_JSON} is nested too deeply.") from None


class _Fields:
    """One JSON object of course.json, read field by field: a wrong type names the object and
    the field."""

    def __init__(self, value: Any, where: str):
        if not isinstance(value, dict):
            raise Invalid(f"In {COURSE_JSON}, {where} is not an object.")
        self.value, self.where = value, where

    def _wrong(self, name: str, expected: str) -> Invalid:
        return Invalid(f"In {COURSE_JSON}, {self.where}: “{name}” must be {expected}.")

    def text(self, name: str, default: str | None = "") -> str | None:
        value = self.value.get(name, default)
        if value is None and default is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(name, "text")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.value.get(name, default)
        if not isinstance(value, bool):
            raise self._wrong(name, "true or false")
        return value

    def number(self, name: str, default: int | None) -> int | None:
        value = self.value.get(name, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self._wrong(name, "a whole number")
        return value

    def day(self, name: str) -> date | None:
        value = self.value.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise self._wrong(name, "a date such as 2027-03-01") from None

    def texts(self, name: str) -> list[str]:
        value = self.value.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._wrong(name, "a list of texts")
        return value

    def objects(self, name: str) -> list[Any]:
        value = self.value.get(name, [])
        if not isinstance(value, list):
            raise self._wrong(name, "a list")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.value.get(name, {})
        if not isinstance(value, dict):
            raise self._wrong(name, "an object")
        return value


def _description(document: Any) -> tuple[CourseDescription, str | None]:
    """The course described by course.json, and the archive member of its cover image (if any)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Invalid(f"{COURSE_JSON} does not describe a course (its format is not “{FORMAT}”).")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise Invalid(f"This archive is in format version {json.dumps(version)}, which this LMS cannot read (it reads version {VERSION}).")
    doc = _Fields(document, "the archive")
    c = _Fields(document.get("course"), "the course")
    modules = []
    for number, raw_module in enumerate(doc.objects("modules"), 1):
        m = _Fields(raw_module, f"module {number}")
        lessons = []
        for place, raw_lesson in enumerate(m.objects("lessons"), 1):
            lesson = _Fields(raw_lesson, f"lesson {place} of module {number}")
            lessons.append(LessonDescription(
                _key(lesson), lesson.text("title"), lesson.text("kind"), lesson.mapping("content"), lesson.flag("required", True),
                lesson.flag("counts_for_completion", False), lesson.day("available_on"), lesson.number("available_after_days", None),
                lesson.number("estimated_minutes", 0), lesson.texts("requires"),
            ))
        modules.append(ModuleDescription(_key(m), m.text("title"), m.day("available_on"), m.number("available_after_days", None),
                                         m.texts("requires"), lessons))
    description = CourseDescription(
        c.text("title"), c.text("summary"), c.text("category"), c.texts("tags"), c.text("language", "en"),
        c.number("estimated_minutes", 0), c.flag("self_enrollment", False), c.number("access_days", None),
        c.text("completion_rule", "all_required"), modules,
    )
    return description, c.text("cover_image", None)


def _key(fields: _Fields) -> str:
    key = fields.text("key")
    if not key:
        raise Invalid(f"In {COURSE_JSON}, {fields.where} has no “key”.")
    return key


def _check_files_present(description: CourseDescription, cover: str | None, members: dict[str, zipfile.ZipInfo]) -> None:
    """Every file course.json names is in the archive (checked before anything is written)."""
    for module in description.modules:
        for lesson in module.lessons:
            wanted = [lesson.content.get("file_path")] + [i.get("file_path") for i in lesson.content.get("images", []) if isinstance(i, dict)]
            for member in wanted:
                if member and member not in members:
                    raise Invalid(f"Lesson “{lesson.title}” in module “{module.title}” uses the file “{member}”, which is not in the archive.")
    if cover and cover not in members:
        raise Invalid(f"The cover image “{cover}” is not in the archive.")
