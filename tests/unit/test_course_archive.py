"""Course archives: a course exported to one .zip and imported again is the same course (new
ids, a draft of the importer's, files byte for byte); an archive that is unsafe or wrong is
refused with the reason and leaves nothing behind; only a course's authors export it, only
those who create courses import."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import os
import stat
import subprocess
import sys
import zipfile
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from lms_app import db, settings
from lms_app.models import AuditEvent, Course, CourseStaff, Lesson
from lms_app.services import course_archive, courses, files
from lms_app.services.errors import Invalid, PermissionDenied
from tests.state.course_archives import PDF

IRENE, ISAAC, LEO, MAYA = "irene@example.com", "isaac@example.com", "leo@example.com", "maya@example.com"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture
def course_id(demo, actor_of):
    """Irene's course with every setting and kind an archive carries, two stored files and a cover."""
    irene = actor_of(IRENE)
    with db.session_scope() as s:
        c = courses.create_course(s, irene, "Store safety: the basics", summary="Stay safe at work.", category="Safety",
                                  tags=["safety", "retail"], language="fr", estimated_minutes=45)
        courses.update_course(s, irene, c.id, access_days=90, completion_rule="chosen", self_enrollment=True)
        courses.set_enrollment_key(s, irene, c.id, "open-sesame")
        basics = courses.add_module(s, irene, c.id, "Basics")
        welcome = courses.add_lesson(s, irene, basics.id, "Welcome", "text", {"markdown": "# Hello\n\nRead **this**."}, estimated_minutes=5)
        handout = courses.add_lesson(s, irene, basics.id, "Handout", "file", required=False, counts_for_completion=True)
        drill = courses.add_lesson(s, irene, basics.id, "Drill", "video")
        practice = courses.add_module(s, irene, c.id, "Practice")
        reference = courses.add_lesson(s, irene, practice.id, "Reference", "link", {"url": "https://example.com/rules", "open_in_new_tab": False})
        demo_video = courses.add_lesson(s, irene, practice.id, "Demo", "video", {"source": "link", "url": "https://video.example.com/demo"})
        qa = courses.add_lesson(s, irene, practice.id, "Questions", "live_session",
                                {"starts_at": "2027-03-03T14:00:00+01:00", "duration_minutes": 45, "location": "Room 2", "capacity": 12})
        files.store_lesson_file(s, irene, handout.id, io.BytesIO(PDF), "Safety handout.pdf")
        files.store_lesson_file(s, irene, drill.id, io.BytesIO(MP4), "drill.mp4")
        courses.update_lesson(s, irene, drill.id, content={**s.get(Lesson, drill.id).content, "duration_seconds": 120, "threshold": 0.8})
        files.store_cover(s, irene, c.id, io.BytesIO(PNG))
        files.store_lesson_image(s, irene, welcome.id, io.BytesIO(PNG + b"map"), "Exits map.png")
        courses.set_lesson_prerequisites(s, irene, drill.id, [welcome.id])
        courses.set_lesson_prerequisites(s, irene, qa.id, [handout.id, drill.id])
        courses.set_module_prerequisites(s, irene, practice.id, [basics.id])
        courses.set_release(s, irene, module_id=practice.id, days_after_enrollment=7)
        courses.set_release(s, irene, lesson_id=reference.id, available_on=date(2027, 3, 1))
        courses.set_release(s, irene, lesson_id=demo_video.id, days_after_enrollment=3)
        return c.id


def exported(actor, course_id: int) -> bytes:
    out = io.BytesIO()
    with db.session_scope() as s:
        course_archive.export_course(s, actor, course_id, out)
    return out.getvalue()


def imported(actor, data) -> int:
    with db.session_scope() as s:
        return course_archive.import_course(s, actor, data).id


def comparable(description) -> dict:
    """What must survive the trip: everything but stored paths (new names) and what an archive
    never carries (the enrollment key, a required course)."""
    out = dataclasses.asdict(description)
    for field in ("cover_image_path", "enrollment_key_hash", "required_course_id"):
        out.pop(field)
    for module in out["modules"]:
        for lesson in module["lessons"]:
            lesson["content"].pop("file_path", None)
            for image in lesson["content"].get("images", []):
                image.pop("file_path")
            # The Markdown shows its images at its own lesson's address.
            lesson["content"]["markdown"] = re.sub(r"/files/lessons/\d+/", "/files/lessons/N/", lesson["content"].get("markdown", ""))
    return out


def stored_files() -> set[str]:
    return {str(p.relative_to(settings.PRIVATE_DIR)) for p in settings.PRIVATE_DIR.rglob("*") if p.is_file()} if settings.PRIVATE_DIR.exists() else set()


def test_a_course_goes_out_and_comes_back_the_same(course_id, engine, actor_of):
    data = exported(actor_of(IRENE), course_id)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        document = json.loads(z.read("course.json"))
    assert names[0] == "course.json" and {"files/l2.pdf", "files/l3.mp4"} <= set(names) and any(n.startswith("files/cover") for n in names)
    assert document["format"] == "lms-course" and document["version"] == 1
    assert "open-sesame" not in json.dumps(document) and "enrollment_key" not in json.dumps(document)
    assert document["modules"][1]["requires"] == ["m1"] and document["modules"][1]["available_after_days"] == 7

    isaac = actor_of(ISAAC)
    new_id = imported(isaac, data)
    with Session(engine) as s:
        original, copy = s.get(Course, course_id), s.get(Course, new_id)
        assert new_id != course_id and copy.visibility == "draft" and copy.created_by_id == isaac.user_id
        assert copy.enrollment_key_hash is None and copy.self_enrollment
        staff = s.exec(select(CourseStaff.user_id, CourseStaff.role).where(CourseStaff.course_id == new_id)).all()
        assert staff == [(isaac.user_id, "instructor")]
        before, after = courses.describe_course(s, original), courses.describe_course(s, copy)
        assert comparable(after) == comparable(before)
        assert after.title == "Store safety: the basics" and after.language == "fr" and after.tags == ["safety", "retail"]
        assert after.modules[1].lessons[2].requires == ["l2", "l3"] and after.modules[1].lessons[0].available_on == date(2027, 3, 1)
        old_lessons = {lesson.title: lesson for lesson in s.exec(select(Lesson).where(Lesson.course_id == course_id)).all()}
        new_lessons = {lesson.title: lesson for lesson in s.exec(select(Lesson).where(Lesson.course_id == new_id)).all()}
        assert not {lesson.id for lesson in old_lessons.values()} & {lesson.id for lesson in new_lessons.values()}
        for title in ("Handout", "Drill"):
            old_path, new_path = old_lessons[title].content["file_path"], new_lessons[title].content["file_path"]
            assert new_path != old_path and new_path.startswith(f"lessons/{new_id}/")
            assert (settings.PRIVATE_DIR / new_path).read_bytes() == (settings.PRIVATE_DIR / old_path).read_bytes()
        assert new_lessons["Handout"].content["file_name"] == "Safety handout.pdf"
        old_image, new_image = old_lessons["Welcome"].content["images"][0], new_lessons["Welcome"].content["images"][0]
        assert new_image["file_path"].startswith(f"lessons/{new_id}/")
        assert (settings.PRIVATE_DIR / new_image["file_path"]).read_bytes() == PNG + b"map"
        assert f"/files/lessons/{new_lessons['Welcome'].id}/images/{new_image['id']}" in new_lessons["Welcome"].content["markdown"]
        assert old_image["id"] == new_image["id"]
        assert copy.cover_image_path != original.cover_image_path and (settings.PRIVATE_DIR / copy.cover_image_path).read_bytes() == PNG
        actions = list(s.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())
        assert actions[-2:] == ["course.exported", "course.imported"]


def test_an_export_without_its_cover_file_still_works(course_id, engine, actor_of):
    with Session(engine) as s:
        (settings.PRIVATE_DIR / s.get(Course, course_id).cover_image_path).unlink()
    data = exported(actor_of(IRENE), course_id)
    with Session(engine) as s:
        assert s.get(Course, imported(actor_of(IRENE), data)).cover_image_path is None


def rewritten(data: bytes, *, document=None, drop=(), add=None, replace=None) -> bytes:
    """The archive with course.json changed by `document(doc)` (or replaced by bytes), members
    dropped, replaced or added (name -> bytes, or a ZipInfo -> bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, source.read(info))
            if info.filename == "course.json" and document is not None:
                body = document if isinstance(document, bytes) else json.dumps(document(json.loads(body)))
            target.writestr(info.filename, body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def with_lesson(change):
    def edit(doc):
        change(doc["modules"][0]["lessons"][1])  # the Handout
        return doc
    return edit


REFUSALS = {
    "zip slip": (dict(add={"files/../../x.txt": b"hi"}), "“files/../../x.txt” in the archive points outside it"),
    "absolute path": (dict(add={"/etc/cron.d/x": b"hi"}), "“/etc/cron.d/x” in the archive has an absolute path"),
    "symlink": (dict(add={symlink("files/link"): b"/etc/passwd"}), "“files/link” in the archive is a symbolic link"),
    "ratio bomb": (dict(add={"files/zeros.txt": b"\0" * (3 * 1024 * 1024)}), "“files/zeros.txt” in the archive is compressed more than 100 to 1"),
    "bad json": (dict(document=b'{"format": "lms-course", '), "course.json is not valid JSON"),
    "not a course": (dict(document=lambda doc: {"hello": 1}), "course.json does not describe a course"),
    "unknown version": (dict(document=lambda doc: {**doc, "version": 2}), "format version 2, which this LMS cannot read"),
    "missing file": (dict(drop={"files/l2.pdf"}), "Lesson “Handout” in module “Basics” uses the file “files/l2.pdf”, which is not in the archive."),
    "unknown kind": (dict(document=with_lesson(lambda lesson: lesson.update(kind="hologram"))),
                     "Lesson “Handout” in module “Basics”: There is no lesson kind called “hologram”."),
    "dangling prerequisite": (dict(document=with_lesson(lambda lesson: lesson.update(requires=["l99"]))),
                              "Lesson “Handout” in module “Basics”: it requires “l99”, which is not a lesson of this course."),
    "prerequisite loop": (dict(document=lambda doc: (doc["modules"][0].update(requires=["m2"]), doc)[1]),
                          "That would make a loop of prerequisites nobody could finish: “Basics” → “Practice” → “Basics”."),
    "bad setting": (dict(document=lambda doc: (doc["course"].update(language="xx"), doc)[1]),
                    "The course's settings: Choose one of the offered languages."),
    "wrong type": (dict(document=with_lesson(lambda lesson: lesson.update(required="yes"))),
                   "In course.json, lesson 2 of module 1: “required” must be true or false."),
    # The handout is stored first, then the video is refused: the handout goes too.
    "file not what it claims": (dict(replace={"files/l3.mp4": EXE}),
                                "Lesson “Drill” in module “Basics”, file “files/l3.mp4”: This file is not a video"),
    "not a zip": (None, "This file is not a course archive"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_archive_is_refused_with_the_reason_and_leaves_nothing(case, course_id, engine, actor_of):
    changes, reason = REFUSALS[case]
    good = exported(actor_of(IRENE), course_id)
    data = rewritten(good, **changes) if changes is not None else PDF
    with Session(engine) as s:
        courses_before, events_before = s.exec(select(func.count(Course.id))).one(), s.exec(select(func.count(AuditEvent.id))).one()
    files_before = stored_files()
    with pytest.raises(Invalid) as refused:
        imported(actor_of(ISAAC), data)
    assert reason in refused.value.message
    with Session(engine) as s:
        assert s.exec(select(func.count(Course.id))).one() == courses_before
        assert s.exec(select(func.count(AuditEvent.id))).one() == events_before
    assert stored_files() == files_before


def test_limits_on_the_archive_itself(course_id, actor_of, monkeypatch):
    good = exported(actor_of(IRENE), course_id)
    monkeypatch.setattr(course_archive, "MAX_MEMBERS", 3)
    with pytest.raises(Invalid, match="holds 5 files; a course archive holds at most 3"):
        imported(actor_of(ISAAC), good)
    monkeypatch.setattr(course_archive, "MAX_MEMBERS", 5000)
    monkeypatch.setattr(settings, "MAX_COURSE_ARCHIVE_MB", 0)
    with pytest.raises(Invalid, match="The archive is larger than 0 MB"):
        imported(actor_of(ISAAC), good)


def test_who_may_export_and_import(course_id, engine, actor_of):
    with pytest.raises(PermissionDenied):
        exported(actor_of(LEO), course_id)
    with pytest.raises(PermissionDenied):  # an instructor, but not of this course
        exported(actor_of(ISAAC), course_id)
    good = exported(actor_of(IRENE), course_id)
    for email in (LEO, MAYA):
        with pytest.raises(PermissionDenied):
            imported(actor_of(email), good)
    assert imported(actor_of("admin@example.com"), good)


def test_archive_file_names_are_safe():
    assert course_archive.archive_file_name("Store safety: the basics") == "store-safety-the-basics.zip"
    assert course_archive.archive_file_name("Sécurité «incendie» / 2027") == "securite-incendie-2027.zip"
    assert course_archive.archive_file_name("日本語") == "course.zip"


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_DATA_DIR": str(settings.DATA_DIR)}
    return subprocess.run([sys.executable, "-m", "lms_app", *args], env=env, cwd=settings.PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_exports_and_imports(course_id, engine, database_url, tmp_path):
    target = tmp_path / "store-safety.zip"
    done = _cli(database_url, "export-course", str(course_id), str(target), "--as", IRENE)
    assert done.returncode == 0, done.stderr
    assert f"course {course_id} exported to {target}" in done.stdout
    assert zipfile.ZipFile(target).read("course.json")

    refused = _cli(database_url, "export-course", str(course_id), str(tmp_path / "no.zip"), "--as", LEO)
    assert refused.returncode == 1 and "Only the course's instructors" in refused.stderr
    assert not list(tmp_path.glob("no.zip*"))

    done = _cli(database_url, "import-course", str(target), "--as", ISAAC)
    assert done.returncode == 0, done.stderr
    assert "imported “Store safety: the basics” as course" in done.stdout
    with Session(engine) as s:
        assert s.exec(select(func.count(Course.id)).where(Course.title == "Store safety: the basics")).one() == 2

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    refused = _cli(database_url, "import-course", str(broken), "--as", ISAAC)
    assert refused.returncode == 1 and "This file is not a course archive" in refused.stderr
