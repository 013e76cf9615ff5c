"""Lesson files: the videos and documents instructors upload into video and file lessons.

They are kept in the app's private storage (settings.PRIVATE_DIR/lessons/<course id>/<random
name>), never under Reflex's public upload directory, and are read only through
`lesson_file`, which checks who may read the lesson. The stored name is random: the name the
instructor's file had is kept in the lesson's content, for the download only.

What a file is, is decided by its first bytes, not by its name or the type the browser claims:
a program or a web page renamed to .mp4 is refused.

Who may do what: uploading needs the right to change the course (its instructors, or
"courses.manage"); reading needs the course's staff, or a learner enrolled in the course whose
lesson is open (not locked by a prerequisite or a release date).
"""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Lesson, utcnow
from lms_app.services import courses, progress
from lms_app.services.errors import Invalid, NotFound, PermissionDenied
from lms_app.services.permissions import Actor, require

CHUNK = 1024 * 1024
HEAD = 8192  # bytes read to recognise a file

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".txt": "text/plain; charset=utf-8",
}
MIME_TYPES = {**VIDEO_TYPES, **DOCUMENT_TYPES}

NOT_A_VIDEO = "This file is not a video (MP4, WebM or Ogg)."
NOT_A_DOCUMENT = "This kind of file is not accepted: upload a PDF, an image (PNG, JPEG), an Office document or plain text."


@dataclass
class StoredFile:
    file_path: str  # relative to settings.PRIVATE_DIR
    file_name: str  # the original name, offered when downloading
    file_size: int
    mime: str


@dataclass
class LessonFile:
    path: Path
    mime: str
    download_name: str
    inline: bool  # shown in the browser (video, PDF) rather than downloaded


def max_bytes(kind: str) -> int:
    """The largest file a lesson of this kind accepts."""
    return (settings.MAX_VIDEO_MB if kind == "video" else settings.MAX_FILE_MB) * 1024 * 1024


def _too_large(kind: str) -> Invalid:
    mb = settings.MAX_VIDEO_MB if kind == "video" else settings.MAX_FILE_MB
    return Invalid(f"The file is larger than {mb} MB.")


# --- what a file is, by its content ----------------------------------------------------------

def video_type(head: bytes) -> str | None:
    """The extension of a video recognised by its first bytes, or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM (and Matroska, which browsers play alike)
        return ".webm"
    if head.startswith(b"OggS"):
        return ".ogv"
    return None


_OFFICE = (("word/", ".docx"), ("xl/", ".xlsx"), ("ppt/", ".pptx"))
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}


def _zip_type(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                return _OPENDOCUMENT.get(archive.read("mimetype").strip())
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((ext for prefix, ext in _OFFICE if any(n.startswith(prefix) for n in names)), None)


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a character.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    # Markup (HTML, SVG, XML) is refused: a browser could run it.
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return False
    return all(ch in "\t\r\n\f" or unicodedata.category(ch) != "Cc" for ch in text)


def document_type(head: bytes, stream: BinaryIO | None = None) -> str | None:
    """The extension of a document recognised by its first bytes (and, for a ZIP, its
    contents), or None."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(stream) if stream is not None else None
    if head and _is_text(head):
        return ".txt"
    return None


def clean_file_name(name: str | None, ext: str) -> str:
    """The original file name without any folder, control character or quote; the recognised
    extension when it had none (or another)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"').strip(" .")
    stem, dot, current = name.rpartition(".")
    wanted = {".jpg": (".jpg", ".jpeg"), ".ogv": (".ogv", ".ogg"), ".txt": (".txt", ".md", ".csv")}.get(ext, (ext,))
    if not name:
        name = "lesson-file" + ext
    elif not dot or f".{current.lower()}" not in wanted:
        name = name + ext
    return name[-200:]


# --- storing -----------------------------------------------------------------------------------

def _lesson_for_upload(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id:
        raise NotFound("That lesson does not exist.")
    courses.authored_course(session, actor, lesson.course_id)
    if lesson.kind not in ("video", "file"):
        raise Invalid("Only video and file lessons hold an uploaded file.")
    return lesson


def store_lesson_file(session: Session, actor: Actor, lesson_id: int, stream: BinaryIO, file_name: str | None) -> StoredFile:
    """Keep an uploaded file as the lesson's video or document (the course's instructors only).

    The type is checked by content (video: MP4, WebM, Ogg; file: PDF, PNG, JPEG, Office
    documents, plain text) and the size against the kind's limit; the file is written under a
    random name, then the lesson's content points to it. A file it replaces is deleted."""
    lesson = _lesson_for_upload(session, actor, lesson_id)
    limit = max_bytes(lesson.kind)
    head = stream.read(HEAD) or b""
    if not head:
        raise Invalid("The file is empty.")
    if lesson.kind == "video":
        ext = video_type(head)
        if ext is None:
            raise Invalid(NOT_A_VIDEO)
    else:
        ext = None
        if head.startswith(b"PK\x03\x04"):
            # A ZIP is read from its end: look at it within the size limit only.
            data = head + (stream.read(limit + 1 - len(head)) or b"")
            if len(data) > limit:
                raise _too_large(lesson.kind)
            ext = _zip_type(io.BytesIO(data))
            head, stream = data, io.BytesIO(b"")
        else:
            ext = document_type(head)
        if ext is None:
            raise Invalid(NOT_A_DOCUMENT)

    folder = settings.PRIVATE_DIR / "lessons" / str(lesson.course_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}{ext}"
    target = folder / stored
    partial = folder / f".{stored}.part"
    size = 0
    try:
        with open(partial, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise _too_large(lesson.kind)
                out.write(chunk)
                chunk = stream.read(CHUNK)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)

    result = StoredFile(f"lessons/{lesson.course_id}/{stored}", clean_file_name(file_name, ext), size, MIME_TYPES[ext])
    old = (lesson.content or {}).get("file_path")
    content = {"file_path": result.file_path, "file_name": result.file_name, "file_size": result.file_size}
    if lesson.kind == "video":
        keep = {k: v for k, v in (lesson.content or {}).items() if k in ("duration_seconds", "threshold")}
        content = {"source": "upload", **content, **keep}
    try:
        courses.update_lesson(session, actor, lesson.id, content=content)
    except Exception:
        target.unlink(missing_ok=True)
        raise
    if old and old != result.file_path and not _shared(session, lesson, old):
        _remove(old)
    return result


def _shared(session: Session, lesson: Lesson, file_path: str) -> bool:
    """Whether another lesson (a copy of the course) still points to the file."""
    rows = session.exec(select(Lesson.content).where(Lesson.org_id == lesson.org_id, Lesson.id != lesson.id,
                                                     Lesson.kind.in_(("video", "file")))).all()
    return any((c or {}).get("file_path") == file_path for c in rows)


def _remove(file_path: str) -> None:
    try:
        path = _resolve(file_path)
    except NotFound:
        return
    path.unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------------------

def _resolve(file_path: str) -> Path:
    root = (settings.PRIVATE_DIR / "lessons").resolve()
    path = (settings.PRIVATE_DIR / file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("The lesson's file is missing. Ask the course's instructor to upload it again.")
    return path


def lesson_file(session: Session, actor: Actor, lesson_id: int) -> LessonFile:
    """The stored file of a video or file lesson, for someone who may read the lesson: the
    course's staff, or a learner enrolled in it whose lesson is open. A signed-in person
    without access is refused with PermissionDenied (the lesson's existence is not a secret
    within the organization); a lesson of another organization is NotFound."""
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id:
        raise NotFound("That lesson does not exist.")
    course = courses.get_course(session, actor, lesson.course_id)
    if not courses.can_view_as_staff(session, actor, course):
        if not actor.can("learning.view"):
            raise PermissionDenied("You do not have permission to do that.")
        try:
            progress.check_lesson_open(session, actor, lesson, now=utcnow())
        except NotFound:
            raise PermissionDenied("You are not enrolled in this course.") from None
    content = lesson.content or {}
    if lesson.kind not in ("video", "file") or not content.get("file_path") or (lesson.kind == "video" and content.get("source") != "upload"):
        raise NotFound("This lesson has no file.")
    path = _resolve(str(content["file_path"]))
    mime = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
    name = str(content.get("file_name") or path.name)
    return LessonFile(path, mime, name, lesson.kind == "video" or path.suffix.lower() == ".pdf")
