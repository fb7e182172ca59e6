"""The report workbooks: a round's ranking (three sheets) and one organization's official score sheet.

Scores are written as numbers; every subtotal and total is a live SUM over the cells it adds up,
so a reader who checks a figure sees where it comes from, and the sum equals the server's total
(the tests recompute every formula). openpyxl stores no computed value for a formula; the workbook
asks for a full calculation on opening (openpyxl's default), which Excel and LibreOffice honour.

Sheet names and headings are the official table's Chinese in every interface language. Text from
users (names, codes, reasons) goes through `neutralise`, so nothing in a cell runs as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, cast

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from assessments.models import AssessmentState
from common.xlsx import HEADER_FILL, HEADER_FONT, XLSX_CONTENT_TYPE, header_cells, neutralise
from indicators.models import Item
from indicators.points import format_points
from orgs.formats.tree_excel import type_labels
from reports.selectors.compare import CappedCategory
from reports.selectors.ranking import ExportRow
from reports.selectors.sheet import ScoreSheet

__all__ = ["XLSX_CONTENT_TYPE", "RankingLayout", "write_ranking", "write_score_sheet"]

SUBTOTAL_FILL = PatternFill("solid", fgColor="FBF7F7")
TOTAL_FILL = PatternFill("solid", fgColor="F3E6E6")
PERCENT_FORMAT = "0.0%"
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PAPER_A4 = "9"
FIRST_DATA_ROW = 3  # row 1 the title, row 2 the column headings
def state_labels() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in AssessmentState.choices}


def _text(value: object) -> str:
    return neutralise(str(value))


def _print_setup(sheet: Worksheet | WriteOnlyWorksheet, *, landscape: bool, title_rows: str) -> None:
    """A4, as wide as the paper, as many pages down as needed, the headings on every page."""
    # A write-only sheet has the same page setup, print options and properties (its __init__ makes
    # them); typeshed's stub leaves them out.
    page = cast(Worksheet, sheet)
    page.page_setup.orientation = "landscape" if landscape else "portrait"
    page.page_setup.paperSize = PAPER_A4
    page.page_setup.fitToWidth = 1
    page.page_setup.fitToHeight = 0
    page.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = title_rows
    page.print_options.horizontalCentered = True


# ---------------------------------------------------------------------------------------------
# The ranking workbook (write-only: rows stream to a temporary file whatever the scope's size)


@dataclass(frozen=True)
class RankingLayout:
    title: str
    categories: Sequence[CappedCategory]
    items: Sequence[Item]

    def sheet_columns(self) -> tuple[int, int, int]:
        """The columns of each data row of the three sheets (ranking, categories, items): the
        shape of the same cells written bare, which `manage.py bench` measures the workbook against."""
        return 8 + len(self.categories), 4 + 2 * len(self.categories), 4 + len(self.items)


def _new_sheet(workbook: Workbook, name: str, title: str, headings: Sequence[str],
               widths: Sequence[float]) -> WriteOnlyWorksheet:
    """A sheet with its title and headings; column layout must be set before the first row in write-only mode."""
    sheet = workbook.create_sheet(name)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[2].height = 48
    # The headings and the three columns that say which organization a row is stay in view.
    sheet.freeze_panes = f"D{FIRST_DATA_ROW}"
    _print_setup(sheet, landscape=True, title_rows="2:2")
    title_cell = WriteOnlyCell(sheet, value=_text(title))
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    sheet.append(header_cells(sheet, [_text(title) for title in headings], alignment=WRAP))
    return sheet


def _percent_style(sheet: WriteOnlyWorksheet) -> StyleArray:
    """The percent cells' style, registered with the workbook once: each cell then starts from a
    copy of it instead of looking its number format up again."""
    cell = WriteOnlyCell(sheet)
    cell.number_format = PERCENT_FORMAT
    # The style a cell holds (ids into the workbook's tables); typeshed's stub leaves it out.
    return cast(StyleArray, cast(Any, cell)._style)


def _percent(sheet: WriteOnlyWorksheet, formula: str, style: StyleArray) -> Cell:
    return Cell(sheet, row=1, column=1, value=formula, style_array=style)


def _category_heading(category: CappedCategory) -> str:
    return f"{category.number} {category.name}（{format_points(category.cap)}分）"


def _ranking_sheet(workbook: Workbook, layout: RankingLayout) -> WriteOnlyWorksheet:
    headings = ["排名", "编码", "党组织", "类型", "状态", "得分", "满分", "得分率",
                *(_category_heading(c) for c in layout.categories)]
    widths = [6, 14, 32, 10, 8, 9, 7, 8, *(11 for _ in layout.categories)]
    return _new_sheet(workbook, "排名", layout.title, headings, widths)


def _category_sheet(workbook: Workbook, layout: RankingLayout) -> WriteOnlyWorksheet:
    headings = ["排名", "编码", "党组织"]
    for category in layout.categories:
        headings += [_category_heading(category), f"{category.number} 得分率"]
    headings.append("合计")
    widths = [6, 14, 32, *(11 for _ in range(2 * len(layout.categories))), 9]
    return _new_sheet(workbook, "考评项目", layout.title, headings, widths)


def _item_sheet(workbook: Workbook, layout: RankingLayout) -> WriteOnlyWorksheet:
    headings = ["排名", "编码", "党组织", *(f"{i.number} {i.name}（{format_points(i.cap)}分）" for i in layout.items), "合计"]
    widths = [6, 14, 32, *(10 for _ in layout.items), 9]
    return _new_sheet(workbook, "子项目明细", layout.title, headings, widths)


@dataclass(frozen=True)
class _Columns:
    """What every row of the three sheets repeats, worked out once per workbook: the formulas
    ("{r}" stands for the row number), the percent cells' style, the labels a row shows."""

    category_sum: str
    total_percent: str
    category_percents: tuple[str, ...]
    category_total: str
    item_sum: str
    percent_style: StyleArray
    types: dict[str, str]
    states: dict[str, str]

    @classmethod
    def of(cls, layout: RankingLayout, sheet: WriteOnlyWorksheet) -> _Columns:
        letters = [get_column_letter(4 + 2 * index) for index in range(len(layout.categories))]
        return cls(
            category_sum=f"=SUM({get_column_letter(9)}{{r}}:{get_column_letter(8 + len(layout.categories))}{{r}})",
            total_percent='=IF(G{r}>0,F{r}/G{r},"")',
            category_percents=tuple(
                f"={letter}{{r}}/{format_points(c.cap)}" for letter, c in zip(letters, layout.categories, strict=True)
            ),
            category_total="=SUM(" + ",".join(f"{letter}{{r}}" for letter in letters) + ")",
            item_sum=f"=SUM({get_column_letter(4)}{{r}}:{get_column_letter(3 + len(layout.items))}{{r}})",
            percent_style=_percent_style(sheet),
            types=type_labels(),
            states=state_labels(),
        )


def _ranking_row(sheet: WriteOnlyWorksheet, row: ExportRow, r: int, columns: _Columns) -> list[Any]:
    return [
        row.rank, _text(row.code), _text(row.name), columns.types.get(row.type, row.type),
        columns.states.get(row.state, row.state), columns.category_sum.format(r=r), row.max_total,
        _percent(sheet, columns.total_percent.format(r=r), columns.percent_style), *row.subtotals,
    ]


def _category_row(sheet: WriteOnlyWorksheet, row: ExportRow, r: int, columns: _Columns) -> list[Any]:
    cells: list[Any] = [row.rank, _text(row.code), _text(row.name)]
    style = columns.percent_style
    for score, percent in zip(row.subtotals, columns.category_percents, strict=True):
        cells += [score, _percent(sheet, percent.format(r=r), style)]
    cells.append(columns.category_total.format(r=r))
    return cells


def _item_row(row: ExportRow, r: int, columns: _Columns) -> list[Any]:
    return [row.rank, _text(row.code), _text(row.name), *row.item_scores, columns.item_sum.format(r=r)]


def write_ranking(rows: Iterable[ExportRow], target: IO[bytes], layout: RankingLayout) -> int:
    """Write the three sheets in one pass over `rows`; returns the row count.

    Each write-only sheet streams to its own temporary file, so the sheets fill side by side and
    memory stays flat whatever the number of rows. The only styled data cells are the percent
    formulas (a number format); openpyxl's XML writing is the rest of the cost.
    """
    workbook = Workbook(write_only=True)
    sheets = (_ranking_sheet(workbook, layout), _category_sheet(workbook, layout), _item_sheet(workbook, layout))
    columns = _Columns.of(layout, sheets[0])
    ranking, categories, items = (sheet.append for sheet in sheets)
    count = 0
    for count, row in enumerate(rows, start=1):
        r = FIRST_DATA_ROW + count - 1
        ranking(_ranking_row(sheets[0], row, r, columns))
        categories(_category_row(sheets[1], row, r, columns))
        items(_item_row(row, r, columns))
    workbook.save(target)
    return count


# ---------------------------------------------------------------------------------------------
# One organization's score sheet, in the official layout (small: an ordinary workbook)

SHEET_HEADINGS = ("考评项目", "子项目", "评分标准", "分值", "得分", "扣分理由")
SHEET_WIDTHS = (14, 24, 58, 7, 7, 32)
SHEET_HEADER_ROW = 4


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


class Formula(str):
    """A formula this module wrote, as opposed to text that must never run as one."""


def _put(sheet: Worksheet, row: int, values: Sequence[Any], *, font: Font | None = None,
         fill: PatternFill | None = None) -> None:
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and not isinstance(value, Formula):
            value = _text(value)
        cell = sheet.cell(row=row, column=column, value=value)
        cell.border, cell.alignment = BOX, WRAP
        if font:
            cell.font = font
        if fill:
            cell.fill = fill


def write_score_sheet(data: ScoreSheet, target: IO[bytes], *, show_result: bool, show_evaluators: bool) -> None:
    """The official table 考评项目 | 子项目 | 评分标准 | 分值 | 得分 | 扣分理由 with subtotals, total and approvals.

    Without `show_result` (the unit before approval) the scores and reasons stay blank.
    """
    assessment = data.assessment
    scored = show_result and data.total is not None
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # the one a new workbook starts with, its active sheet
    sheet.title = "评分表"
    for index, width in enumerate(SHEET_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    round, system = assessment.round, assessment.round.indicator_system
    titles = [
        ("学习型党组织建设考评评分表", Font(bold=True, size=16)),
        (f"党组织：{assessment.organization.name}（{assessment.organization.code}）", Font(bold=True)),
        (f"考评批次：{round}　　指标体系：{system.title}（{system.code}）", None),
    ]
    for row, (text, font) in enumerate(titles, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
        cell = sheet.cell(row=row, column=1, value=_text(text))
        cell.alignment = Alignment(horizontal="center" if row == 1 else "left", vertical="center")
        if font:
            cell.font = font
    _put(sheet, SHEET_HEADER_ROW, SHEET_HEADINGS, font=HEADER_FONT, fill=HEADER_FILL)
    row = SHEET_HEADER_ROW + 1
    subtotal_rows = []
    for block in data.categories:
        first = row
        for line in block.rows:
            _put(sheet, row, [
                f"{block.category.number}. {block.category.name}", f"{line.item.number} {line.item.name}",
                line.item.standard, line.item.cap, line.score if scored else None, line.reason if scored else None,
            ])
            row += 1
        if row > first + 1:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
        # A category without items would sum its own row, a circular reference: it is a plain 0.
        cap_sum = Formula(f"=SUM(D{first}:D{row - 1})") if block.rows else 0
        score_sum = (Formula(f"=SUM(E{first}:E{row - 1})") if block.rows else 0) if scored else None
        _put(sheet, row, ["", "小计", "", cap_sum, score_sum, ""], font=HEADER_FONT, fill=SUBTOTAL_FILL)
        subtotal_rows.append(row)
        row += 1
    sums = ",".join(f"{{col}}{r}" for r in subtotal_rows)
    _put(sheet, row, ["合计", "", "", Formula(f"=SUM({sums.format(col='D')})") if sums else 0,
                      Formula(f"=SUM({sums.format(col='E')})") if scored and sums else None, ""],
         font=Font(bold=True), fill=TOTAL_FILL)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    if scored:
        note = ""
    elif show_result:
        note = "（尚未评分）"
    else:
        note = "（得分审核通过后公布）"
    _approvals(sheet, data, row + 2, show_evaluators=show_evaluators, note=note)
    sheet.freeze_panes = f"A{SHEET_HEADER_ROW + 1}"
    sheet.print_area = f"A1:F{sheet.max_row}"
    _print_setup(sheet, landscape=False, title_rows=f"{SHEET_HEADER_ROW}:{SHEET_HEADER_ROW}")
    workbook.save(target)


def _approvals(sheet: Worksheet, data: ScoreSheet, row: int, *, show_evaluators: bool, note: str) -> None:
    assessment = data.assessment
    evaluators = "、".join(data.evaluators) if show_evaluators and data.evaluators else "—"
    state = state_labels().get(assessment.state, assessment.state)
    lines = [
        ("状态", state + note),
        ("考评员", evaluators),
        ("提交时间", _when(assessment.submitted_at)),
        ("审核人", data.approver or "—"),
        ("审核时间", _when(assessment.approved_at)),
        ("导出时间", _when(timezone.now())),
    ]
    for offset, (label, value) in enumerate(lines):
        sheet.cell(row=row + offset, column=1, value=label).font = HEADER_FONT
        sheet.merge_cells(start_row=row + offset, start_column=2, end_row=row + offset, end_column=6)
        sheet.cell(row=row + offset, column=2, value=_text(value))

