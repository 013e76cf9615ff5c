"""Pieces the CSV imports share (people, enrollments), so uploading a file looks the same everywhere."""

from __future__ import annotations

import reflex as rx


def csv_drop_zone(upload_id: str, on_drop, hint: str = "UTF-8, up to 2 MB and 5,000 people") -> rx.Component:
    """Where one CSV file is dropped or chosen; `on_drop` is the state's upload handler (the
    file goes to that handler's memory, never to the public upload folder)."""
    return rx.upload.root(
        rx.vstack(
            rx.icon("file-up", size=28, color=rx.color("accent", 10)),
            rx.text("Drop a CSV file here, or click to choose one", size="2", weight="medium", align="center"),
            rx.text(hint, size="1", color_scheme="gray", align="center"),
            align="center",
            spacing="2",
        ),
        id=upload_id,
        accept={"text/csv": [".csv"], "text/plain": [".txt"]},
        max_files=1,
        multiple=False,
        on_drop=on_drop(rx.upload_files(upload_id=upload_id)),
        border=f"2px dashed {rx.color('gray', 7)}",
        border_radius="10px",
        padding="32px",
        width="100%",
        cursor="pointer",
    )
