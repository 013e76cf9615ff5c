"""GET /files/lessons/{id}: the sign-in cookie, the same checks as the player, the original
name, and byte ranges so a video can be sought."""

from __future__ import annotations

import io

import pytest

from lms_app import db
from lms_app.services import courses, enrollment, files
from tests.api.http import refused, signed_in

IRENE, LEO, AMARA, ADMIN = "irene@example.com", "leo@example.com", "amara@example.com", "admin@example.com"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
TXT = b"Opening hours: 9 to 5.\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def world(demo, actor_of):
    irene = actor_of(IRENE)
    with db.session_scope() as s:
        c = courses.create_course(s, irene, "Store safety")
        m = courses.add_module(s, irene, c.id, "Basics")
        intro = courses.add_lesson(s, irene, m.id, "Intro", "text", {"markdown": "Hi"})
        pdf = courses.add_lesson(s, irene, m.id, "Handout", "file")
        txt = courses.add_lesson(s, irene, m.id, "Hours", "file")
        video = courses.add_lesson(s, irene, m.id, "Drill", "video")
        locked = courses.add_lesson(s, irene, m.id, "Later", "file")
        courses.set_lesson_prerequisites(s, irene, locked.id, [intro.id])
        files.store_lesson_file(s, irene, pdf.id, io.BytesIO(PDF), "Safety handout.pdf")
        files.store_lesson_file(s, irene, txt.id, io.BytesIO(TXT), "hours.txt")
        files.store_lesson_file(s, irene, video.id, io.BytesIO(MP4), "drill.mp4")
        files.store_lesson_file(s, irene, locked.id, io.BytesIO(PDF), "later.pdf")
        courses.update_course(s, irene, c.id, self_enrollment=True)
        courses.set_visibility(s, irene, c.id, "published")
        enrollment.self_enroll(s, actor_of(LEO), c.id)
        files.store_cover(s, irene, c.id, io.BytesIO(PNG))
        image = files.store_lesson_image(s, irene, intro.id, io.BytesIO(PNG), "map.png")
        return {"course": c.id, "intro": intro.id, "pdf": pdf.id, "txt": txt.id, "video": video.id, "locked": locked.id,
                "image": image.rsplit("/", 1)[-1].rstrip(")")}


def test_anonymous_gets_401(client, world):
    refused(client.get(f"/files/lessons/{world['pdf']}"), 401, "sign in")


def test_not_enrolled_gets_403_and_missing_404(client, world):
    signed_in(client, AMARA)
    refused(client.get(f"/files/lessons/{world['pdf']}"), 403, "You are not enrolled in this course.")
    refused(client.get("/files/lessons/999999"), 404, "does not exist")
    refused(client.get("/files/lessons/abc"), 404, "does not exist")


def test_locked_lesson_gets_403_with_the_reason(client, world):
    signed_in(client, LEO)
    refused(client.get(f"/files/lessons/{world['locked']}"), 403, "Finish “Intro” first")
    refused(client.get(f"/files/lessons/{world['intro']}"), 404, "no file")


def test_whole_pdf_inline_with_its_name(client, world):
    signed_in(client, LEO)
    r = client.get(f"/files/lessons/{world['pdf']}")
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("inline;")
    assert "Safety%20handout.pdf" in r.headers["content-disposition"] or 'Safety handout.pdf' in r.headers["content-disposition"]
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "private" in r.headers["cache-control"]
    assert int(r.headers["content-length"]) == len(PDF)


def test_other_files_are_attachments(client, world):
    signed_in(client, LEO)
    r = client.get(f"/files/lessons/{world['txt']}")
    assert r.status_code == 200 and r.content == TXT
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["content-disposition"].startswith("attachment;") and "hours.txt" in r.headers["content-disposition"]
    assert r.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize("who", [IRENE, ADMIN])
def test_staff_read_locked_lessons(client, world, who):
    signed_in(client, who)
    assert client.get(f"/files/lessons/{world['locked']}").content == PDF


def test_range_gives_206_with_exact_bytes(client, world):
    signed_in(client, LEO)
    url = f"/files/lessons/{world['video']}"
    r = client.get(url, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.content == MP4[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(MP4)}"
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["content-length"] == "100"
    # Open-ended and suffix ranges, as browsers send them when seeking.
    r = client.get(url, headers={"Range": f"bytes={len(MP4) - 10}-"})
    assert r.status_code == 206 and r.content == MP4[-10:]
    r = client.get(url, headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == MP4[-5:]
    assert r.headers["content-range"] == f"bytes {len(MP4) - 5}-{len(MP4) - 1}/{len(MP4)}"


def test_unsatisfiable_range_gets_416(client, world):
    signed_in(client, LEO)
    r = client.get(f"/files/lessons/{world['video']}", headers={"Range": f"bytes={len(MP4) + 10}-{len(MP4) + 20}"})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(MP4)}"


def test_range_is_refused_like_the_whole_file(client, world):
    signed_in(client, AMARA)
    r = client.get(f"/files/lessons/{world['video']}", headers={"Range": "bytes=0-10"})
    assert r.status_code == 403


def test_a_text_lessons_image_follows_the_lesson(client, world):
    address = f"/files/lessons/{world['intro']}/images/{world['image']}"
    refused(client.get(address), 401, "sign in")
    signed_in(client, AMARA)
    refused(client.get(address), 403, "You are not enrolled in this course.")
    signed_in(client, LEO)
    response = client.get(address)
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png" and response.headers["x-content-type-options"] == "nosniff"
    refused(client.get(f"/files/lessons/{world['intro']}/images/other"), 404, "does not exist")


def test_a_cover_shows_to_everyone_signed_in_while_the_course_is_in_the_catalog(client, world, actor_of):
    address = f"/files/courses/{world['course']}/cover"
    refused(client.get(address), 401, "sign in")
    signed_in(client, AMARA)
    response = client.get(address)
    assert response.status_code == 200 and response.content == PNG and "max-age" in response.headers["cache-control"]
    with db.session_scope() as s:
        courses.set_visibility(s, actor_of(IRENE), world["course"], "draft")
    refused(client.get(address), 404, "does not exist")
