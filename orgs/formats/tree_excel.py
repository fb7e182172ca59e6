"""The Excel layout of the organization tree: one sheet, five columns, one organization a row.

The template, the export and the import share this layout, so an export can be imported again
unchanged. Writing uses openpyxl's write-only mode (rows go to a temporary file as they come, so
20,000 rows need little memory); reading uses read-only mode for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.utils import translation
from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from common.xlsx import header_cells, neutralise
from orgs.models import OrgType

# The header is part of the file format, not of the interface: it stays Chinese in every
# interface language, so that a file exported in one language imports in any other.
CODE, NAME, TYPE, PARENT, ACTIVE = "编码", "名称", "类型", "上级编码", "是否有效"
COLUMNS = (CODE, NAME, TYPE, PARENT, ACTIVE)
WIDTHS = {CODE: 18, NAME: 40, TYPE: 12, PARENT: 18, ACTIVE: 10}
SHEET_TITLE = "党组织"
YES, NO = "是", "否"
_LAST_ROW = 1048576


def type_labels() -> dict[str, str]:
    """Type value → Chinese label, whatever language the request runs in."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in OrgType.choices}


@dataclass(frozen=True)
class TreeRow:
    """One organization as it is written to the sheet."""

    code: str
    name: str
    type: str
    parent_code: str
    is_active: bool


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
    sheet.append(header_cells(sheet, COLUMNS))
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
