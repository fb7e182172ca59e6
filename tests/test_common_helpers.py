"""The helpers every app shares: upload checks (common.upload_checks), download responses
(common.downloads) and a person's display name (common.people and its template filter)."""

import io
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from openpyxl import Workbook

from common.downloads import attachment, file_attachment, safe_filename, xlsx_attachment
from common.people import display_name
from common.upload_checks import (
    Problem,
    RefusedUpload,
    check_size,
    read_upload,
    sorted_problems,
    workbook_refusals,
)
from common.xlsx import XLSX_CONTENT_TYPE, CellProblem, read_sheet

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


# --- Problem and the upload checks -------------------------------------------------------------

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
    check_size(SimpleUploadedFile("小.xlsx", b"x" * 10), max_bytes=10)
    check_size(io.BytesIO(b"x" * 100), max_bytes=10)  # no size: the reader's limits apply


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


# --- Download responses --------------------------------------------------------------------------

def test_a_chinese_file_name_goes_out_as_rfc_6266_utf8():
    response = xlsx_attachment(lambda target: target.write(b"PK-workbook"), filename="中山区_2025年度_排名.xlsx")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("中山区_2025年度_排名.xlsx")
    # Percent-encoded UTF-8: 中 is E4 B8 AD.
    assert "''%E4%B8%AD%E5%B1%B1%E5%8C%BA_2025%E5%B9%B4%E5%BA%A6_" in response["Content-Disposition"]
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert b"".join(response.streaming_content) == b"PK-workbook"


def test_an_ascii_file_name_goes_out_quoted():
    response = attachment(b"%PDF-1.7", filename="ranking 2025.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == 'attachment; filename="ranking 2025.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7"


def test_a_file_attachment_streams_the_file_and_closes_it(db):  # closing signals request_finished
    handle = io.BytesIO(b"evidence")
    response = file_attachment(handle, filename="会议记录.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("会议记录.pdf")
    assert response["Content-Length"] == "8"
    assert b"".join(response.streaming_content) == b"evidence"
    response.close()
    assert handle.closed


def test_safe_filename_keeps_chinese_and_replaces_what_windows_refuses():
    assert safe_filename("2025/2026年度：中山区?*排名.xlsx") == "2025_2026年度：中山区_排名.xlsx"
    assert safe_filename('a\\b:c"d<e>f|g\x01h') == "a_b_c_d_e_f_g_h"
    assert safe_filename(" 中山区. ") == "中山区"
    assert safe_filename("...") == "kaoping"


# --- A person's display name ---------------------------------------------------------------------

def test_the_display_name_is_the_full_name():
    assert display_name(User(username="wang", first_name="王", last_name="考评")) == "王 考评"
    assert display_name(User(username="wang", first_name="王考评")) == "王考评"


def test_without_a_full_name_the_display_name_is_the_username():
    assert display_name(User(username="wang")) == "wang"
    assert display_name(User(username="wang", first_name=" ", last_name="")) == "wang"


def test_no_one_has_an_empty_display_name():
    assert display_name(None) == ""


def test_the_template_filter_says_the_same():
    template = Template("{% load people %}[{{ named|display_name }}][{{ plain|display_name }}][{{ none|display_name }}]"
                        "[{{ missing|display_name }}]")
    context = Context({"named": User(username="li", first_name="李审核"), "plain": User(username="li"), "none": None})
    assert template.render(context) == "[李审核][li][][]"
