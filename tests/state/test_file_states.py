"""Lesson files in the editor (the upload area of video and file lessons) and in the player
(the video plays from the files route; a PDF is shown and can be downloaded)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx
from sqlmodel import Session

from lms_app import settings
from lms_app.models import Lesson
from lms_app.services import courses
from lms_app.services.seed import DEMO_PASSWORD
from lms_app.state.authoring import CourseEditorState
from lms_app.state.player import PlayerState
from tests.state.course_world import build_course
from tests.state.harness import signed_in_browser, toast_text

IRENE, LEO = "irene@example.com", "leo@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def upload(browser, data: bytes, name: str):
    handler = CourseEditorState.upload_lesson_file.fn
    return asyncio.run(handler(browser.state(CourseEditorState), [rx.UploadFile(io.BytesIO(data), path=Path(name))]))


def test_instructor_uploads_then_learner_gets_the_file(demo, session, engine, actor_of):
    with Session(engine) as s:
        ids = build_course(s, actor_of(IRENE), actor_of(LEO))
        handout = courses.add_lesson(s, actor_of(IRENE), ids["module"], "Handout", "file")
        video = courses.add_lesson(s, actor_of(IRENE), ids["module"], "Drill", "video")
        s.commit()
        handout_id, video_id = handout.id, video.id

    editor = signed_in_browser(session, IRENE, DEMO_PASSWORD, f"/teach/courses/{ids['course']}")
    editor.call(CourseEditorState, "load")
    editor.call(CourseEditorState, "open_lesson", str(handout_id))
    state = editor.state(CourseEditorState)
    assert state.stored_file_name == ""
    assert toast_text(upload(editor, EXE, "handout.pdf")).startswith("This kind of file is not accepted")
    assert toast_text(upload(editor, PDF, "Safety handout.pdf")) == f"“Safety handout.pdf” ({len(PDF)} bytes) uploaded."
    assert state.stored_file_name == "Safety handout.pdf" and state.stored_file_size == f"{len(PDF)} bytes"

    editor.call(CourseEditorState, "open_lesson", str(video_id))
    editor.call(CourseEditorState, "pick_video_source", "upload")
    assert toast_text(upload(editor, PDF, "drill.mp4")) == "This file is not a video (MP4, WebM or Ogg)."
    upload(editor, MP4, "drill.mp4")
    assert state.video_source == "upload" and state.stored_file_name == "drill.mp4"
    # Saving the length keeps the uploaded file.
    editor.call(CourseEditorState, "save_content", {"source": "upload", "duration_seconds": "120"})
    with Session(engine) as s:
        content = s.get(Lesson, video_id).content
    assert content["source"] == "upload" and content["duration_seconds"] == 120 and content["file_name"] == "drill.mp4"
    assert (settings.PRIVATE_DIR / content["file_path"]).read_bytes() == MP4

    player = signed_in_browser(session, LEO, DEMO_PASSWORD, f"/learn/courses/{ids['course']}/{handout_id}")
    player.call(PlayerState, "load")
    p = player.state(PlayerState)
    assert (p.url, p.file_name, p.file_is_pdf) == (f"/files/lessons/{handout_id}", "Safety handout.pdf", True)
    player.call(PlayerState, "reached_end")  # the Download button
    assert p.lesson_state == "done"

    player.goto(f"/learn/courses/{ids['course']}/{video_id}")
    player.call(PlayerState, "load")
    assert (p.video_source, p.url) == ("upload", f"/files/lessons/{video_id}")
