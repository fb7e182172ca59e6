"""Hostile workbooks are refused before openpyxl expands them, with a message, reading no more than the
limits allow and in bounded memory."""

import io
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook

from common.xlsx import RefusedWorkbook, TooManyRows, UnreadableWorkbook, read_sheet
from common.xlsx_guard import MAX_COLUMNS, MAX_MEMBER_BYTES, MAX_RATIO, CellProblem
from tests import xlsx_bombs

HEADER = ["编码", "名称", "得分"]
BASE = xlsx_bombs.workbook([HEADER, ["A01", "第一支部", 3], ["A02", "第二支部", 2.5]])

SIZE_BOMBS: list[tuple[Callable[[bytes], bytes], str]] = [
    (xlsx_bombs.blank_rows, "“xl/worksheets/sheet1.xml”解压后有 1024.0 MB，超过了 32.0 MB 的上限。"),
    (xlsx_bombs.shared_strings, "“xl/sharedStrings.xml”解压后有 512.0 MB，超过了 8.0 MB 的上限。"),
    (xlsx_bombs.many_members, "工作簿中的部件有 5009 个，超过了 200 个的上限。"),
    (xlsx_bombs.high_ratio, "“xl/media/image1.png”压缩比异常（超过 100 倍）"),
]


def refusal(content: bytes) -> list[CellProblem]:
    with pytest.raises(RefusedWorkbook) as refused:
        read_sheet(io.BytesIO(content), max_rows=5000)
    return refused.value.problems


@pytest.mark.parametrize(("bomb", "message"), SIZE_BOMBS, ids=lambda value: getattr(value, "__name__", ""))
def test_it_refuses_a_size_bomb_without_expanding_it(bomb, message):
    content = bomb(BASE)
    tracemalloc.start()
    try:
        with xlsx_bombs.expansion() as expanded:
            problems = refusal(content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Refused from the central directory: no part but the small relationship parts was decompressed.
    assert expanded.beyond_relationships() == {}
    assert peak < 50 * 1024 * 1024
    assert [(p.row, p.letter) for p in problems] == [(None, "")]
    assert message in problems[0].message.replace("\xa0", " ")


def test_the_blank_rows_bomb_really_expands_to_a_gigabyte():
    info = zipfile.ZipFile(io.BytesIO(xlsx_bombs.blank_rows(BASE))).getinfo(xlsx_bombs.SHEET)
    assert info.file_size > 1_000_000_000
    assert info.compress_size < 2_000_000
    with zipfile.ZipFile(io.BytesIO(xlsx_bombs.blank_rows(BASE))).open(xlsx_bombs.SHEET) as member:
        assert member.read(100_000).count(b"<row/>") > 10_000


def test_a_member_expanding_past_its_declared_size_is_unreadable_not_expanded():
    content = xlsx_bombs.lying_size(BASE)
    declared = zipfile.ZipFile(io.BytesIO(content)).getinfo(xlsx_bombs.SHEET).file_size
    with xlsx_bombs.expansion() as expanded, pytest.raises(UnreadableWorkbook) as refused:
        read_sheet(io.BytesIO(content), max_rows=5000)
    assert not isinstance(refused.value, RefusedWorkbook)
    # The sheet expands 200,000 rows past what it declares; reading stopped at the declared size,
    # and openpyxl never opened the workbook.
    assert expanded.beyond_relationships() == {xlsx_bombs.SHEET: declared}


def test_it_refuses_a_formula_with_a_cached_value_by_its_cell():
    content = xlsx_bombs.with_cached_formula(BASE, "C2", "1+1", "2")
    assert refusal(content) == [
        CellProblem(2, "C", "单元格 C2 是公式。请只填写数值或文字（可复制后“选择性粘贴为数值”）。")]


def test_it_refuses_a_hyperlink_formula_in_a_name_cell():
    content = xlsx_bombs.with_cached_formula(
        BASE, "B3", 'HYPERLINK("http://example.com","第二支部")', "第二支部", text=True)
    assert [(p.row, p.letter) for p in refusal(content)] == [(3, "B")]


def test_it_refuses_formulas_without_cached_values_everywhere_in_the_sheet():
    content = xlsx_bombs.workbook([HEADER, ["A01", "=CONCAT(\"第\",\"一\")", "=1+1"], ["=A2", "", ""]])
    assert [(p.row, p.letter) for p in refusal(content)] == [(2, "B"), (2, "C"), (3, "A")]


@pytest.mark.parametrize("build", [xlsx_bombs.with_external_link, xlsx_bombs.with_external_relationship])
def test_it_refuses_external_links(build):
    problems = refusal(build(BASE))
    assert [(p.row, p.letter) for p in problems] == [(None, "")]
    assert "工作簿含有外部链接" in problems[0].message


def test_it_accepts_a_plain_hyperlink_and_formula_like_text():
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["A01", "'=1+1", 3])
    book.active["B2"].hyperlink = "http://example.com/"
    target = io.BytesIO()
    book.save(target)
    header, rows = read_sheet(io.BytesIO(target.getvalue()), max_rows=10)
    assert header == tuple(HEADER)
    assert [row.cells for row in rows] == [("A01", "=1+1", "3")]


def test_it_refuses_a_row_reaching_past_the_column_limit():
    book = Workbook()
    book.active.append(HEADER)
    for row in range(2, 52):
        book.active.cell(row=row, column=16384, value="x")
    target = io.BytesIO()
    book.save(target)
    problems = refusal(target.getvalue())
    # Refused at the first such row: openpyxl pads every row it reads to its last cell, here 16,384.
    assert [(p.row, p.letter) for p in problems] == [(2, "XFD")]
    assert f"{MAX_COLUMNS} 列的上限" in problems[0].message


def test_it_still_reads_a_hidden_sheet_by_name():
    content = xlsx_bombs.workbook([HEADER], hidden={"kaoping_base": [["mark", "1"], ["A01", "3"]]})
    header, rows = read_sheet(io.BytesIO(content), max_rows=10, name="kaoping_base")
    assert header == ("mark", "1")
    assert [row.cells for row in rows] == [("A01", "3")]


def test_it_refuses_rows_that_repeat_one_row_number_before_parsing_them():
    content = xlsx_bombs.repeated_row_number(BASE)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(xlsx_bombs.SHEET)
    assert info.file_size < MAX_MEMBER_BYTES
    assert info.file_size < MAX_RATIO * info.compress_size
    with xlsx_bombs.expansion() as expanded:
        problems = refusal(content)
    assert "工作表的内容超过了上限（400,000 个单元格）" in problems[0].message
    # Counted, not parsed: only the sheet was decompressed (openpyxl never opened the workbook),
    # and the count stopped at the limit, before the sheet's end.
    assert list(expanded.beyond_relationships()) == [xlsx_bombs.SHEET]
    assert expanded.parts[xlsx_bombs.SHEET] < info.file_size


def test_it_counts_blank_rows_of_every_sheet_before_opening_the_workbook():
    content = xlsx_bombs.workbook([HEADER], hidden={"other": [[None]] * 30 + [["x"]]})
    with pytest.raises(TooManyRows):
        read_sheet(io.BytesIO(content), max_rows=10)
