"""Uploaded files: the videos and documents of video and file lessons, the images of text
lessons, and course covers.

They are kept in the app's private storage (settings.PRIVATE_DIR/lessons/<course id>/ and
covers/<course id>/, under random names), never under Reflex's public upload directory, and
are read only through this module, which checks who may read them. The name the instructor's
file had is kept in the lesson's content, for the download only.

What a file is, is decided by its first bytes, not by its name or the type the browser claims:
a program or a web page renamed to .mp4 is refused.

Who may do what: uploading needs the right to change the course (its instructors, or
"courses.manage"); reading a lesson's file or image needs the course's staff, or a learner
enrolled in the course whose lesson is open (not locked by a prerequisite or a release date);
a cover shows to anyone who may see the course.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from lms_app import settings
from lms_app.lessons import registry
from lms_app.models import Lesson
from lms_app.services import courses, progress, storage
from lms_app.services.errors import Invalid, NotFound
from lms_app.services.permissions import Actor, require

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
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
MAX_IMAGE_MB = 5
MIME_TYPES = {**VIDEO_TYPES, **DOCUMENT_TYPES, **IMAGE_TYPES}

NOT_A_VIDEO = "This file is not a video (MP4, WebM or Ogg)."
NOT_A_DOCUMENT = "This kind of file is not accepted: upload a PDF, an image (PNG, JPEG), an Office document or plain text."


@dataclass
class StoredFile:
    file_path: str  # relative to settings.PRIVATE_DIR
    file_name: str  # the original name, offered when downloading
    file_size: int
    mime: str


@dataclass
class ServedFile:
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


def image_type(head: bytes) -> str | None:
    """The extension of a PNG, JPEG or WebP image recognised by its first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def document_type(head: bytes, stream: BinaryIO | None = None) -> str | None:
    """The extension of a document recognised by its first bytes (and, for a ZIP, its
    contents), or None."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if image_type(head) in (".png", ".jpg"):
        return image_type(head)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(stream) if stream is not None else None
    if head and _is_text(head):
        return ".txt"
    return None


def store_handed_in(stream: BinaryIO, shown_name: str, wanted: str, wanted_label: str, folder: str, limit: int) -> tuple[str, int]:
    """Check a file a learner hands in (an assignment's, a quiz answer's): not empty, within
    `limit` bytes, its content of the `wanted` type its name promised; then write it to private
    storage under `folder`. Gives (stored path, size); nothing points to it yet."""
    too_large = Invalid(f"“{shown_name}” is larger than {limit // (1024 * 1024)} MB.")
    head = stream.read(HEAD) or b""
    if not head:
        raise Invalid(f"“{shown_name}” is empty.")
    if head.startswith(b"PK\x03\x04"):
        # A ZIP (Office, OpenDocument) is read from its end: look at it within the size limit only.
        data = head + (stream.read(limit + 1 - len(head)) or b"")
        if len(data) > limit:
            raise too_large
        found = document_type(data, io.BytesIO(data))
        head, stream = data, io.BytesIO(b"")
    else:
        found = document_type(head) or image_type(head)
    if found != wanted:
        raise Invalid(f"“{shown_name}” is not really a {wanted_label} file: its content does not match its name.")
    return storage.write(folder, found, head, stream, limit, too_large)


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


def keep_lesson_file(course_id: int, kind: str, stream: BinaryIO, file_name: str | None) -> StoredFile:
    """Check a file for a lesson of this kind (video: MP4, WebM, Ogg; file: PDF, PNG, JPEG,
    Office documents, plain text; by content, within the kind's size limit) and write it under a
    random name in the course's folder. Nothing points to it yet: the caller, who checked who
    may do this, makes a lesson point to it (and deletes it if that fails)."""
    limit = max_bytes(kind)
    head = stream.read(HEAD) or b""
    if not head:
        raise Invalid("The file is empty.")
    if kind == "video":
        ext = video_type(head)
        if ext is None:
            raise Invalid(NOT_A_VIDEO)
    else:
        ext = None
        if head.startswith(b"PK\x03\x04"):
            # A ZIP is read from its end: look at it within the size limit only.
            data = head + (stream.read(limit + 1 - len(head)) or b"")
            if len(data) > limit:
                raise _too_large(kind)
            ext = _zip_type(io.BytesIO(data))
            head, stream = data, io.BytesIO(b"")
        else:
            ext = document_type(head)
        if ext is None:
            raise Invalid(NOT_A_DOCUMENT)
    file_path, size = storage.write(f"lessons/{course_id}", ext, head, stream, limit, _too_large(kind))
    return StoredFile(file_path, clean_file_name(file_name, ext), size, MIME_TYPES[ext])


def store_lesson_file(session: Session, actor: Actor, lesson_id: int, stream: BinaryIO, file_name: str | None) -> StoredFile:
    """Keep an uploaded file as the lesson's video or document (the course's instructors only):
    checked and written by `keep_lesson_file`, then the lesson's content points to it. A file
    it replaces is deleted."""
    lesson = _lesson_for_upload(session, actor, lesson_id)
    result = keep_lesson_file(lesson.course_id, lesson.kind, stream, file_name)
    content = {"file_path": result.file_path, "file_name": result.file_name, "file_size": result.file_size}
    if lesson.kind == "video":
        keep = {k: v for k, v in (lesson.content or {}).items() if k in ("duration_seconds", "threshold")}
        content = {"source": "upload", **content, **keep}
    with storage.adopting(session, result.file_path):
        courses.update_lesson(session, actor, lesson.id, content=content)
    return result


def keep_lesson_image(course_id: int, stream: BinaryIO) -> str:
    """Check an image for a text lesson (PNG, JPEG or WebP by content, at most MAX_IMAGE_MB) and
    write it in the course's folder; gives its stored path. Nothing points to it yet."""
    return _keep_image(f"lessons/{course_id}", stream, "The image")


def store_lesson_image(session: Session, actor: Actor, lesson_id: int, stream: BinaryIO, file_name: str | None) -> str:
    """Keep an image (PNG, JPEG or WebP by content, at most MAX_IMAGE_MB) for a text lesson's
    Markdown (the course's instructors only); gives the Markdown that shows it. The image
    belongs to the lesson: it is read with the lesson's access rules, and deleted when the
    text no longer shows it."""
    lesson = courses.authored_lesson(session, actor, lesson_id, "text", "Images go into text lessons.")
    file_path = keep_lesson_image(lesson.course_id, stream)
    image_id = Path(file_path).stem[:12]
    name = clean_file_name(file_name, Path(file_path).suffix)
    alt = Path(name).stem.replace("]", "").replace("[", "")[:80] or "Image"
    content = dict(lesson.content or {})
    content["images"] = [*content.get("images", []), {"id": image_id, "file_path": file_path, "name": name}]
    markdown = f"![{alt}]({registry.image_url(lesson.id, image_id)})"
    content["markdown"] = (str(content.get("markdown") or "").rstrip() + "\n\n" + markdown).lstrip()
    with storage.adopting(session, file_path):
        courses.update_lesson(session, actor, lesson.id, content=content)
    return markdown


# --- reading -----------------------------------------------------------------------------------

def _readable_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    """The lesson, for its course's staff or a learner enrolled whose lesson is open."""
    require(actor, None)
    lesson = session.get(Lesson, int(lesson_id)) if lesson_id else None
    if lesson is None or lesson.org_id != actor.org_id:
        raise NotFound("That lesson does not exist.")
    progress.check_lesson_readable(session, actor, lesson)
    return lesson


def lesson_image(session: Session, actor: Actor, lesson_id: int, image_id: str) -> ServedFile:
    """An image of a text lesson, for those who may read the lesson."""
    lesson = _readable_lesson(session, actor, lesson_id)
    image = next((i for i in (lesson.content or {}).get("images", []) if i.get("id") == image_id), None)
    if image is None:
        raise NotFound("That image does not exist.")
    path = storage.resolve(str(image["file_path"]), "lessons", "The image is missing. Ask the course's instructor to upload it again.")
    return ServedFile(path, IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream"), str(image.get("name") or path.name), True)


def lesson_file(session: Session, actor: Actor, lesson_id: int) -> ServedFile:
    """The stored file of a video or file lesson, for someone who may read the lesson: the
    course's staff, or a learner enrolled in it whose lesson is open. A signed-in person
    without access is refused with PermissionDenied (the lesson's existence is not a secret
    within the organization); a lesson of another organization is NotFound."""
    lesson = _readable_lesson(session, actor, lesson_id)
    content = lesson.content or {}
    if lesson.kind not in ("video", "file") or not content.get("file_path") or (lesson.kind == "video" and content.get("source") != "upload"):
        raise NotFound("This lesson has no file.")
    path = storage.resolve(str(content["file_path"]), "lessons", "The lesson's file is missing. Ask the course's instructor to upload it again.")
    mime = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
    name = str(content.get("file_name") or path.name)
    return ServedFile(path, mime, name, lesson.kind == "video" or path.suffix.lower() == ".pdf")


# --- course cover images -----------------------------------------------------------------------

def keep_cover(course_id: int, stream: BinaryIO) -> str:
    """Check an image for a course's cover (PNG, JPEG or WebP by content, at most MAX_IMAGE_MB)
    and write it under a random name; gives its stored path. Like `keep_lesson_file`, nothing
    points to it yet."""
    return _keep_image(f"covers/{course_id}", stream, "The cover")


def _keep_image(folder: str, stream: BinaryIO, what: str) -> str:
    head = stream.read(HEAD) or b""
    ext = image_type(head)
    if ext is None:
        raise Invalid(f"{what} must be a PNG, JPEG or WebP image.")
    file_path, _ = storage.write(folder, ext, head, stream, MAX_IMAGE_MB * 1024 * 1024,
                                 Invalid(f"The image is larger than {MAX_IMAGE_MB} MB."))
    return file_path


def store_cover(session: Session, actor: Actor, course_id: int, stream: BinaryIO) -> str:
    """Keep an uploaded image (PNG, JPEG or WebP, by content; at most MAX_IMAGE_MB) as the
    course's cover (those who may change the course only). The cover it replaces is deleted
    once the change is saved."""
    require(actor, None)
    course = courses.authored_course(session, actor, course_id)
    file_path = keep_cover(course.id, stream)
    with storage.adopting(session, file_path):
        courses.update_course(session, actor, course.id, cover_image_path=file_path)
    return file_path


def cover_url(course_id: int, cover_image_path: str | None) -> str:
    """Where the browser loads a course's cover ("" without one). The stored name is in the
    address, so a new cover is never hidden by a cached old one."""
    if not cover_image_path:
        return ""
    return f"/files/courses/{course_id}/cover?v={Path(cover_image_path).stem}"


def cover_file(session: Session, actor: Actor, course_id: int) -> ServedFile:
    """A course's cover image, for anyone signed in to its organization who may see the
    course: any course in the catalog, drafts for their staff only."""
    require(actor, None)
    course = courses.get_course(session, actor, course_id)
    if course.visibility == "draft" and not courses.can_view_as_staff(session, actor, course):
        raise NotFound("That course does not exist.")
    if not course.cover_image_path:
        raise NotFound("This course has no cover image.")
    path = storage.resolve(course.cover_image_path, "covers", "This course has no cover image.")
    return ServedFile(path, IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream"), path.name, True)
