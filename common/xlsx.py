"""Reading and writing Excel cells safely, shared by every import and export.

It lives outside the apps because the apps depend on each other one way only
(indicators ← orgs ← assessments ← reports), and every one of them reads or writes workbooks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from common.xlsx_guard import (
    MAX_COLUMNS,
    CellProblem,
    RefusedWorkbook,
    TooManySheetRows,
    UnreadableWorkbook,
    check_archive,
)

__all__ = ["HEADER_FILL", "HEADER_FONT", "CellProblem", "MissingSheet", "RefusedWorkbook", "SheetRow", "TooManyRows",
           "UnreadableWorkbook", "cell_text", "count_sheet_rows", "header_cells", "neutralise", "read_sheet", "restore"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Spreadsheet programs run text starting with these as a formula (OWASP "CSV injection"); a
# leading apostrophe keeps such text inert, and reading takes exactly that apostrophe off again.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def restore(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_TRIGGERS):
        return text[1:]
    return text


# The header row of every workbook the system writes: bold on the outline's pale red.
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F6F1F1")


def header_cells(
    sheet: WriteOnlyWorksheet, titles: Iterable[str], *, alignment: Alignment | None = None
) -> list[Cell]:
    """The header row of a write-only sheet, its titles written as given."""
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        if alignment is not None:
            cell.alignment = alignment
        cells.append(cell)
    return cells


class TooManyRows(Exception):
    """The sheet holds more data rows than an import accepts."""


class MissingSheet(Exception):
    """The workbook has no sheet of the name asked for."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # as Excel numbers rows: the header is row 1
    cells: tuple[str, ...]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # A code typed as a number comes back as 1001.0, a cap of 2.5 as 2.5000000001 at worst.
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return restore(str(value).strip())


MAX_FORMULA_PROBLEMS = 50


def _rows(sheet: Any, max_rows: int, formulas: list[CellProblem]) -> Iterator[SheetRow]:
    """Rows as text; formula cells are collected in `formulas` instead of being read, so the
    caller can refuse them all at once (a cached value is what the formula gave on someone
    else's machine, and a HYPERLINK text is not what was typed)."""
    for number, row in enumerate(sheet.iter_rows(), start=1):
        if len(row) > MAX_COLUMNS:
            raise RefusedWorkbook([CellProblem(number, get_column_letter(len(row)), _(
                "第 %(row)s 行有内容超出了 %(limit)s 列的上限。") % {"row": number, "limit": MAX_COLUMNS})])
        values: list[Any] = []
        for column, cell in enumerate(row, start=1):
            if cell.data_type == "f":
                if len(formulas) < MAX_FORMULA_PROBLEMS:
                    formulas.append(_formula_problem(number, column))
                values.append(None)
            else:
                values.append(cell.value)
        cells = tuple(cell_text(value) for value in values)
        if any(cells):
            yield SheetRow(number, cells)
        # Blank rows cost parsing time too: a file padded with them stops here.
        if number > 2 * max_rows + 1:
            raise TooManyRows


def _formula_problem(row: int, column: int) -> CellProblem:
    letter = get_column_letter(column)
    return CellProblem(row, letter, _("单元格 %(cell)s 是公式。请只填写数值或文字（可复制后“选择性粘贴为数值”）。") % {
        "cell": f"{letter}{row}"})


def count_sheet_rows(source: IO[bytes], *, max_rows: int) -> int:
    """The checks of `read_sheet` that come before openpyxl parses anything (the archive's limits,
    rows), and the most rows below a header any sheet has, blank rows included: what a request
    can know of a file's size without reading it. Raises as `read_sheet` does."""
    try:
        # Rows are counted before openpyxl parses them: rows repeating one row number would
        # never reach the limit applied while reading. Blank rows count, as in _rows.
        rows = check_archive(source, max_row_elements=2 * max_rows + 2)
    except TooManySheetRows:
        raise TooManyRows from None
    except RefusedWorkbook:
        raise
    except Exception as error:  # not a zip, or a damaged one
        raise UnreadableWorkbook(str(error)) from error
    finally:
        source.seek(0)
    return max(rows - 1, 0)


def read_sheet(
    source: IO[bytes], *, max_rows: int, name: str | None = None
) -> tuple[tuple[str, ...], list[SheetRow]]:
    """The header and the non-empty data rows of the first sheet (or the sheet `name`, hidden
    ones included), as stripped text.

    Raises UnreadableWorkbook for anything that is not an xlsx workbook openpyxl can read,
    RefusedWorkbook (an UnreadableWorkbook with problems to show) for one that breaks the limits
    of common.xlsx_guard or holds formulas or external links, MissingSheet for a `name` the
    workbook lacks and TooManyRows past `max_rows` data rows.
    """
    count_sheet_rows(source, max_rows=max_rows)
    try:
        # Formulas are read as formulas (not their cached values) so that they can be refused.
        workbook = load_workbook(source, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise UnreadableWorkbook(str(error)) from error
    try:
        if name is not None and name not in workbook.sheetnames:
            raise MissingSheet(name)
        sheet = workbook.worksheets[0] if name is None else workbook[name]
        # The stored dimensions may be wrong in files from other programs; read what is there.
        sheet.reset_dimensions()
        formulas: list[CellProblem] = []
        rows = _rows(sheet, max_rows, formulas)
        first = next(rows, None)
        if first is None:
            if formulas:
                raise RefusedWorkbook(formulas)
            return (), []
        data: list[SheetRow] = []
        for row in rows:
            data.append(row)
            if len(data) > max_rows:
                raise TooManyRows
        if formulas:
            raise RefusedWorkbook(formulas)
    except (TooManyRows, MissingSheet, RefusedWorkbook):
        raise
    except Exception as error:
        raise UnreadableWorkbook(str(error)) from error
    finally:
        workbook.close()
    header = first.cells if first.number == 1 else ()
    if first.number != 1:
        data.insert(0, first)
    while header and not header[-1]:
        header = header[:-1]
    return header, data
