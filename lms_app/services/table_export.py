"""A dashboard table as a CSV, Excel or PDF download, written to the audit trail.

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

from fpdf import FPDF
from fpdf.fonts import FontFace

from lms_app.services import audit, pdf_fonts
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
FORMATS = ("csv", "xlsx", "pdf")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table_pdf(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, subtitle: str = "") -> bytes:
    """The table on landscape A4 pages, its header repeated on each page."""
    texts = [[_cell_text(v) for v in row] for row in rows]
    subtitle = subtitle or f"{len(rows)} rows · exported {date.today().isoformat()}"
    pdf = FPDF(orientation="L", format="A4")
    serif, sans = "Times", "Helvetica"
    if not pdf_fonts.fits_core_fonts([title, subtitle, *columns, *(cell for row in texts for cell in row)]):
        pdf_fonts.add_fonts(pdf)
        serif, sans = pdf_fonts.SERIF, pdf_fonts.SANS
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(serif, size=16)
    pdf.cell(h=9, text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(sans, size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(h=5, text=subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(200, 204, 212)
    # Columns share the width by how long their contents are, within bounds; numbers align right.
    lengths = [max([len(c), *(len(r[i]) for r in texts[:200])]) for i, c in enumerate(columns)]
    widths = [min(max(n, 6), 40) for n in lengths]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or _cell_text(r[i]).rstrip("%").replace(".", "", 1).isdigit()
                                  for r in rows[:200] if _cell_text(r[i])) for i in range(len(columns))]
    align = tuple("RIGHT" if n else "LEFT" for n in numeric)
    heading = FontFace(emphasis=None, fill_color=(235, 238, 245))
    with pdf.table(col_widths=widths, text_align=align, headings_style=heading, borders_layout="HORIZONTAL_LINES",
                   line_height=5, padding=(1.2, 1.5)) as table:
        table.row([str(c) for c in columns])
        for row in texts:
            table.row(row)
    return bytes(pdf.output())


def table_file(session: Session, actor: Actor, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               fmt: str) -> tuple[str | bytes, str, str]:
    """(content, file name, MIME type) of the table, its title naming the file."""
    if fmt not in FORMATS:
        raise Invalid("Choose CSV, Excel or PDF.")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "table"
    filename = f"{slug}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        content, _ = csv_text(list(columns), rows)
        mime = "text/csv"
    elif fmt == "pdf":
        content, mime = table_pdf(title, columns, rows), "application/pdf"
    else:
        frame = pd.DataFrame([[v if isinstance(v, (int, float)) else safe_cell(v) for v in row] for row in rows], columns=list(columns))
        out = io.BytesIO()
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=title[:31] or "Table", index=False)
        content, mime = out.getvalue(), XLSX_MIME
    audit.record(session, actor, "report.exported", target_type="report", target_label=title,
                 after={"report": title, "rows": len(rows), "format": fmt.upper()})
    return content, filename, mime
