"""A dashboard table as a file: CSV or Excel with the table's rows, formula-looking cells made
safe, and the export in the audit trail."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlmodel import select

from lms_app.models import AuditEvent
from lms_app.services import audit_log, table_export
from lms_app.services.errors import Invalid

COLUMNS = ["Course", "Enrollments", "Completion"]
ROWS = [["Fire safety", 12, 0.75], ["=HYPERLINK(\"x\")", 3, 0.0]]


def test_csv_holds_the_rows_and_is_audited(demo, session, actor_of):
    admin = actor_of("admin@example.com")
    content, filename, mime = table_export.table_file(session, admin, "Most completed courses", COLUMNS, ROWS, "csv")
    session.commit()
    assert mime == "text/csv" and filename.startswith("most-completed-courses-") and filename.endswith(".csv")
    assert content.splitlines() == ["Course,Enrollments,Completion", "Fire safety,12,0.75", "\"'=HYPERLINK(\"\"x\"\")\",3,0.0"]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.exported")).one()
    assert event.after == {"report": "Most completed courses", "rows": 2, "format": "CSV"}
    assert audit_log.sentence(event) == "Ada Admin exported the table “Most completed courses” (2 rows) as CSV"


def test_excel_holds_the_rows_with_numbers_as_numbers(demo, session, actor_of):
    content, filename, mime = table_export.table_file(session, actor_of("admin@example.com"), "Courses", COLUMNS, ROWS, "xlsx")
    frame = pd.read_excel(io.BytesIO(content))
    assert filename.endswith(".xlsx") and mime == table_export.XLSX_MIME
    assert frame.values.tolist() == [["Fire safety", 12, 0.75], ["'=HYPERLINK(\"x\")", 3, 0.0]]


def test_an_unknown_format_is_refused(demo, session, actor_of):
    with pytest.raises(Invalid):
        table_export.table_file(session, actor_of("admin@example.com"), "Courses", COLUMNS, ROWS, "odt")


def test_pdf_prints_every_row_in_any_script_with_the_header_on_each_page(demo, session, actor_of):
    rows = [[f"Łukasz Żółć {i}", i, 0.5] for i in range(80)]
    content, filename, mime = table_export.table_file(session, actor_of("admin@example.com"), "Курсы and courses", COLUMNS, rows, "pdf")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    assert filename.endswith(".pdf") and mime == "application/pdf" and len(pages) >= 2
    assert "Курсы and courses" in pages[0]
    assert all(COLUMNS[0] in page for page in pages)
    assert all(f"Łukasz Żółć {i}" in "".join(pages) for i in range(80))
