"""Reading an uploaded bulk-entry workbook on its own: size, format, header, every cell by the rules
of the score form (`assessments.validation`, through `assessments.entries.clean_entries`), and the
signed base the template was made with. The checks against the database, and applying the file,
are `assessments.services.bulk`'s; the layout is `assessments.formats.bulk`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from assessments.entries import Entry, clean_entries
from assessments.formats.bulk import CODE, BadBase, ItemColumns, TemplateBase, column_letter, header_titles, read_base
from assessments.threeway import REASON, SCORE, FieldKey
from assessments.totals import ItemInfo
from common.upload_checks import Problem, RefusedUpload, check_size, read_upload, upload_rows, workbook_refusals
from common.xlsx import SheetRow

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Far more units than one evaluator is ever given; a bigger file is a mistake, not a workload.
MAX_ROWS = 5000
# Rows checked between two reports to a job's progress.
PROGRESS_ROWS = 200


def max_bytes() -> int:
    return int(getattr(settings, "KAOPING_BULK_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass
class ParsedRow:
    number: int
    code: str
    entries: dict[int, Entry]  # only the items with a score in the file
    code_letter: str = "A"
    letters: dict[FieldKey, str] = field(default_factory=dict)  # where each field's cell is


def _header_problems(header: tuple[str, ...], expected: list[str]) -> list[Problem]:
    problems = []
    hint = _("请使用本页下载的模板，不要修改表头。")
    for index, title in enumerate(header):
        letter = column_letter(index)
        if title and title not in expected:
            problems.append(Problem(1, title, _("无法识别的列“%(title)s”。") % {"title": title} + hint, letter))
        elif title and title in header[:index]:
            problems.append(Problem(1, title, _("列“%(title)s”出现了不止一次。") % {"title": title}, letter))
    problems.extend(
        Problem(1, title, _("缺少列“%(title)s”。") % {"title": title} + hint) for title in expected if title not in header
    )
    return problems


def _parse_rows(
    header: tuple[str, ...], sheet_rows: list[SheetRow], columns: list[ItemColumns],
    progress: Callable[[int], None] | None,
) -> tuple[list[ParsedRow], list[Problem]]:
    position = {title: index for index, title in enumerate(header) if title}
    infos = [ItemInfo(column.item_id, 0, column.cap) for column in columns]
    problems: list[Problem] = []
    rows: list[ParsedRow] = []
    first_row_of: dict[str, int] = {}

    def cell(row: SheetRow, title: str) -> str:
        index = position[title]
        return row.cells[index] if index < len(row.cells) else ""

    def problem(row: SheetRow, title: str, message: str) -> None:
        problems.append(Problem(row.number, title, message, column_letter(position[title])))

    for index, sheet_row in enumerate(sheet_rows, start=1):
        if progress is not None and index % PROGRESS_ROWS == 0:
            progress(index)
        code = cell(sheet_row, CODE)
        if not code:
            problem(sheet_row, CODE, _("编码不能为空。"))
        elif code in first_row_of:
            problem(sheet_row, CODE, _("编码“%(code)s”与第 %(row)s 行重复，每个党组织只能有一行。") % {
                "code": code, "row": first_row_of[code]})
        else:
            first_row_of[code] = sheet_row.number
        raw: dict[int, tuple[str, str]] = {}
        for column in columns:
            score, reason = cell(sheet_row, column.score_title), cell(sheet_row, column.reason_title)
            if score:
                raw[column.item_id] = (score, reason)
            elif reason:
                # Left as it is, the typed reason would be dropped without a word.
                problem(sheet_row, column.reason_title, _("填写了扣分理由但没有填写得分。请填写得分，或清空扣分理由。"))
        # The very rules of the score form, cell by cell.
        entries, errors = clean_entries(infos, raw)
        for column in columns:
            for field_name, message in errors.get(column.item_id, {}).items():
                problem(sheet_row, column.score_title if field_name == "score" else column.reason_title, message)
        if code and first_row_of.get(code) == sheet_row.number:
            letters = {}
            for column in columns:
                letters[(column.item_id, SCORE)] = column_letter(position[column.score_title])
                letters[(column.item_id, REASON)] = column_letter(position[column.reason_title])
            rows.append(ParsedRow(sheet_row.number, code, entries, column_letter(position[CODE]), letters))
    return rows, problems


def _bad_base_message(bad: BadBase) -> str:
    if bad.code == "missing":
        return _("这个文件没有模板的版本信息（可能是旧版模板，或把内容复制到了新文件里），无法判断哪些格子是您改过的。"
                 "为免覆盖他人的修改，请在本页重新下载模板，填好后再上传。")
    return _("模板中隐藏的版本信息被改动过，无法判断哪些格子是您改过的。请在本页重新下载模板，填好后再上传。")


def _unreadable() -> str:
    return _("无法读取该文件。请上传 Excel 工作簿（.xlsx 格式），可以先下载本页提供的模板。")


def _too_many_rows() -> str:
    return _("文件超过了 %(limit)s 行的上限。") % {"limit": MAX_ROWS}


def count_upload(upload: IO[bytes]) -> int:
    """About how many rows the file has, after the checks that need no parsing; RefusedUpload
    in the same words as `parse_upload` when they fail."""
    return upload_rows(upload, max_bytes=max_bytes(), max_rows=MAX_ROWS, unreadable=_unreadable(),
                       too_many_rows=_too_many_rows())


def parse_upload(
    upload: IO[bytes], columns: list[ItemColumns], progress: Callable[[int], None] | None = None,
) -> tuple[list[ParsedRow] | None, list[Problem], TemplateBase | None]:
    """The usable rows, every problem of the file on its own, and the template's base; rows are
    None when the file cannot be read as this round's template at all (then there is nothing
    more to check). `progress` hears of the rows checked so far (a job's progress bar)."""
    expected = header_titles(columns)
    # The template's hidden base sheet is read under the same limits, and refused in the same words.
    unreadable, too_many_rows = _unreadable(), _too_many_rows()
    try:
        check_size(upload, max_bytes=max_bytes())
        header, sheet_rows = read_upload(
            upload, max_rows=MAX_ROWS, header_problems=lambda found: _header_problems(found, expected),
            unreadable=unreadable, too_many_rows=too_many_rows)
        with workbook_refusals(unreadable=unreadable, too_many_rows=too_many_rows):
            base = read_base(upload, columns, max_rows=MAX_ROWS)
    except RefusedUpload as refused:
        return None, refused.problems, None
    except BadBase as bad:
        return None, [Problem(None, "", _bad_base_message(bad))], None
    rows, problems = _parse_rows(header, sheet_rows, columns, progress)
    return rows, problems, base
