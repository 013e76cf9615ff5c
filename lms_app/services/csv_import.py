"""Reading CSV files people upload (the people import, bulk enrollment): one set of rules for
encodings, separators, size limits and email cells, so every import says the same things."""

from __future__ import annotations

import csv
import io
import re

from lms_app.services.auth import normalize_email

MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2_000_000
MAX_EMAIL_LENGTH = 320
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# A row with more values than the header has columns (values beyond the header are not read).
EXTRA_VALUES = "__extra__"
EXTRA_VALUES_PROBLEM = "more values than columns (a name with a comma needs quotes)"

Rows = list[tuple[int, dict[str, str]]]  # (line in the file, value by column)


def decode_upload(data: bytes) -> str:
    """An uploaded file's text: UTF-8 (a byte-order mark is dropped), else the Windows encoding
    spreadsheets on Windows save in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def is_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= MAX_EMAIL_LENGTH


def read_csv(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[list[str], Rows, list[str]]:
    """The header (names lower-cased, spaces as underscores), the non-blank rows with their line
    numbers, and what is wrong with the file as a whole (an empty one included). Comma, semicolon or tab separated; at
    most MAX_IMPORT_BYTES and MAX_IMPORT_ROWS."""
    text = (text or "").lstrip("\ufeff")
    errors: list[str] = []
    if not text.strip():
        return [], [], ["The file is empty: paste or upload a CSV with a header line."]
    if len(text.encode("utf-8", "replace")) > MAX_IMPORT_BYTES:
        return [], [], [f"The file is too large (more than {MAX_IMPORT_BYTES // 1_000_000} MB): split it into several imports."]
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ("\t" if "\t" in first and "," not in first else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except (csv.Error, StopIteration):
        return [], [], [f"The first line must name the columns: {','.join(columns)}."]
    missing = [c for c in required if c not in header]
    if missing:
        errors.append(f"The header line lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; expected: {','.join(columns)}.")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        errors.append(f"The column{'s' if len(dupes) > 1 else ''} {', '.join(dupes)} appear{'s' if len(dupes) == 1 else ''} twice in the header.")
    rows: Rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                errors.append(f"The file has more than {MAX_IMPORT_ROWS} people: split it into several imports.")
                break
            row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                row[EXTRA_VALUES] = "1"
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        errors.append(f"The file is not valid CSV near line {reader.line_num}: {exc}.")
    if not rows and not errors:
        errors.append("The file has a header line but nobody in it.")
    return header, rows, errors


def email_problem(raw: str, line: int, first_line: dict[str, int]) -> str | None:
    """What is wrong with a row's email cell (missing, malformed, already on an earlier line),
    or None. `first_line` remembers where each email was first seen across calls."""
    email = normalize_email(raw)
    problem = None
    if not email:
        problem = "email is missing"
    elif not is_email(email):
        problem = f"“{email}” is not a valid email address"
    elif email in first_line:
        problem = f"{email} appears twice in the file (also on line {first_line[email]})"
    if email and email not in first_line:
        first_line[email] = line
    return problem


def problems_summary(problems: list[str], shown: int = 5) -> str:
    """The first few problems on one line, and how many more there are."""
    return "; ".join(problems[:shown]) + (f"; and {len(problems) - shown} more" if len(problems) > shown else "")
