"""Writing exports as CSV: every table in the app can be exported, the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def safe_cell(value: Any) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab/return before them) as formulas,
    and names and titles are typed by users: such a cell gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def in_batches(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Rows in lists of `size`, so each list's related rows can be read with one query."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> tuple[str, int]:
    """The CSV text (header first, every cell made safe) and the number of rows written."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return out.getvalue(), count
