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


def test_replacing_a_file_deletes_the_old_one_once_saved(world, session, actor_of):
    old = settings.PRIVATE_DIR / content(session, world["handout"])["file_path"]
    files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(PNG), "map.png")
    assert old.exists(), "deleted before the change was saved"
    session.commit()
    assert not old.exists()
    assert content(session, world["handout"])["file_name"] == "map.png"


def test_a_replacement_that_is_rolled_back_keeps_the_old_file(world, session, actor_of):
    old = settings.PRIVATE_DIR / content(session, world["handout"])["file_path"]
    new = files.store_lesson_file(session, actor_of(IRENE), world["handout"], io.BytesIO(PNG), "map.png")
    session.rollback()
    session.commit()
    assert old.exists() and content(session, world["handout"])["file_name"] == "Leo's handout.pdf"
    assert not (settings.PRIVATE_DIR / new.file_path).exists(), "nothing points to the new file"


def test_deleting_a_lesson_or_module_deletes_its_files(world, session, actor_of):
    irene = actor_of(IRENE)
    handout = settings.PRIVATE_DIR / content(session, world["handout"])["file_path"]
    video = settings.PRIVATE_DIR / content(session, world["video"])["file_path"]
    courses.delete_lesson(session, irene, world["handout"])
    session.commit()
    assert not handout.exists() and video.exists()
    module_id = session.get(Lesson, world["video"]).module_id
    courses.delete_module(session, irene, module_id)
    session.commit()
    assert not video.exists()


def test_a_file_shared_with_a_copy_stays_until_no_lesson_uses_it(world, session, actor_of):
    irene = actor_of(IRENE)
    handout = settings.PRIVATE_DIR / content(session, world["handout"])["file_path"]
    copy = courses.copy_course(session, irene, world["course"])
    courses.delete_lesson(session, irene, world["handout"])
    session.commit()
    assert handout.exists(), "the copy still shows this file"
    copied = session.exec(select(Lesson).where(Lesson.course_id == copy.id, Lesson.title == "Handout")).one()
    courses.delete_lesson(session, irene, copied.id)
    session.commit()
    assert not handout.exists()


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


WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40


@pytest.mark.parametrize("data, ext", [(PNG, ".png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 20, ".jpg"), (WEBP, ".webp")])
def test_a_cover_is_an_image_by_content(world, session, actor_of, data, ext):
    path = files.store_cover(session, actor_of(IRENE), world["course"], io.BytesIO(data))
    session.commit()
    assert path.endswith(ext) and (settings.PRIVATE_DIR / path).read_bytes() == data
    url = files.cover_url(world["course"], path)
    assert url.startswith(f"/files/courses/{world['course']}/cover?v=")


@pytest.mark.parametrize("data", [PDF, HTML, b"<svg onload=alert(1)></svg>", EXE])
def test_a_cover_that_is_not_an_image_is_refused(world, session, actor_of, data):
    with pytest.raises(Invalid, match="PNG, JPEG or WebP"):
        files.store_cover(session, actor_of(IRENE), world["course"], io.BytesIO(data))


def test_a_cover_over_the_limit_is_refused_and_leaves_nothing(world, session, actor_of, monkeypatch):
    folder = settings.PRIVATE_DIR / "covers" / str(world["course"])
    before = sorted(folder.iterdir()) if folder.exists() else []
    monkeypatch.setattr(files, "MAX_IMAGE_MB", 0)
    with pytest.raises(Invalid, match="larger than 0 MB"):
        files.store_cover(session, actor_of(IRENE), world["course"], io.BytesIO(PNG))
    assert (sorted(folder.iterdir()) if folder.exists() else []) == before


def test_replacing_or_removing_the_cover_deletes_the_old_image(world, session, actor_of):
    irene = actor_of(IRENE)
    first = settings.PRIVATE_DIR / files.store_cover(session, irene, world["course"], io.BytesIO(PNG))
    session.commit()
    second = settings.PRIVATE_DIR / files.store_cover(session, irene, world["course"], io.BytesIO(WEBP))
    session.commit()
    assert not first.exists() and second.exists()
    courses.update_course(session, irene, world["course"], cover_image_path=None)
    session.commit()
    assert not second.exists()


def test_who_sees_a_cover(world, session, actor_of):
    irene = actor_of(IRENE)
    files.store_cover(session, irene, world["course"], io.BytesIO(PNG))
    session.commit()
    assert files.cover_file(session, actor_of(AMARA), world["course"]).mime == "image/png", "a published course: anyone signed in"
    with pytest.raises(PermissionDenied):
        files.store_cover(session, actor_of(LEO), world["course"], io.BytesIO(PNG))
    courses.set_visibility(session, irene, world["course"], "draft")
    session.commit()
    with pytest.raises(NotFound):
        files.cover_file(session, actor_of(AMARA), world["course"])
    assert files.cover_file(session, irene, world["course"]).path.read_bytes() == PNG


def test_a_text_lesson_gets_images_that_follow_its_access_rules(world, session, actor_of):
    irene = actor_of(IRENE)
    snippet = files.store_lesson_image(session, irene, world["intro"], io.BytesIO(PNG), "Fire exits.png")
    session.commit()
    image_id = snippet.rsplit("/", 1)[-1].rstrip(")")
    assert snippet == f"![Fire exits](/files/lessons/{world['intro']}/images/{image_id})"
    assert content(session, world["intro"])["markdown"] == "Hi\n\n" + snippet
    assert files.lesson_image(session, actor_of(LEO), world["intro"], image_id).path.read_bytes() == PNG
    with pytest.raises(PermissionDenied, match="not enrolled"):
        files.lesson_image(session, actor_of(AMARA), world["intro"], image_id)
    with pytest.raises(NotFound):
        files.lesson_image(session, actor_of(LEO), world["intro"], "nope")
    with pytest.raises(Invalid, match="PNG, JPEG or WebP"):
        files.store_lesson_image(session, irene, world["intro"], io.BytesIO(HTML), "x.png")
    with pytest.raises(Invalid, match="text lessons"):
        files.store_lesson_image(session, irene, world["handout"], io.BytesIO(PNG), "x.png")
    with pytest.raises(PermissionDenied):
        files.store_lesson_image(session, actor_of(LEO), world["intro"], io.BytesIO(PNG), "x.png")


def test_an_image_taken_out_of_the_text_is_deleted_once_saved(world, session, actor_of):
    irene = actor_of(IRENE)
    files.store_lesson_image(session, irene, world["intro"], io.BytesIO(PNG), "map.png")
    session.commit()
    stored = settings.PRIVATE_DIR / content(session, world["intro"])["images"][0]["file_path"]
    courses.set_lesson_text(session, irene, world["intro"], content(session, world["intro"])["markdown"] + "\n\nMore.")
    session.commit()
    assert stored.exists() and len(content(session, world["intro"])["images"]) == 1
    courses.set_lesson_text(session, irene, world["intro"], "No picture any more.")
    session.commit()
    assert not stored.exists() and "images" not in content(session, world["intro"])


def test_a_copied_text_lesson_shows_its_images_at_its_own_address(world, session, actor_of):
    irene = actor_of(IRENE)
    files.store_lesson_image(session, irene, world["intro"], io.BytesIO(PNG), "map.png")
    copy = courses.copy_course(session, irene, world["course"])
    session.commit()
    copied = session.exec(select(Lesson).where(Lesson.course_id == copy.id, Lesson.title == "Intro")).one()
    image_id = copied.content["images"][0]["id"]
    assert f"/files/lessons/{copied.id}/images/{image_id}" in copied.content["markdown"]
    assert str(world["intro"]) not in copied.content["markdown"].split("images")[0]
    # The original's deletion leaves the copy's image in place.
    stored = settings.PRIVATE_DIR / copied.content["images"][0]["file_path"]
    courses.delete_lesson(session, irene, world["intro"])
    session.commit()
    assert stored.exists()
    assert files.lesson_image(session, irene, copied.id, image_id).path == stored.resolve()
