"""Upload checks every import shares (common.upload_checks): one Problem, size and row limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from common.upload_checks import (
    Problem,
    RefusedUpload,
    check_size,
    read_upload,
    sorted_problems,
    upload_rows,
    workbook_refusals,
)
from common.xlsx import CellProblem, read_sheet

UNREADABLE, TOO_MANY = "读不了。", "行太多。"


def workbook(*rows: tuple) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("文件.xlsx", buffer.getvalue())


def no_header_problems(header: tuple[str, ...]) -> list[Problem]:
    return []


def refusal(**limits) -> list[Problem]:
    upload = limits.pop("upload")
    with pytest.raises(RefusedUpload) as refused:
        read_upload(upload, unreadable=UNREADABLE, too_many_rows=TOO_MANY, **limits)
    return refused.value.problems


def test_a_problem_without_a_letter_equals_the_three_field_problem_of_the_imports():
    problem = Problem(3, "编码", "编码不能为空。")
    assert problem.letter == ""
    assert problem == Problem(3, "编码", "编码不能为空。", "")
    assert problem._replace(letter="A") == (3, "编码", "编码不能为空。", "A")


def test_a_refused_cell_is_named_by_its_letter_in_the_column():
    cell = CellProblem(2, "B", "单元格 B2 是公式。")
    assert Problem.of_cell(cell) == Problem(2, "B", "单元格 B2 是公式。", "")


def test_it_refuses_a_file_over_the_size_limit_in_chinese():
    upload = SimpleUploadedFile("大.xlsx", b"x" * (6 * 1024 * 1024))
    with pytest.raises(RefusedUpload) as refused:
        check_size(upload, max_bytes=5 * 1024 * 1024)
    assert refused.value.problems == [Problem(None, "", "文件大小为 6.0\xa0MB，超过了 5.0\xa0MB 的上限。")]


def test_it_leaves_a_file_within_the_limit_and_one_of_unknown_size_alone():
    small = SimpleUploadedFile("小.xlsx", b"x" * 10)
    unknown = io.BytesIO(b"x" * 100)  # no size: the reader's limits apply
    assert check_size(small, max_bytes=10) is None
    assert check_size(unknown, max_bytes=10) is None
    # The size is read from the upload's metadata: neither file's content was touched.
    assert (small.tell(), unknown.tell()) == (0, 0)


def test_it_answers_a_file_that_is_no_workbook_with_the_imports_own_message():
    upload = SimpleUploadedFile("假.xlsx", b"not a zip")
    assert refusal(upload=upload, max_rows=10, header_problems=no_header_problems) == [Problem(None, "", UNREADABLE)]


def test_it_answers_too_many_rows_with_the_imports_own_message():
    upload = workbook(("编码",), *[(f"N{n}",) for n in range(4)])
    assert refusal(upload=upload, max_rows=3, header_problems=no_header_problems) == [Problem(None, "", TOO_MANY)]


def test_it_lists_every_formula_as_a_problem_of_its_cell():
    upload = workbook(("编码", "名称"), ("N1", "=1+1"), ("=A2", "名"))
    problems = refusal(upload=upload, max_rows=10, header_problems=no_header_problems)
    assert [(p.row, p.column, p.letter) for p in problems] == [(2, "B", ""), (3, "A", "")]
    assert problems[0].message == "单元格 B2 是公式。请只填写数值或文字（可复制后“选择性粘贴为数值”）。"


def test_header_problems_stop_it_before_the_rows_are_looked_at():
    def header_problems(header: tuple[str, ...]) -> list[Problem]:
        return [] if header == ("编码",) else [Problem(1, title, f"无法识别的列“{title}”。") for title in header]

    problems = refusal(upload=workbook(("代码", "名字")), max_rows=10, header_problems=header_problems)
    assert problems == [Problem(1, "代码", "无法识别的列“代码”。"), Problem(1, "名字", "无法识别的列“名字”。")]


def test_a_header_without_rows_is_refused_as_having_no_data():
    problems = refusal(upload=workbook(("编码",)), max_rows=10, header_problems=no_header_problems)
    assert problems == [Problem(None, "", "文件中没有数据行。")]


def test_a_good_file_gives_its_header_and_rows():
    header, rows = read_upload(workbook(("编码", "名称"), ("N1", "一支部")), max_rows=10, unreadable=UNREADABLE,
                               too_many_rows=TOO_MANY, header_problems=no_header_problems)
    assert header == ("编码", "名称")
    assert [(row.number, row.cells) for row in rows] == [(2, ("N1", "一支部"))]


def test_workbook_refusals_turn_a_second_reading_into_the_same_problems():
    upload = workbook(("编码",), *[(f"N{n}",) for n in range(4)])
    with pytest.raises(RefusedUpload) as refused, workbook_refusals(unreadable=UNREADABLE, too_many_rows=TOO_MANY):
        read_sheet(upload, max_rows=2)
    assert refused.value.problems == [Problem(None, "", TOO_MANY)]


def test_problems_sort_by_row_then_by_the_files_columns_unknown_columns_first():
    problems = [
        Problem(3, "名称", "c"), Problem(2, "名称", "b"), Problem(2, "编码", "a"), Problem(None, "", "file"),
        Problem(1, "名字", "unknown"), Problem(1, "编码", "missing"),
    ]
    assert [p.message for p in sorted_problems(problems, ["编码", "名称"])] == [
        "file", "unknown", "missing", "a", "b", "c"]
    # Without columns: by row only, in the order found.
    assert [p.message for p in sorted_problems(problems)] == ["file", "unknown", "missing", "b", "a", "c"]


# --- upload_rows: what a request knows of a file before parsing it ----------------------------

def count(upload) -> int:
    return upload_rows(upload, max_bytes=10_000, max_rows=5, unreadable=UNREADABLE, too_many_rows=TOO_MANY)


def test_it_counts_the_rows_below_the_header_of_the_first_sheet():
    book = Workbook()
    book.active.append(("编码", "名称"))
    for number in range(3):
        book.active.append((f"A{number}", "甲"))
    notes = book.create_sheet("说明")
    for number in range(5):
        notes.append((f"第 {number} 行",))
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("文件.xlsx", buffer.getvalue())
    assert count(upload) == 3
    assert upload.tell() == 0


def test_it_refuses_before_parsing_in_the_imports_own_words():
    with pytest.raises(RefusedUpload) as unreadable:
        count(SimpleUploadedFile("文件.xlsx", b"not a zip"))
    assert unreadable.value.problems == [Problem(None, "", UNREADABLE)]
    with pytest.raises(RefusedUpload) as too_many:
        count(workbook(("编码",), *((f"A{n}",) for n in range(20))))
    assert too_many.value.problems == [Problem(None, "", TOO_MANY)]
    with pytest.raises(RefusedUpload) as too_big:
        upload_rows(workbook(("编码",), ("A",)), max_bytes=10, max_rows=5, unreadable=UNREADABLE,
                    too_many_rows=TOO_MANY)
    assert "超过了" in too_big.value.problems[0].message
