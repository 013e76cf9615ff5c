"""Course archives built by hand for the tests: a small valid one, and any variation of one."""

from __future__ import annotations

import io
import json
import zipfile

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def small_course_document(title: str = "Imported forklift basics") -> dict:
    return {
        "format": "lms-course", "version": 1,
        "course": {"title": title, "summary": "Drive safely.", "category": "Safety", "tags": ["forklift"], "language": "en"},
        "modules": [{"key": "m1", "title": "Basics", "lessons": [
            {"key": "l1", "title": "Controls", "kind": "text", "content": {"markdown": "Two pedals."}},
            {"key": "l2", "title": "Checklist", "kind": "file", "content": {"file_path": "files/l2.pdf", "file_name": "checklist.pdf"}, "requires": ["l1"]},
        ]}],
    }


def archive(document: dict | bytes, files: dict[str, bytes] | None = None) -> bytes:
    """A .zip with course.json (a document, or raw bytes as they are) and these files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("course.json", document if isinstance(document, bytes) else json.dumps(document))
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def small_course_archive(title: str = "Imported forklift basics") -> bytes:
    return archive(small_course_document(title), {"files/l2.pdf": PDF})
