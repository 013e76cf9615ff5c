"""GET /files/courses/{id}/export: the sign-in cookie, the course's authors only, the archive
as an attachment named after the course."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from lms_app import db
from lms_app.services import courses, files
from tests.api.http import signed_in
from tests.state.course_archives import PDF

IRENE, ISAAC, LEO, ADMIN = "irene@example.com", "isaac@example.com", "leo@example.com", "admin@example.com"


@pytest.fixture
def course_id(demo, actor_of):
    irene = actor_of(IRENE)
    with db.session_scope() as s:
        c = courses.create_course(s, irene, "Fire safety: extinguishers")
        m = courses.add_module(s, irene, c.id, "Basics")
        courses.add_lesson(s, irene, m.id, "Intro", "text", {"markdown": "Hi"})
        handout = courses.add_lesson(s, irene, m.id, "Handout", "file")
        files.store_lesson_file(s, irene, handout.id, io.BytesIO(PDF), "handout.pdf")
        return c.id


def test_the_course_instructor_downloads_the_archive(client, course_id):
    response = signed_in(client, IRENE).get(f"/files/courses/{course_id}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="fire-safety-extinguishers.zip"'
    assert "no-store" in response.headers["cache-control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("course.json"))["course"]["title"] == "Fire safety: extinguishers"
        assert archive.read("files/l2.pdf") == PDF


def test_admins_may_export_too(client, course_id):
    assert signed_in(client, ADMIN).get(f"/files/courses/{course_id}/export").status_code == 200


def test_others_are_refused(client, course_id):
    response = client.get(f"/files/courses/{course_id}/export")
    assert response.status_code == 401 and response.json()["detail"] == "Please sign in to continue."
    for email in (LEO, ISAAC):  # a learner; an instructor, but not of this course
        response = signed_in(client, email).get(f"/files/courses/{course_id}/export")
        assert response.status_code == 403, (email, response.text)
        assert "Only the course's instructors" in response.json()["detail"]
    signed_in(client, IRENE)
    assert client.get("/files/courses/999999/export").status_code == 404
    assert client.get("/files/courses/abc/export").status_code == 404
