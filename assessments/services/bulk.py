"""Bulk entry from Excel: an evaluator's scores for all their units in a round, in one file.

The whole file is checked first: the file on its own (`assessments.formats.bulk_upload`: format,
header, every cell by the same rules as the score form, and the signed base the template was made
with), then against the database (whose units these are, whether they may still be changed).
It is applied sheet by sheet through `sheet_save`, merged against the template's base exactly
like the form: cells left as they were are not written, and a cell changed both in the file and
on the server since is refused with the row. Inside one transaction: any refusal writes nothing.
A plain function of (round, user, file), so a job queue can run it for very large files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessments.access import Step, sheets_editable_by, step_refusal
from assessments.formats.bulk import CODE, BaseRow, ItemColumns, ScoreRow, TemplateBase, header_titles, item_columns
from assessments.formats.bulk_upload import ParsedRow, parse_upload
from assessments.models import Assessment, LockedError, Round, RoundState, Score, Sheet, SheetKind
from assessments.selectors.outline import round_items
from assessments.services.scoring import FieldConflict, SheetConflict, sheet_save
from assessments.threeway import REASON, SCORE, UNKNOWN, Base, Edit, FieldKey
from common.upload_checks import Problem, sorted_problems
from indicators.points import format_points
from orgs.scope import visible_organizations

# Stored with each change in the history; translated when shown, not when stored.
IMPORT_NOTE = gettext_noop("Excel 批量导入")


@dataclass(frozen=True)
class BulkResult:
    changed_sheets: int
    changed_items: int
    unchanged_sheets: int
    kept_fields: int = 0  # cells changed in the system since the template and left alone in the file


def bulk_summary(result: BulkResult) -> tuple[bool, str]:
    """What an upload did (and whether it wrote anything), for the upload page and a large
    upload's job page alike."""
    kept = _("下载模板后系统中另有 %(kept_fields)s 处修改，文件里没有改动这些格子，已保留系统中的值。") % asdict(
        result) if result.kept_fields else ""
    if result.changed_sheets:
        return True, _(
            "导入完成：%(changed_sheets)s 个党组织的 %(changed_items)s 项评分已更新，"
            "%(unchanged_sheets)s 个党组织没有变化。"
        ) % asdict(result) + kept
    if kept:
        return False, _("文件中没有您改动过的格子，没有写入任何内容。") + kept
    return False, _("文件中没有需要写入的修改：没有改动的格子不会覆盖系统中的值。")


def review_sheets(round: Round, user: Any) -> QuerySet[Sheet]:
    return Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW, evaluator=user)


def writable_sheets(round: Round, user: Any) -> QuerySet[Sheet]:
    """The user's sheets in the round they may change now."""
    return review_sheets(round, user).filter(sheets_editable_by(user))


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
        ScoreRow(sheet.assessment.organization.code, sheet.assessment.organization.name, values.get(sheet.pk, {}),
                 sheet_id=sheet.pk, version=sheet.version)
        for sheet in sheets
    ]
    return columns, rows


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
        else:
            refusal = step_refusal(user, sheet.assessment, Step.SAVE, sheet=sheet)
            if refusal is None:
                continue
            # The round is open and the sheet the user's, so a lock is an approval and any other
            # refusal a sheet already submitted.
            if isinstance(refusal, LockedError):
                message = _("“%(name)s”的考评已审核锁定，不能再修改。") % {"name": sheet.assessment.organization.name}
            else:
                message = _("您对“%(name)s”的评分表已提交，不能再修改。") % {"name": sheet.assessment.organization.name}
        problems.append(Problem(row.number, CODE, message, row.code_letter))
    return problems


def _base_problems(rows: list[ParsedRow], sheets: dict[str, Sheet], base: TemplateBase) -> list[Problem]:
    problems = []
    again = _("请在本页重新下载模板，填好后再上传。")
    for row in rows:
        known = base.rows.get(row.code)
        if known is None:
            message = _("下载模板时没有党组织“%(code)s”这一行，无法判断哪些格子是您改过的。") % {"code": row.code} + again
        elif known.sheet_id != sheets[row.code].pk:
            message = _("“%(code)s”的评分表在下载模板后重新分配过。") % {"code": row.code} + again
        else:
            continue
        problems.append(Problem(row.number, CODE, message, row.code_letter))
    return problems


def _edits(row: ParsedRow, known: BaseRow) -> dict[FieldKey, Edit]:
    """The row's cells against what the template held: a cell left blank keeps the item as it is."""
    edits = {}
    for item_id, entry in row.entries.items():
        base_score = known.values.get((item_id, SCORE), "")
        score: Base
        try:
            score = Decimal(base_score) if base_score else None
        except ArithmeticError:
            score = UNKNOWN
        edits[(item_id, SCORE)] = Edit(score, entry.score)
        edits[(item_id, REASON)] = Edit(known.values.get((item_id, REASON), ""), entry.reason)
    return edits


def _conflict_problem(row: ParsedRow, sheet: Sheet, conflict: FieldConflict, columns: dict[int, ItemColumns]) -> Problem:
    item_id, field_kind = conflict.key
    column = columns[item_id]
    shown = format_points if field_kind == SCORE else str
    change = conflict.theirs
    who = change.who or _("他人")
    when = timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M") if change.at else ""
    message = _(
        "“%(name)s”这一格在您下载模板后已被 %(who)s（%(when)s）改为“%(theirs)s”，文件中是“%(mine)s”，"
        "两边都改了。没有写入任何数据：请重新下载模板，核对后再改这一格。"
    ) % {
        "name": sheet.assessment.organization.name, "who": who, "when": when,
        "theirs": shown(change.value or "") or _("（空）"), "mine": shown(conflict.mine or "") or _("（空）"),
    }
    title = column.score_title if field_kind == SCORE else column.reason_title
    return Problem(row.number, title, message, row.letters.get(conflict.key, ""))


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _check_and_apply(
    round: Round, user: Any, rows: list[ParsedRow], problems: list[Problem], base: TemplateBase
) -> BulkResult:
    # Locking the round first makes closing it wait for the import; then the assessments and the
    # sheets, each in one order and in the order of `services.locking`, so that two imports (or an
    # import and a form save) never deadlock.
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.state != RoundState.OPEN:
        raise _Rejected([Problem(None, "", _("本批次已结束，不能再导入评分。"))])
    if (base.round_id, base.user_id) != (round.pk, user.pk):
        raise _Rejected([Problem(None, "", _("这份模板是为其他考评批次或其他考评员生成的。请在本页重新下载模板，填好后再上传。"))])
    list(Assessment.objects.filter(sheets__in=review_sheets(round, user)).select_for_update(of=("self",))
         .order_by("pk").values_list("pk", flat=True))
    sheets = {
        sheet.assessment.organization.code: sheet
        for sheet in review_sheets(round, user)
        .select_for_update(of=("self",))
        .select_related("assessment__organization", "assessment__round")
        .order_by("pk")
    }
    # Checked even when the cells already failed, so that the user sees every problem at once.
    refused = _row_problems(rows, sheets, user)
    # A row refused for its organization needs no second word about its base.
    clear = [row for row in rows if row.number not in {problem.row for problem in refused}]
    problems = problems + refused + _base_problems(clear, sheets, base)
    if problems:
        raise _Rejected(problems)
    columns = {column.item_id: column for column in item_columns(round_items(round))}
    changed_sheets = changed_items = kept_fields = 0
    for row in rows:
        sheet, known = sheets[row.code], base.rows[row.code]
        try:
            result = sheet_save(sheet=sheet, user=user, edits=_edits(row, known), base_version=known.version,
                                note=IMPORT_NOTE)
        except SheetConflict as conflict:
            # Every sheet is still tried, so that one upload lists every conflict of the file.
            problems += [_conflict_problem(row, sheet, c, columns) for c in conflict.conflicts]
            continue
        kept_fields += len(result.kept)
        if result.written:
            changed_sheets += 1
            changed_items += len({item_id for item_id, _field in result.written})
    if problems:
        raise _Rejected(problems)
    return BulkResult(changed_sheets, changed_items, len(rows) - changed_sheets, kept_fields)


def bulk_import(
    *, round: Round, user: Any, upload: IO[bytes], progress: Callable[[int], None] | None = None,
) -> tuple[BulkResult | None, list[Problem]]:
    """Check the whole file and apply it, or apply nothing and return every problem found: what
    the upload page does, and the job of a large file (`progress` hears of the rows checked)."""
    columns = item_columns(round_items(round))
    rows, problems, base = parse_upload(upload, columns, progress)
    if rows is None or base is None:
        return None, _sorted(problems, columns)
    try:
        with transaction.atomic():
            return _check_and_apply(round, user, rows, problems, base), []
    except _Rejected as rejected:
        return None, _sorted(rejected.problems, columns)
    except (LockedError, PermissionDenied, ValidationError):
        # Checked under lock just before, so only a change of rules between the check and the
        # save ends here; the transaction has undone every sheet already saved.
        return None, [Problem(None, "", _("导入时评分表发生了变化，没有写入任何数据。请重新下载模板后再试。"))]


def _sorted(problems: Iterable[Problem], columns: list[ItemColumns]) -> list[Problem]:
    # Columns the template does not have (only in header problems) come first, in file order.
    return sorted_problems(problems, header_titles(columns))
