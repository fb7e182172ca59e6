"""First sheets written as raw XML: cell kinds and references no spreadsheet program writes but a
zip may hold (error and date cells, shared-string indexes out of range, numbers that are not,
shared formulas without text, rows out of order or repeated, cells far to the right).
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from tests.xlsx_bombs import SHEET, _rebuilt

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED = ["编码", "党支部", "是", "'=N1", " N1 "]
_SHARED_XML = (f'<sst {_NS} count="{len(SHARED)}" uniqueCount="{len(SHARED)}">'
               + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in SHARED) + "</sst>").encode()
_SHARED_REL = ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
               'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHARED_TYPE = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')

TEXTS = st.sampled_from(["N1", "N2", "新支部", "党支部", "是", "BD000", "", " ", "2.5", "3", "材料不全", "&<>\"'",
                         "1E+400", "NaN", "-0", "0x1F", "abc", "2026-01-01T00:00:00", "2026-13-45", "#DIV/0!"])
FORMULAS = ["1+1", "A1", 'HYPERLINK("x")']
VALUES = st.one_of(TEXTS, st.integers(-5, 10**6).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr))


@st.composite
def cell_xml(draw, column: int, row: int, text: str | None = None) -> str:
    """One <c>: `text` as an inline string, or something arbitrary."""
    ref = f' r="{get_column_letter(column)}{row}"' if draw(st.integers(0, 9)) else ""
    if text is not None:
        return f'<c{ref} t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    kind = draw(st.sampled_from(["inline", "inline", "n", "s", "str", "b", "e", "d", "formula", "shared", "bare"]))
    value = escape(draw(VALUES))
    if kind == "inline":
        return f'<c{ref} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    if kind == "s":
        return f'<c{ref} t="s"><v>{draw(st.integers(-1, len(SHARED)))}</v></c>'
    if kind == "formula":
        formula = escape(draw(st.sampled_from(FORMULAS)))
        return f"<c{ref}><f>{formula}</f><v>{value}</v></c>"
    if kind == "shared":
        return f'<c{ref}><f t="shared" si="0"/><v>{value}</v></c>'
    if kind == "bare":
        return f"<c{ref}/>"
    return f'<c{ref} t="{kind}"><v>{value}</v></c>'


@st.composite
def sheet_xml(draw, header: list[str], codes: list[str]) -> bytes:
    """The header (intact, mostly) and rows of arbitrary cells, a known code in the first column mostly."""
    titles = "".join(f'<c r="{get_column_letter(n)}1" t="inlineStr"><is><t>{escape(title)}</t></is></c>'
                     for n, title in enumerate(header, start=1))
    rows = [f'<row r="1">{titles}</row>']
    number = 1
    for _ in range(draw(st.integers(0, 5))):
        number = draw(st.sampled_from([number + 1, number + 1, number + 3, number, max(1, number - 1)]))
        width = draw(st.integers(1, min(len(header), 8) + 2))
        first = draw(st.one_of(st.sampled_from(codes), st.none()))
        cells = [draw(cell_xml(1, number, first))] + [draw(cell_xml(n, number)) for n in range(2, width + 1)]
        if draw(st.integers(0, 9)) == 0:
            cells.append(draw(cell_xml(draw(st.sampled_from([300, 301, 16384])), number)))
        attribute = f' r="{number}"' if draw(st.integers(0, 9)) else ""
        rows.append(f"<row{attribute}>{''.join(cells)}</row>")
    return f"<worksheet {_NS}><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()


def with_sheet(base: bytes, sheet: bytes, *, member: str = SHEET) -> bytes:
    """`base` with its first sheet replaced, and a sharedStrings part if it had none."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        names = source.namelist()
        replace = {member: sheet}
        if "xl/sharedStrings.xml" not in names:
            rels = source.read("xl/_rels/workbook.xml.rels").decode().replace("</Relationships>", _SHARED_REL)
            types = source.read("[Content_Types].xml").decode().replace("</Types>", _SHARED_TYPE)
            replace |= {"xl/sharedStrings.xml": _SHARED_XML, "xl/_rels/workbook.xml.rels": rels.encode(),
                        "[Content_Types].xml": types.encode()}
    return _rebuilt(base, replace=replace)
