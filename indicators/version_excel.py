"""An edition as an Excel file in the official table layout: 考评项目 | 子项目 | 评分标准 | 分值.

One row per item. The first column repeats "1. 组织领导" on every row (rather than merging
cells) so that a sorted or filtered sheet still says which category each item belongs to; the
import also accepts an empty first cell as "same category as the row above", which is how
hand-made tables with merged cells read. The export and the import share this module, so an
exported file imports again unchanged.

(The organization tree's Excel module has the same formula guard; indicators may not import
from orgs, which depends on it.)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from indicators.models import IndicatorSystem, Item

# The header is part of the file format: it stays Chinese in every interface language.
CATEGORY, ITEM, STANDARD, CAP = "考评项目", "子项目", "评分标准", "分值"
COLUMNS = (CATEGORY, ITEM, STANDARD, CAP)
WIDTHS = (18, 28, 80, 8)
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


def category_label(number: int, name: str) -> str:
    return f"{number}. {name}"


def item_label(number: str, name: str) -> str:
    return f"{number} {name}"


def write_version(system: IndicatorSystem, target: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(system.code[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    header = []
    for title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F6F1F1")
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    items = Item.objects.filter(system=system).select_related("category").order_by("category__number", "order", "id")
    for item in items:
        row = [
            category_label(item.category.number, item.category.name),
            item_label(item.number, item.name),
            item.standard,
        ]
        cells = []
        for text in row:
            cell = WriteOnlyCell(sheet, value=neutralise(text))
            cell.alignment = wrap
            cells.append(cell)
        cells.append(WriteOnlyCell(sheet, value=item.cap))
        sheet.append(cells)
    workbook.save(target)


class UnreadableWorkbook(Exception):
    """The upload is not an xlsx workbook openpyxl can read."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # as Excel numbers rows: the header is row 1
    cells: tuple[str, ...]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Caps come back as floats; Decimal(repr) keeps 2.5 as 2.5 rather than 2.50000001.
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return restore(str(value).strip())


def _rows(sheet: Any, max_rows: int) -> Iterator[SheetRow]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = tuple(_as_text(value) for value in values)
        if any(cells):
            yield SheetRow(number, cells)
        if number > max_rows:
            return


def read_sheet(source: IO[bytes], *, max_rows: int) -> tuple[tuple[str, ...], list[SheetRow]]:
    """The header and the non-empty data rows of the first sheet, as stripped text."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise UnreadableWorkbook(str(error)) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # stored dimensions are wrong in files from some programs
        rows = list(_rows(sheet, max_rows))
    except Exception as error:
        raise UnreadableWorkbook(str(error)) from error
    finally:
        workbook.close()
    if not rows or rows[0].number != 1:
        return (), rows
    header = rows[0].cells
    while header and not header[-1]:
        header = header[:-1]
    return header, rows[1:]
