"""Cell values for the workbook property tests, and what a person reading the file sees in each.

`text_of` is the oracle's own reading of a cell, written from what the file format and the
import pages promise (trimmed text; numbers as typed; the apostrophe that keeps a formula-like
text inert taken off), not from the app's reader, so that a difference between the two fails.
"""

from __future__ import annotations

import datetime
import io
import os
from decimal import Decimal

from hypothesis import strategies as st
from openpyxl import Workbook

# Enough to run in the suite in seconds; IMPORT_EXAMPLES=2000 hunts longer.
EXAMPLES = int(os.environ.get("IMPORT_EXAMPLES", "40"))
# Spreadsheet programs run text starting with these; the templates write them behind an apostrophe.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
# Text a person types into a cell: CJK, ASCII, the spaces and marks that trip up trimming,
# formula triggers, a character outside the BMP and bidirectional controls. openpyxl refuses
# to write most control characters at all, so those cannot reach an upload through a workbook.
ALPHABET = "党支部委员会中山区第一二三四五六七八九十ABCxyz019 _.-'=+@\t\n\u3000\u00a0é😀\u202e\u200f\x7f"
WORD = st.text(alphabet="党支部委员会中山区第一二三ABCxyz019", min_size=1, max_size=12)
SHEET_NAMES = st.text(alphabet="党组织评分表ABCsheet 1_", min_size=1, max_size=31).filter(lambda s: s.strip())


class Formula(str):
    """A cell written as a formula (openpyxl writes text starting with "=" as one)."""


def text_of(value: object) -> str:
    """A cell as the page's rules read it: what the person typed, trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time()).isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in TRIGGERS:
        return text[1:]
    return text


def is_formula(value: object) -> bool:
    return isinstance(value, str) and len(value) > 1 and value.startswith("=")


def free_text(max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET, max_size=max_size)


def odd_values() -> st.SearchStrategy[object]:
    """Cells of other kinds than text: numbers, booleans, dates, blanks, formulas."""
    return st.one_of(
        st.none(),
        st.integers(-10, 10**6),
        st.integers(-8, 400).map(lambda n: n / 4),
        st.booleans(),
        st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)),
        st.sampled_from(["=1+1", '=HYPERLINK("http://x","新支部")', "=A1"]),
        st.just(""),
        st.sampled_from([" ", "\u3000", "\t"]),
    )


def workbook_bytes(title: str, rows: list[list[object]], *, extra_sheet: list[list[object]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet is not None:
        other = book.create_sheet("其他")
        for row in extra_sheet:
            other.append(row)
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def half_points(cap: Decimal) -> st.SearchStrategy[Decimal]:
    return st.integers(0, int(cap * 2)).map(lambda n: Decimal(n) / 2)
