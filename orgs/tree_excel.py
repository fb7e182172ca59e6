"""The Excel layout of the organization tree: one sheet, five columns, one organization a row.

The template, the export and the import share this layout, so an export can be imported again
unchanged. Writing uses openpyxl's write-only mode (rows go to a temporary file as they come, so
20,000 rows need little memory); reading uses read-only mode for the same reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from orgs.models import OrgType

# The header is part of the file format, not of the interface: it stays Chinese in every
# interface language, so that a file exported in one language imports in any other.
CODE, NAME, TYPE, PARENT, ACTIVE = "编码", "名称", "类型", "上级编码", "是否有效"
COLUMNS = (CODE, NAME, TYPE, PARENT, ACTIVE)
WIDTHS = {CODE: 18, NAME: 40, TYPE: 12, PARENT: 18, ACTIVE: 10}
SHEET_TITLE = "党组织"
YES, NO = "是", "否"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Spreadsheet programs run text starting with these as a formula (OWASP "CSV injection"); a
# leading apostrophe keeps such text inert, and reading takes exactly that apostrophe off again.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_LAST_ROW = 1048576


def type_labels() -> dict[str, str]:
    """Type value → Chinese label, whatever language the request runs in."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in OrgType.choices}


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def restore(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_TRIGGERS):
        return text[1:]
    return text


@dataclass(frozen=True)
class TreeRow:
    """One organization as it is written to the sheet."""

    code: str
    name: str
    type: str
    parent_code: str
    is_active: bool


def _header_cells(sheet: WriteOnlyWorksheet) -> list[WriteOnlyCell]:
    cells = []
    for title in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F6F1F1")
        cells.append(cell)
    return cells


def _prepare_sheet(workbook: Workbook) -> WriteOnlyWorksheet:
    """Layout that must be set before the first row is written in write-only mode."""
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for index, title in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = WIDTHS[title]
        # Text format keeps codes such as 0012 from turning into numbers when typed in Excel.
        sheet.column_dimensions[letter].number_format = "@"
    # Drop-down lists in the template and the export, so that an edited file stays importable.
    types = DataValidation(type="list", formula1='"{}"'.format(",".join(type_labels().values())))
    types.add(f"C2:C{_LAST_ROW}")
    active = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    active.add(f"E2:E{_LAST_ROW}")
    sheet.data_validations.append(types)
    sheet.data_validations.append(active)
    sheet.append(_header_cells(sheet))
    return sheet


def _add_instructions(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 70
    lines = [
        (CODE, "必填，唯一；导入时按编码匹配已有党组织。只能包含字母、数字、点、下划线和连字符。"),
        (NAME, "必填。"),
        (TYPE, "必填，可选：" + "、".join(type_labels().values()) + "。"),
        (PARENT, "上级党组织的编码，可以是本文件中的组织或系统中已有的组织；留空表示顶级党组织。"),
        (ACTIVE, "是 或 否，留空视为“是”。"),
        ("", "只读取第一个工作表“党组织”；系统中已有但文件中没有的党组织保持不变。"),
    ]
    for title, text in lines:
        sheet.append([title, text])


def write_tree(rows: Iterable[TreeRow], target: IO[bytes], *, instructions: bool = False) -> int:
    """Write the rows (parents before children) to `target`; returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = _prepare_sheet(workbook)
    labels = type_labels()
    count = 0
    for row in rows:
        sheet.append([
            neutralise(row.code),
            neutralise(row.name),
            labels.get(row.type, row.type),
            neutralise(row.parent_code),
            YES if row.is_active else NO,
        ])
        count += 1
    if instructions:
        _add_instructions(workbook)
    workbook.save(target)
    return count


def write_template(target: IO[bytes]) -> None:
    write_tree([], target, instructions=True)


class UnreadableWorkbook(Exception):
    """The upload is not an xlsx workbook openpyxl can read."""


class TooManyRows(Exception):
    """The sheet holds more data rows than an import accepts."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # as Excel numbers rows: the header is row 1
    cells: tuple[str, ...]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number comes back as 1001.0
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return restore(str(value).strip())


def _rows(sheet: Any, max_rows: int) -> Iterator[SheetRow]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = tuple(_as_text(value) for value in values)
        if any(cells):
            yield SheetRow(number, cells)
        # Blank rows cost parsing time too: a file padded with them stops here.
        if number > 2 * max_rows + 1:
            raise TooManyRows


def read_sheet(source: IO[bytes], *, max_rows: int) -> tuple[tuple[str, ...], list[SheetRow]]:
    """The header and the non-empty data rows of the first sheet, as stripped text.

    Raises UnreadableWorkbook for anything that is not an xlsx workbook openpyxl can read and
    TooManyRows past `max_rows` data rows.
    """
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise UnreadableWorkbook(str(error)) from error
    try:
        sheet = workbook.worksheets[0]
        # The stored dimensions may be wrong in files from other programs; read what is there.
        sheet.reset_dimensions()
        rows = _rows(sheet, max_rows)
        first = next(rows, None)
        if first is None:
            return (), []
        data: list[SheetRow] = []
        for row in rows:
            data.append(row)
            if len(data) > max_rows:
                raise TooManyRows
    except TooManyRows:
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
