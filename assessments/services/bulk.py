"""Bulk entry from Excel: an evaluator's scores for all their units in a round, in one file.

The whole file is checked first: the file on its own (format, header, every cell by the same
rules as the score form, `assessments.validation`), then against the database (whose units these
are, whether they may still be changed). Only a file without a single problem is applied, sheet
by sheet through `sheet_save`, inside one transaction: a failure anywhere writes nothing at all.
A plain function of (round, user, file), so a job queue can run it for very large files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessments.access import EDITABLE_SHEET_STATES
from assessments.bulk_excel import (
    CODE,
    ItemColumns,
    ScoreRow,
    SheetRow,
    TooManyRows,
    UnreadableWorkbook,
    column_letter,
    header_titles,
    item_columns,
    read_scores,
)
from assessments.models import AssessmentState, LockedError, Round, RoundState, Score, Sheet, SheetKind
from assessments.services.scoring import ConcurrentEdit, Entry, clean_entries, sheet_save
from assessments.totals import ItemInfo
from indicators.models import Item
from orgs.scope import visible_organizations

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Far more units than one evaluator is ever given; a bigger file is a mistake, not a workload.
MAX_ROWS = 5000
# Stored with each change in the history; translated when shown, not when stored.
IMPORT_NOTE = gettext_noop("Excel 批量导入")


def max_bytes() -> int:
    return int(getattr(settings, "KAOPING_BULK_MAX_BYTES", DEFAULT_MAX_BYTES))


class Problem(NamedTuple):
    row: int | None  # as Excel numbers rows; None: the file as a whole
    column: str  # the header title, "" when not about one column
    message: str
    letter: str = ""  # the column as Excel names it, to find the cell


@dataclass(frozen=True)
class BulkResult:
    changed_sheets: int
    changed_items: int
    unchanged_sheets: int


@dataclass
class ParsedRow:
    number: int
    code: str
    entries: dict[int, Entry]  # only the items with a score in the file
    code_letter: str = "A"


def round_items(round: Round) -> list[Item]:
    # The outline's order, as `selectors.outline_items` and the score page use.
    return list(Item.objects.filter(system_id=round.indicator_system_id).order_by("category__number", "order", "id"))


def review_sheets(round: Round, user: Any) -> QuerySet[Sheet]:
    return Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW, evaluator=user)


def writable_sheets(round: Round, user: Any) -> QuerySet[Sheet]:
    """The user's sheets in the round they may change now (`access.may_edit_sheet`, as a filter)."""
    if round.state != RoundState.OPEN:
        return Sheet.objects.none()
    return review_sheets(round, user).filter(state__in=EDITABLE_SHEET_STATES).exclude(
        assessment__state=AssessmentState.APPROVED
    )


def template_rows(*, round: Round, user: Any) -> tuple[list[ItemColumns], list[ScoreRow]]:
    """The template's columns and its rows pre-filled with current values, in four queries."""
    columns = item_columns(round_items(round))
    sheets = list(
        writable_sheets(round, user)
        .select_related("assessment__organization")
        .order_by("assessment__organization__path")
    )
    values: dict[int, dict[int, tuple[Decimal | None, str]]] = {}
    scores = Score.objects.filter(sheet__in=writable_sheets(round, user)).values_list(
        "sheet_id", "item_id", "score", "reason"
    )
    for sheet_id, item_id, score, reason in scores:
        values.setdefault(sheet_id, {})[item_id] = (score, reason)
    rows = [
        ScoreRow(sheet.assessment.organization.code, sheet.assessment.organization.name, values.get(sheet.pk, {}))
        for sheet in sheets
    ]
    return columns, rows


# --- The file on its own ---------------------------------------------------------------------

def _header_problems(header: tuple[str, ...], expected: list[str]) -> list[Problem]:
    problems = []
    hint = _("请使用本页下载的模板，不要修改表头。")
    for index, title in enumerate(header):
        letter = column_letter(index)
        if title and title not in expected:
            problems.append(Problem(1, title, _("无法识别的列“%(title)s”。") % {"title": title} + hint, letter))
        elif title and title in header[:index]:
            problems.append(Problem(1, title, _("列“%(title)s”出现了不止一次。") % {"title": title}, letter))
    for title in expected:
        if title not in header:
            problems.append(Problem(1, title, _("缺少列“%(title)s”。") % {"title": title} + hint))
    return problems


def _parse_rows(
    header: tuple[str, ...], sheet_rows: list[SheetRow], columns: list[ItemColumns]
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

    for sheet_row in sheet_rows:
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
            rows.append(ParsedRow(sheet_row.number, code, entries, column_letter(position[CODE])))
    return rows, problems


def parse_upload(upload: Any, columns: list[ItemColumns]) -> tuple[list[ParsedRow] | None, list[Problem]]:
    """The usable rows and every problem of the file on its own; rows are None when the file
    cannot be read as this round's template at all (then there is nothing more to check)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        return None, [Problem(None, "", _("文件大小为 %(size)s，超过了 %(limit)s 的上限。") % {
            "size": filesizeformat(size), "limit": filesizeformat(max_bytes())})]
    try:
        header, sheet_rows = read_scores(upload, max_rows=MAX_ROWS)
    except UnreadableWorkbook:
        return None, [Problem(None, "", _("无法读取该文件。请上传 Excel 工作簿（.xlsx 格式），可以先下载本页提供的模板。"))]
    except TooManyRows:
        return None, [Problem(None, "", _("文件超过了 %(limit)s 行的上限。") % {"limit": MAX_ROWS})]
    problems = _header_problems(header, header_titles(columns))
    if problems:
        return None, problems
    if not sheet_rows:
        return None, [Problem(None, "", _("文件中没有数据行。"))]
    return _parse_rows(header, sheet_rows, columns)


# --- The file against the database -----------------------------------------------------------

def _row_problems(rows: list[ParsedRow], sheets: dict[str, Sheet], user: Any) -> list[Problem]:
    problems = []
    unknown = {row.code for row in rows if row.code not in sheets}
    # Units the user may see anyway get the precise answer; for the rest "not found" keeps the
    # rest of the tree from being probed code by code.
    visible = set(visible_organizations(user).filter(code__in=unknown).values_list("code", flat=True))
    for row in rows:
        sheet = sheets.get(row.code)
        if sheet is None:
            if row.code in visible:
                message = _("本批次没有分配您考评党组织“%(code)s”。") % {"code": row.code}
            else:
                message = _("找不到编码为“%(code)s”的党组织。") % {"code": row.code}
        elif sheet.assessment.state == AssessmentState.APPROVED:
            message = _("“%(name)s”的考评已审核锁定，不能再修改。") % {"name": sheet.assessment.organization.name}
        elif sheet.state not in EDITABLE_SHEET_STATES:
            message = _("您对“%(name)s”的评分表已提交，不能再修改。") % {"name": sheet.assessment.organization.name}
        else:
            continue
        problems.append(Problem(row.number, CODE, message, row.code_letter))
    return problems


def _changed(row: ParsedRow, stored: dict[int, tuple[Decimal | None, str]]) -> dict[int, Entry]:
    return {
        item_id: entry for item_id, entry in row.entries.items()
        if stored.get(item_id, (None, "")) != (entry.score, entry.reason)
    }


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _check_and_apply(round: Round, user: Any, rows: list[ParsedRow], problems: list[Problem]) -> BulkResult:
    # Locking the round first makes closing it wait for the import; locking the sheets in one
    # order keeps two imports (or an import and a form save) from deadlocking.
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.state != RoundState.OPEN:
        raise _Rejected([Problem(None, "", _("本批次已结束，不能再导入评分。"))])
    sheets = {
        sheet.assessment.organization.code: sheet
        for sheet in review_sheets(round, user)
        .select_for_update(of=("self",))
        .select_related("assessment__organization")
        .order_by("pk")
    }
    # Checked even when the cells already failed, so that the user sees every problem at once.
    problems = problems + _row_problems(rows, sheets, user)
    if problems:
        raise _Rejected(problems)
    stored: dict[int, dict[int, tuple[Decimal | None, str]]] = {}
    wanted = [sheets[row.code].pk for row in rows]
    for sheet_id, item_id, score, reason in Score.objects.filter(sheet_id__in=wanted).values_list(
        "sheet_id", "item_id", "score", "reason"
    ):
        stored.setdefault(sheet_id, {})[item_id] = (score, reason)
    changed_sheets = changed_items = 0
    for row in rows:
        sheet = sheets[row.code]
        changes = _changed(row, stored.get(sheet.pk, {}))
        if not changes:
            continue
        sheet_save(sheet=sheet, user=user, entries=changes, base_version=sheet.version, note=IMPORT_NOTE)
        changed_sheets += 1
        changed_items += len(changes)
    return BulkResult(changed_sheets, changed_items, len(rows) - changed_sheets)


def bulk_import(*, round: Round, user: Any, upload: IO[bytes]) -> tuple[BulkResult | None, list[Problem]]:
    """Check the whole file and apply it, or apply nothing and return every problem found."""
    columns = item_columns(round_items(round))
    rows, problems = parse_upload(upload, columns)
    if rows is None:
        return None, _sorted(problems, columns)
    try:
        with transaction.atomic():
            return _check_and_apply(round, user, rows, problems), []
    except _Rejected as rejected:
        return None, _sorted(rejected.problems, columns)
    except (ConcurrentEdit, LockedError, PermissionDenied, ValidationError):
        # Checked under lock just before, so only a change of rules between the check and the
        # save ends here; the transaction has undone every sheet already saved.
        return None, [Problem(None, "", _("导入时评分表发生了变化，没有写入任何数据。请重新下载模板后再试。"))]


def _sorted(problems: Iterable[Problem], columns: list[ItemColumns]) -> list[Problem]:
    order = {title: index for index, title in enumerate(header_titles(columns))}
    # Columns the template does not have (only in header problems) come first, in file order.
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))
