"""An edition as an Excel file in the official table layout: 考评项目 | 子项目 | 评分标准 | 分值.

One row per item. The first column repeats "1. 组织领导" on every row (rather than merging
cells) so that a sorted or filtered sheet still says which category each item belongs to; the
import also accepts an empty first cell as "same category as the row above", which is how
hand-made tables with merged cells read. The export and the import share this module, so an
exported file imports again unchanged.

The formula guard and the reading of cells are common.xlsx, shared with every other workbook.
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

from common.xlsx import header_cells, neutralise
from indicators.models import IndicatorSystem, Item

# The header is part of the file format: it stays Chinese in every interface language.
CATEGORY, ITEM, STANDARD, CAP = "考评项目", "子项目", "评分标准", "分值"
COLUMNS = (CATEGORY, ITEM, STANDARD, CAP)
WIDTHS = (18, 28, 80, 8)
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
    sheet.append(header_cells(sheet, COLUMNS))
    wrap = Alignment(wrap_text=True, vertical="top")
    items = Item.objects.filter(system=system).select_related("category").in_outline_order()
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
