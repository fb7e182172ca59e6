"""Checks an uploaded .xlsx as a zip before openpyxl opens it: the one place its limits live.

An .xlsx is a zip, and openpyxl trusts what it finds inside: a 1 MB file can hold a sheet that
expands to gigabytes, or a sharedStrings part that openpyxl loads whole into memory. Everything
here reads only the central directory and the small relationship parts, so a bomb is refused
without being decompressed. Python's zipfile stops every member at the size the central
directory declares (a member that expands further fails its CRC check), so the sizes checked
here are also the most that reading can ever produce.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# The largest legitimate workbook (50,000 organizations, or 5,000 units × 32 items as the
# app's own templates write them) has a sheet part of about 17 MB compressing about 14:1.
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
# openpyxl holds every shared string in memory, at several times their size in the file.
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024  # small parts compress freely without costing anything
MAX_RELS_BYTES = 1024 * 1024
# Cells further right than this are refused: openpyxl pads every row to its last cell.
MAX_COLUMNS = 300
# openpyxl spends a few microseconds on every element of a sheet, yielded or not (rows repeating
# one row number yield nothing), so a sheet is counted before it is parsed. The largest
# legitimate sheet has about 340,000 cells (5,000 units × 67 columns), each a few elements.
MAX_CELLS = 400_000
MAX_ELEMENTS = 3 * MAX_CELLS  # a cell is two or three elements (<c><v>, <c><is><t>)

SHARED_STRINGS = "xl/sharedStrings.xml"
_SHEET_PARTS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
_EXTERNAL_PARTS = ("xl/externalLinks/", "xl/connections.xml")
_HYPERLINK_TYPE = "/hyperlink"


@dataclass(frozen=True)
class CellProblem:
    row: int | None  # None: the workbook as a whole
    letter: str  # the column as Excel names it, "" for the workbook as a whole
    message: str


class UnreadableWorkbook(Exception):
    """The upload is not an xlsx workbook openpyxl can read."""


class RefusedWorkbook(UnreadableWorkbook):
    """The workbook is a readable zip but breaks one of the limits, or holds formulas or links."""

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def _refuse(message: str) -> RefusedWorkbook:
    return RefusedWorkbook([CellProblem(None, "", message)])


class TooManySheetRows(Exception):
    """A sheet part holds more <row> elements than the read may look at."""


def check_archive(source: IO[bytes], *, max_row_elements: int) -> int:
    """Raises RefusedWorkbook if the zip breaks a limit or links outside itself,
    TooManySheetRows if a sheet has more than `max_row_elements` rows, and zipfile.BadZipFile
    (or another error) if it is no zip at all. Returns the <row> elements of the first sheet
    (of the largest one when the workbook does not say which comes first).

    Every sheet is counted, not only the one to be read: openpyxl's read-only mode scans each
    sheet without a <dimension> to its end while opening the workbook."""
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(_("工作簿中的部件有 %(count)s 个，超过了 %(limit)s 个的上限。") % {
                "count": len(members), "limit": MAX_MEMBERS})
        total = 0
        for member in members:
            _check_member(member)
            total += member.file_size
        if total > MAX_TOTAL_BYTES:
            raise _refuse(_("工作簿解压后共有 %(size)s，超过了 %(limit)s 的上限。") % {
                "size": filesizeformat(total), "limit": filesizeformat(MAX_TOTAL_BYTES)})
        for member in members:
            if member.filename.endswith(".rels"):
                _check_relationships(archive, member)
        sheets = [m.filename for m in members if m.filename.startswith(_SHEET_PARTS) and m.filename.endswith(".xml")]
    counts = {}
    for sheet in sheets:
        counts[sheet] = count_rows(source, sheet)
        if counts[sheet] > max_row_elements:
            raise TooManySheetRows
    if len(counts) < 2:
        return max(counts.values(), default=0)
    # Looked up once every sheet has passed, so a refused file has its sheets decompressed only.
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        first = _first_sheet(archive)
    return counts[first] if first in counts else max(counts.values())


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet, from xl/workbook.xml and its relationships (both
    small parts, bounded by `_check_member`); None when they do not say."""
    try:
        if archive.getinfo("xl/workbook.xml").file_size > MAX_RELS_BYTES:
            return None
        # Both as small as relationship parts, and expat refuses entity expansion bombs.
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    except (KeyError, ElementTree.ParseError):
        return None
    first = next((element for element in book.iter() if element.tag.endswith("}sheet")), None)
    if first is None:
        return None
    rel_id = next((value for key, value in first.attrib.items() if key.endswith("}id")), None)
    target = next((r.get("Target") for r in rels if r.get("Id") == rel_id), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _check_member(member: zipfile.ZipInfo) -> None:
    name = member.filename
    limit = MAX_SHARED_STRINGS_BYTES if name == SHARED_STRINGS else MAX_MEMBER_BYTES
    if name.endswith(".rels"):
        limit = MAX_RELS_BYTES
    if member.file_size > limit:
        raise _refuse(_("工作簿的部件“%(name)s”解压后有 %(size)s，超过了 %(limit)s 的上限。") % {
            "name": name, "size": filesizeformat(member.file_size), "limit": filesizeformat(limit)})
    if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
        raise _refuse(_("工作簿的部件“%(name)s”压缩比异常（超过 %(limit)s 倍），不像是正常的 Excel 文件。") % {
            "name": name, "limit": MAX_RATIO})
    if name.startswith(_EXTERNAL_PARTS):
        raise _external()


def _external() -> RefusedWorkbook:
    return _refuse(_("工作簿含有外部链接（引用其他文件或数据源），不能导入。请删除外部链接，或把内容粘贴为数值后另存再上传。"))


def _check_relationships(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    # Relationship parts are small and bounded above; expat refuses entity expansion bombs.
    root = ElementTree.fromstring(archive.read(member))  # noqa: S314 - bounded, and expat refuses the bombs
    for relationship in root:
        if relationship.get("TargetMode") != "External":
            continue
        # A hyperlink only points somewhere when clicked; every other external target
        # (linked workbooks, data sources, OLE objects) is content from outside the file.
        if not (relationship.get("Type") or "").endswith(_HYPERLINK_TYPE):
            raise _external()



_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_CHUNK = 1 << 20


def count_rows(source: IO[bytes], member: str) -> int:
    """The <row> elements of a sheet part, counted as it is decompressed (at C speed, holding a
    chunk at a time); raises RefusedWorkbook past MAX_CELLS cells or MAX_ELEMENTS elements."""
    rows = cells = elements = 0
    carry = b""
    source.seek(0)
    with zipfile.ZipFile(source) as archive, archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            data = carry + chunk
            # A tag cut by the chunk's end is counted with the next chunk; its name is short.
            cut = data.rfind(b"<")
            scan, carry = (data, b"") if cut < 0 else (data[:cut], data[cut:cut + 64])
            elements += scan.count(b"<") - 2 * scan.count(b"</")
            for name in _ROW_OR_CELL.findall(scan):
                if name == b"c":
                    cells += 1
                else:
                    rows += 1
            if cells > MAX_CELLS or elements > MAX_ELEMENTS:
                raise _refuse(_("工作表的内容超过了上限（%(limit)s 个单元格），请分成几个文件导入。") % {
                    "limit": f"{MAX_CELLS:,}"})
    return rows + _ROW_OR_CELL.findall(carry).count(b"row")
