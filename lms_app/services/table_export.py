"""A dashboard table as a CSV or Excel download, written to the audit trail.

The caller has built the rows under its own permission check (a manager's team, a course's
staff, an admin); this only writes the file and records who took it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from lms_app.services import audit
from lms_app.services.csv_export import csv_text, safe_cell
from lms_app.services.errors import Invalid
from lms_app.services.permissions import Actor

@dataclass(frozen=True)
class Table:
    """A dashboard table: what the page shows and what its file holds."""

    title: str
    columns: list[str]
    shown: list[list[str]]  # formatted for the page
    values: list[list]  # the same rows with plain numbers, for the CSV / Excel file
    file_columns: list[str] | None = None  # the file's, where its plain values differ from what is shown


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def table_file(session: Session, actor: Actor, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               fmt: str) -> tuple[str | bytes, str, str]:
    """(content, file name, MIME type) of the table, its title naming the file."""
    if fmt not in FORMATS:
        raise Invalid("Choose CSV or Excel.")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "table"
    filename = f"{slug}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        content, _ = csv_text(list(columns), rows)
        mime = "text/csv"
    else:
        frame = pd.DataFrame([[v if isinstance(v, (int, float)) else safe_cell(v) for v in row] for row in rows], columns=list(columns))
        out = io.BytesIO()
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=title[:31] or "Table", index=False)
        content, mime = out.getvalue(), XLSX_MIME
    audit.record(session, actor, "report.exported", target_type="report", target_label=title,
                 after={"report": title, "rows": len(rows), "format": fmt.upper()})
    return content, filename, mime
