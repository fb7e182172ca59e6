"""The Excel layout of an evaluator's scores in a round: one organization a row, two columns an item.

    编码 | 名称 | 1.1 领导重视（3分） | 1.1 扣分理由 | 1.2 … | …

The template and the upload share this layout (the upload is read by
`assessments.formats.bulk_upload`). The header carries each item's cap, so a file
made for another edition (other items, other caps) is refused by its header alone. A hidden,
protected, signed sheet records what each row held when the template was made (the sheet, its
version, every value): the base the upload is merged against, so a cell nobody touched in the
file never overwrites what was saved since (see `assessments.threeway`). Writing uses
openpyxl's write-only mode and reading its read-only mode (common.xlsx.read_sheet), so an
evaluator with hundreds of units costs little memory either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.utils.crypto import constant_time_compare, salted_hmac
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from assessments.threeway import FIELDS, REASON, SCORE, FieldKey
from common.xlsx import XLSX_CONTENT_TYPE, MissingSheet, header_cells, neutralise, read_sheet
from indicators.models import Item
from indicators.points import format_points

__all__ = [
    "CODE", "NAME", "XLSX_CONTENT_TYPE", "BadBase", "BaseRow", "ItemColumns", "ScoreRow", "TemplateBase",
    "column_letter", "header_titles", "item_columns", "read_base", "write_scores",
]

# Part of the file format, not of the interface: Chinese in every interface language, so that a
# file downloaded in one language uploads in any other.
CODE, NAME = "编码", "名称"
SHEET_TITLE = "评分"
BASE_SHEET, BASE_MARK, BASE_FORMAT = "kaoping_base", "kaoping-score-template", "1"
_LAST_ROW = 1048576
_WIDTHS = {"code": 16, "name": 30, "score": 14, "reason": 28}


@dataclass(frozen=True)
class ItemColumns:
    """One item's pair of columns."""

    item_id: int
    cap: Decimal
    score_title: str
    reason_title: str


def item_columns(items: Iterable[Item]) -> list[ItemColumns]:
    return [
        ItemColumns(
            item_id=item.pk,
            cap=item.cap,
            score_title=f"{item.number} {item.name}（{format_points(item.cap)}分）",
            reason_title=f"{item.number} 扣分理由",
        )
        for item in items
    ]


def header_titles(columns: list[ItemColumns]) -> list[str]:
    titles = [CODE, NAME]
    for column in columns:
        titles += [column.score_title, column.reason_title]
    return titles


@dataclass(frozen=True)
class ScoreRow:
    """One organization as written to the template, with the sheet's current values."""

    code: str
    name: str
    values: dict[int, tuple[Decimal | None, str]] = field(default_factory=dict)  # item id → (score, reason)
    sheet_id: int = 0
    version: int = 0


@dataclass(frozen=True)
class BaseRow:
    """What one row of the template held when it was made: the base its upload merges against."""

    sheet_id: int
    version: int
    values: dict[FieldKey, str]  # as text: "2.5", "" for no score; the reason


@dataclass(frozen=True)
class TemplateBase:
    round_id: int
    user_id: int
    rows: dict[str, BaseRow]  # by organization code


class BadBase(Exception):
    """The hidden sheet is missing (an old template, or rows copied into a new file) or altered."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "missing" or "altered"


def _base_texts(row: ScoreRow, columns: list[ItemColumns]) -> list[str]:
    texts = []
    for column in columns:
        score, reason = row.values.get(column.item_id, (None, ""))
        texts += [format_points(score), (reason or "").strip()]
    return texts


def _signature(round_id: int, user_id: int, rows: list[list[str]]) -> str:
    # Signed with the server's key: an edited base could otherwise make stale cells look
    # "changed on the server only" and overwrite others' work.
    payload = json.dumps([round_id, user_id, rows], ensure_ascii=False, separators=(",", ":"))
    return salted_hmac("kaoping.bulk-template", payload, algorithm="sha256").hexdigest()


def _add_base(workbook: Workbook, columns: list[ItemColumns], rows: list[ScoreRow], round_id: int,
              user_id: int) -> None:
    sheet = workbook.create_sheet(BASE_SHEET)
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True
    lines = [[row.code, str(row.sheet_id), str(row.version), *_base_texts(row, columns)] for row in rows]
    sheet.append([BASE_MARK, BASE_FORMAT, str(round_id), str(user_id), _signature(round_id, user_id, lines)])
    sheet.append([CODE, "sheet", "version", *(f"{c.item_id}.{f}" for c in columns for f in FIELDS)])
    for line in lines:
        sheet.append([neutralise(text) for text in line])


def read_base(source: IO[bytes], columns: list[ItemColumns], *, max_rows: int) -> TemplateBase:
    """The template's base rows; raises BadBase if it has none or they were altered."""
    try:
        header, rows = read_sheet(source, max_rows=max_rows + 1, name=BASE_SHEET)
    except MissingSheet:
        raise BadBase("missing") from None
    if len(header) < 5 or header[0] != BASE_MARK or header[1] != BASE_FORMAT or not rows:
        raise BadBase("missing")
    titles = [CODE, "sheet", "version", *(f"{c.item_id}.{f}" for c in columns for f in FIELDS)]
    width = len(titles)
    lines = [list(row.cells[:width]) + [""] * (width - len(row.cells)) for row in rows[1:]]
    try:
        round_id, user_id = int(header[2]), int(header[3])
    except ValueError:
        raise BadBase("altered") from None
    if list(rows[0].cells[:width]) != titles or not constant_time_compare(
        header[4], _signature(round_id, user_id, lines)
    ):
        raise BadBase("altered")
    found = {}
    for line in lines:
        values = {}
        for index, column in enumerate(columns):
            values[(column.item_id, SCORE)] = line[3 + 2 * index]
            values[(column.item_id, REASON)] = line[4 + 2 * index]
        found[line[0]] = BaseRow(int(line[1]), int(line[2]), values)
    return TemplateBase(round_id, user_id, found)


def _prepare_sheet(workbook: Workbook, columns: list[ItemColumns]) -> WriteOnlyWorksheet:
    """Layout that must be set before the first row is written in write-only mode."""
    sheet = workbook.create_sheet(SHEET_TITLE)
    # The header and the two columns that say which organization a row is stay in view while
    # the evaluator scrolls across 64 columns.
    sheet.freeze_panes = "C2"
    for letter, width in (("A", _WIDTHS["code"]), ("B", _WIDTHS["name"])):
        sheet.column_dimensions[letter].width = width
        sheet.column_dimensions[letter].number_format = "@"
    for index, column in enumerate(columns):
        score_letter, reason_letter = get_column_letter(3 + 2 * index), get_column_letter(4 + 2 * index)
        sheet.column_dimensions[score_letter].width = _WIDTHS["score"]
        sheet.column_dimensions[reason_letter].width = _WIDTHS["reason"]
        sheet.column_dimensions[reason_letter].number_format = "@"
        # A first warning while typing in Excel; the upload checks everything again anyway.
        cap = format_points(column.cap)
        validation = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=cap, allow_blank=True,
            showErrorMessage=True, errorTitle="得分超出范围",
            error=f"得分应在 0 到 {cap} 分之间，以 0.5 分为单位。",
        )
        validation.add(f"{score_letter}2:{score_letter}{_LAST_ROW}")
        sheet.data_validations.append(validation)
    sheet.append(header_cells(sheet, header_titles(columns), alignment=Alignment(wrap_text=True, vertical="top")))
    return sheet


def _add_instructions(workbook: Workbook, about: list[tuple[str, str]]) -> None:
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 80
    lines = [
        *about,
        ("得分", "0 到本项分值之间，以 0.5 分为单位，例如 3 或 2.5。留空表示该子项目保持不变（不会清除已有评分）。"),
        ("扣分理由", "得分低于分值时必须填写；得分留空时扣分理由也应留空。"),
        ("行", "每行一个党组织，按编码匹配；只能填写本批次分配给您、尚未提交的评分表。请勿修改表头。"),
        ("导入", "上传后先检查整个文件，只要有一处问题就不写入任何数据；同一文件重复导入不会产生变化。"),
        ("合并", "只写入您在本文件中改动过的格子；下载模板后别人在系统中改过、您没有改的格子保持别人的值。"
                 "同一格两边都改了会被拒绝并列出，请重新下载模板后再改。请勿删除隐藏的版本信息，也不要把内容复制到新文件中。"),
    ]
    for title, text in lines:
        sheet.append([neutralise(title), neutralise(text)])


def write_scores(
    columns: list[ItemColumns], rows: list[ScoreRow], target: IO[bytes], *, about: list[tuple[str, str]],
    round_id: int, user_id: int,
) -> int:
    """Write the template to `target`, with its signed base; returns the number of organization rows."""
    workbook = Workbook(write_only=True)
    sheet = _prepare_sheet(workbook, columns)
    count = 0
    for row in rows:
        cells: list[object] = [neutralise(row.code), neutralise(row.name)]
        for column in columns:
            score, reason = row.values.get(column.item_id, (None, ""))
            cells += [score, neutralise(reason) if reason else None]
        sheet.append(cells)
        count += 1
    _add_instructions(workbook, about)
    _add_base(workbook, columns, rows, round_id, user_id)
    workbook.save(target)
    return count


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)
