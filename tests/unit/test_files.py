"""Lesson files: recognised by their content (not their name), kept under a random name in
private storage, size-limited, and readable only by the course's staff and enrolled learners
whose lesson is open."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import Session, select

from lms_app import settings
from lms_app.models import Lesson
from lms_app.services import courses, enrollment, files
from lms_app.services.errors import Invalid, NotFound, PermissionDenied

IRENE, ISAAC, LEO, AMARA, MAYA, ADMIN = ("irene@example.com", "isaac@example.com", "leo@example.com", "amara@example.com",
                                         "maya@example.com", "admin@example.com")

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 100
OGG = b"OggS\x00\x02" + b"\x00" * 100
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("run.bat", "echo hi")
    return buf.getvalue()


@pytest.fixture
def world(demo, session, actor_of):
    """A published course by Irene: Intro (text), Handout (file), Video, then a Locked file
    lesson that needs Intro; Leo enrolled."""
    irene = actor_of(IRENE)
    c = courses.create_course(session, irene, "Store safety")
    m = courses.add_module(session, irene, c.id, "Basics")
    intro = courses.add_lesson(session, irene, m.id, "Intro", "text", {"markdown": "Hi"})
    handout = courses.add_lesson(session, irene, m.id, "Handout", "file")
    video = courses.add_lesson(session, irene, m.id, "Video", "video")
    locked = courses.add_lesson(session, irene, m.id, "Locked", "file")
    courses.set_lesson_prerequisites(session, irene, locked.id, [intro.id])
    files.store_lesson_file(session, irene, handout.id, io.BytesIO(PDF), "Leo's handout.pdf")
    files.store_lesson_file(session, irene, locked.id, io.BytesIO(PDF), "later.pdf")
    files.store_lesson_file(session, irene, video.id, io.BytesIO(MP4), "drill.mp4")
    courses.update_course(session, irene, c.id, self_enrollment=True)
    courses.set_visibility(session, irene, c.id, "published")
    enrollment.self_enroll(session, actor_of(LEO), c.id)
    session.commit()
    return {"course": c.id, "intro": intro.id, "handout": handout.id, "video": video.id, "locked": locked.id}


def content(session: Session, lesson_id: int) -> dict:
    session.expire_all()
    return session.exec(select(Lesson).where(Lesson.id == lesson_id)).one().content


@pytest.mark.parametrize("data, ext", [(MP4, ".mp4"), (WEBM, ".webm"), (OGG, ".ogv")])
def test_videos_are_recognised_by_content(data, ext):
    assert files.video_type(data) == ext


@pytest.mark.parametrize("data", [EXE, HTML, PDF, b"just some text"])
def test_what_is_not_a_video_is_refused_by_content(world, session, actor_of, data):
    with pytest.raises(Invalid, match=r"This file is not a video \(MP4, WebM or Ogg\)\."):
        files.store_lesson_file(session, actor_of(IRENE), world["video"], io.BytesIO(data), "movie.mp4")


@pytest.mark.parametrize("data, ext", [(PDF, ".pdf"), (PNG, ".png"), (b"\xff\xd8\xff\xe0JFIF", ".jpg"),
                                       (docx(), ".docx"), ("Plain notes: café\n".encode(), ".txt")])
def test_documents_are_recognised_by_content(world, session, actor_of, data, ext):
    stored = files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(data), "notes")
    assert stored.file_path.endswith(ext)
    assert stored.file_name == "notes" + ext
    assert (settings.PRIVATE_DIR / stored.file_path).read_bytes() == data


@pytest.mark.parametrize("data", [EXE, HTML, b"<svg onload='alert(1)'/>", plain_zip(), b"\x00\x01\x02binary"])
def test_other_files_are_refused_whatever_their_name(world, session, actor_of, data):
    with pytest.raises(Invalid, match="This kind of file is not accepted"):
        files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(data), "handout.pdf")


def test_size_limit(world, session, actor_of, monkeypatch):
    monkeypatch.setattr(settings, "MAX_FILE_MB", 1)
    monkeypatch.setattr(settings, "MAX_VIDEO_MB", 1)
    before = content(session, world["handout"])
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(Invalid, match=r"^The file is larger than 1 MB\.$"):
        files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(big), "big.pdf")
    with pytest.raises(Invalid, match=r"^The file is larger than 1 MB\.$"):
        files.store_lesson_file(session, actor_of(IRENE), world["video"], io.BytesIO(MP4 + b"0" * (1024 * 1024)), "big.mp4")
    assert content(session, world["handout"]) == before
    # Nothing half-written stays behind.
    folder = settings.PRIVATE_DIR / "lessons" / str(world["course"])
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    assert files.max_bytes("video") == 1024 * 1024


def test_stored_under_a_random_name_in_private_storage(world, session):
    c = content(session, world["handout"])
    assert c["file_name"] == "Leo's handout.pdf"
    assert c["file_path"].startswith(f"lessons/{world['course']}/")
    assert "handout" not in c["file_path"].lower() and "leo" not in c["file_path"].lower()
    path = settings.PRIVATE_DIR / c["file_path"]
    assert path.is_file() and path.read_bytes() == PDF
    assert "_upload" not in str(path) and "uploaded_files" not in str(path)
    assert c["file_size"] == len(PDF)
    video = content(session, world["video"])
    assert video["source"] == "upload" and video["file_name"] == "drill.mp4"


def test_file_names_lose_folders_and_control_characters():
    assert files.clean_file_name("../../etc/passwd", ".txt") == "passwd.txt"
    assert files.clean_file_name('C:\\Users\\x\\evil"\r\n.pdf', ".pdf") == "evil.pdf"
    assert files.clean_file_name("photo.jpeg", ".jpg") == "photo.jpeg"
    assert files.clean_file_name("", ".pdf") == "lesson-file.pdf"


def test_replacing_a_file_deletes_the_old_one(world, session, actor_of):
    old = settings.PRIVATE_DIR / content(session, world["handout"])["file_path"]
    files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(PNG), "map.png")
    assert not old.exists()
    assert content(session, world["handout"])["file_name"] == "map.png"


@pytest.mark.parametrize("who", [LEO, ISAAC, MAYA])
def test_only_the_course_instructors_upload(world, session, actor_of, who):
    with pytest.raises(PermissionDenied):
        files.store_lesson_file(session, actor_of(who), world["handout"], io.BytesIO(PDF), "x.pdf")


def test_text_lessons_hold_no_file(world, session, actor_of):
    with pytest.raises(Invalid, match="Only video and file lessons"):
        files.store_lesson_file(session, actor_of(IRENE), world["intro"], io.BytesIO(PDF), "x.pdf")


def test_enrolled_learner_reads_an_open_lesson(world, session, actor_of):
    found = files.lesson_file(session, actor_of(LEO), world["handout"])
    assert found.path.read_bytes() == PDF
    assert found.mime == "application/pdf" and found.download_name == "Leo's handout.pdf" and found.inline
    video = files.lesson_file(session, actor_of(LEO), world["video"])
    assert video.mime == "video/mp4" and video.inline


def test_locked_lesson_is_refused_until_it_opens(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="Finish “Intro” first"):
        files.lesson_file(session, actor_of(LEO), world["locked"])


def test_learner_not_enrolled_is_refused(world, session, actor_of):
    with pytest.raises(PermissionDenied, match="You are not enrolled in this course."):
        files.lesson_file(session, actor_of(AMARA), world["handout"])
    with pytest.raises(PermissionDenied):
        files.lesson_file(session, actor_of(MAYA), world["handout"])


@pytest.mark.parametrize("who", [IRENE, ADMIN])
def test_staff_read_even_locked_lessons(world, session, actor_of, who):
    assert files.lesson_file(session, actor_of(who), world["locked"]).path.read_bytes() == PDF


def test_missing_lessons_and_lessons_without_a_file(world, session, actor_of):
    with pytest.raises(NotFound):
        files.lesson_file(session, actor_of(IRENE), 999_999)
    with pytest.raises(NotFound, match="no file"):
        files.lesson_file(session, actor_of(IRENE), world["intro"])


def test_a_path_that_leaves_the_storage_is_never_served(world, session, actor_of):
    lesson = session.get(Lesson, world["handout"])
    lesson.content = {**lesson.content, "file_path": "lessons/../../secret_key"}
    session.add(lesson)
    session.commit()
    with pytest.raises(NotFound):
        files.lesson_file(session, actor_of(IRENE), world["handout"])
