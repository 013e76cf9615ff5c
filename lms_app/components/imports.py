"""Pieces the CSV imports share (people, enrollments), so uploading a file looks the same everywhere."""

from __future__ import annotations

import reflex as rx

from lms_app.components.ui import drop_zone


def csv_drop_zone(upload_id: str, on_drop, hint: str = "UTF-8, up to 2 MB and 5,000 people") -> rx.Component:
    """Where one CSV file is dropped or chosen; `on_drop` is the state's upload handler (the
    file goes to that handler's memory, never to the public upload folder)."""
    return drop_zone(upload_id, "file-up", "Drop a CSV file here, or click to choose one", hint,
                     {"text/csv": [".csv"], "text/plain": [".txt"]}, on_drop(rx.upload_files(upload_id=upload_id)))
