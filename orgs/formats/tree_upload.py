"""Reading the organization tree from an uploaded Excel file, on its own: size, format, header,
cell values, duplicate codes. The checks against the tree in the database, and applying the file,
are `orgs.services.tree_import`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.upload_checks import Problem, RefusedUpload, check_size, read_upload, sorted_problems, upload_rows
from common.xlsx import SheetRow
from orgs.formats.tree_excel import (
    ACTIVE,
    CODE,
    COLUMNS,
    NAME,
    PARENT,
    TYPE,
    type_labels,
)
from orgs.models import Organization
from orgs.validators import RESERVED_CODES, code_validator

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Well above the 20,000 organizations the system is sized for, so a whole-tree export fits.
MAX_IMPORT_ROWS = 50_000
# Rows checked between two reports to a job's progress.
PROGRESS_ROWS = 200
CODE_MAX_LENGTH = Organization._meta.get_field("code").max_length
NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length
_ACTIVE_VALUES = {"是": True, "否": False, "1": True, "0": False, "true": True, "false": False}


@dataclass(frozen=True)
class ImportRow:
    number: int
    code: str
    name: str
    type: str
    parent_code: str | None
    is_active: bool


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted_problems(problems, COLUMNS)


def _header_problems(header: tuple[str, ...]) -> list[Problem]:
    problems = []
    expected = "、".join(COLUMNS)
    for index, title in enumerate(header):
        if title and title not in COLUMNS:
            problems.append(Problem(1, title, _("无法识别的列“%(title)s”。表头应为：%(expected)s。") % {
                "title": title, "expected": expected}))
        elif title and title in header[:index]:
            problems.append(Problem(1, title, _("列“%(title)s”出现了不止一次。") % {"title": title}))
    problems.extend(
        Problem(1, title, _("缺少列“%(title)s”。表头应为：%(expected)s。") % {"title": title, "expected": expected})
        for title in COLUMNS if title not in header
    )
    return problems


def _code_problem(code: str) -> str | None:
    if not code:
        return _("编码不能为空。")
    if len(code) > CODE_MAX_LENGTH:
        return _("编码不能超过 %(limit)s 个字符。") % {"limit": CODE_MAX_LENGTH}
    try:
        code_validator(code)
    except ValidationError as error:
        return str(error.messages[0])
    if code.lower() in RESERVED_CODES:
        return _("“%(code)s”是系统保留字，不能作为编码。") % {"code": code}
    return None


def _parse_row(row: SheetRow, position: dict[str, int], types: dict[str, str]) -> tuple[ImportRow, list[Problem]]:
    def cell(title: str) -> str:
        index = position[title]
        return row.cells[index] if index < len(row.cells) else ""

    problems = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row.number, column, message))

    code, name, type_text, parent_code = cell(CODE), cell(NAME), cell(TYPE), cell(PARENT)
    if (message := _code_problem(code)) is not None:
        problem(CODE, message)
    if not name:
        problem(NAME, _("名称不能为空。"))
    elif len(name) > NAME_MAX_LENGTH:
        problem(NAME, _("名称不能超过 %(limit)s 个字符。") % {"limit": NAME_MAX_LENGTH})
    type_value = types.get(type_text, "")
    if not type_text:
        problem(TYPE, _("类型不能为空。"))
    elif not type_value:
        problem(TYPE, _("无法识别的类型“%(type)s”，应为：%(choices)s。") % {
            "type": type_text, "choices": "、".join(type_labels().values())})
    active_text = cell(ACTIVE) or "是"
    is_active = _ACTIVE_VALUES.get(active_text.lower())
    if is_active is None:
        problem(ACTIVE, _("无法识别的取值“%(value)s”，请填写“是”或“否”。") % {"value": active_text})
    parsed = ImportRow(row.number, code, name, type_value, parent_code or None, bool(is_active))
    return parsed, problems


def _refusals() -> dict[str, str]:
    return {
        "unreadable": _("无法读取该文件。请上传 Excel 工作簿（.xlsx 格式），可以先下载本页提供的模板。"),
        "too_many_rows": _("文件超过了 %(limit)s 行的上限，请分成几个文件导入。") % {"limit": f"{MAX_IMPORT_ROWS:,}"},
    }


def count_upload(upload: IO[bytes]) -> int:
    """About how many rows the file has, after the checks that need no parsing; RefusedUpload
    in the same words as `parse_upload` when they fail."""
    return upload_rows(upload, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS, **_refusals())


def parse_upload(
    upload: IO[bytes], progress: Callable[[int], None] | None = None,
) -> tuple[list[ImportRow], list[Problem]]:
    """The rows of an uploaded workbook, and whatever is wrong with the file on its own.

    Rows whose code is unusable or repeated are left out of the rows, so that the tree checks
    can still run on the others and the user sees every problem at once. `progress` hears of
    the rows checked so far (a job's progress bar).
    """
    try:
        check_size(upload, max_bytes=MAX_IMPORT_BYTES)
        header, sheet_rows = read_upload(
            upload, max_rows=MAX_IMPORT_ROWS, header_problems=_header_problems, **_refusals())
    except RefusedUpload as refused:
        return [], refused.problems

    problems: list[Problem] = []
    position = {title: header.index(title) for title in COLUMNS}
    types = {label: value for value, label in type_labels().items()} | {v: v for v in type_labels()}
    rows: list[ImportRow] = []
    first_row_of: dict[str, int] = {}
    for index, sheet_row in enumerate(sheet_rows, start=1):
        if progress is not None and index % PROGRESS_ROWS == 0:
            progress(index)
        row, row_problems = _parse_row(sheet_row, position, types)
        problems.extend(row_problems)
        if row.code in first_row_of:
            problems.append(Problem(row.number, CODE, _("编码“%(code)s”与第 %(row)s 行重复。") % {
                "code": row.code, "row": first_row_of[row.code]}))
        elif not any(p.column == CODE for p in row_problems):
            first_row_of[row.code] = row.number
            rows.append(row)
    return rows, sort_problems(problems)

