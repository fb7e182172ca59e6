"""Bulk entry from Excel: the template, every refusal with nothing written, a good file applied."""

import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

import assessments.services.bulk as bulk_service
from assessments.models import Assessment, AssessmentState, AuditAction, AuditEvent, Score, Sheet, SheetState
from assessments.services import round_assign, round_close
from orgs.models import Organization, Role
from tests.factories import AdminFactory, OrganizationFactory, UserFactory, assign, fill, user_with_role
from tests.worlds import (
    R11,
    R12,
    S11,
    S12,
    assert_refused,
    bulk_world,
    download,
    edited,
    logged_in,
    post,
    problems,
    state,
    template_url,
    upload_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline):
    return bulk_world(outline)


def rows_of(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def appended(content: bytes, rows: list[list]) -> bytes:
    """The downloaded file, hidden base and all, with rows added at the end."""
    workbook = load_workbook(io.BytesIO(content))
    for row in rows:
        workbook.worksheets[0].append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def from_rows(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


# --- Who may use it ----------------------------------------------------------------------------

def test_it_sends_anonymous_visitors_to_login(client, world):
    for response in (client.get(template_url(world)), client.get(upload_url(world)),
                     client.post(upload_url(world), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["outsider", "admin", "other_evaluator"])
def test_it_is_404_for_users_without_sheets_in_the_round(world, who):
    user = {"outsider": UserFactory, "admin": AdminFactory,
            "other_evaluator": lambda: user_with_role(Role.EVALUATOR)}[who]()
    client = logged_in(user)
    assert client.get(template_url(world)).status_code == 404
    assert client.get(upload_url(world)).status_code == 404
    assert client.post(upload_url(world), {"file": SimpleUploadedFile("a.xlsx", download(world))}).status_code == 404


def test_it_is_404_for_a_round_that_does_not_exist(world):
    assert world["client"].get(reverse("assessments:bulk_template", args=[999999])).status_code == 404


# --- The template ------------------------------------------------------------------------------

def test_the_template_has_a_row_per_assignment_and_a_column_pair_per_item(world, outline):
    response = world["client"].get(template_url(world))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = rows_of(content)
    header = rows[0]
    assert header[:6] == ["编码", "名称", S11, R11, S12, R12]
    assert len(header) == 2 + 2 * 32
    assert header[-2:] == ["7.4 社会事业和谐稳定经济发展又好又快（5分）", "7.4 扣分理由"]
    assert [row[:2] for row in rows[1:]] == [["ZS01", "中山区第1支部"], ["ZS02", "中山区第2支部"]]
    assert all(value is None for row in rows[1:] for value in row[2:])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width == 30
    assert sheet.column_dimensions["D"].width == 28
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["评分", "说明", "kaoping_base"]
    assert workbook["kaoping_base"].sheet_state == "veryHidden"
    assert workbook["kaoping_base"].protection.sheet


def test_the_template_is_prefilled_and_neutralises_formulas(world):
    fill(world["sheets"][0], world["evaluator"], {"1.1": 2, "1.2": 2}, reason="=HYPERLINK(\"http://x\")")
    rows = rows_of(download(world))
    assert rows[1][2:6] == [2, "'=HYPERLINK(\"http://x\")", 2, None]


def test_the_template_leaves_out_sheets_that_cannot_be_changed(world):
    first, second = world["sheets"]
    Sheet.objects.filter(pk=first.pk).update(state=SheetState.SUBMITTED)
    assert [row[0] for row in rows_of(download(world))[1:]] == ["ZS02"]
    Assessment.objects.filter(pk=second.assessment_id).update(
        state=AssessmentState.APPROVED, approved_at=timezone.now(), total=0)
    assert rows_of(download(world))[1:] == []


def test_the_template_costs_the_same_queries_for_more_units(world, outline):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            download(world)
        return len(captured)

    fill(world["sheets"][0], world["evaluator"], {"1.1": 3})
    few = queries()
    for n in range(5):
        sheet = assign(world["round"], OrganizationFactory(code=f"MORE{n}"), world["evaluator"])
        fill(sheet, world["evaluator"], {"1.1": 3, "2.1": 1})
    assert len(rows_of(download(world))) == 1 + 7
    assert queries() == few


# --- Bad files: a message for each, and nothing written -----------------------------------------

def test_it_refuses_a_file_that_is_not_a_workbook(world):
    assert_refused(world, b"code,score\nZS01,3\n", "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式）", name="评分.csv")
    assert_refused(world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "无法读取该文件", name="评分.xls")


def test_it_refuses_a_file_over_the_size_limit(world, settings):
    settings.KAOPING_BULK_MAX_BYTES = 1000
    assert_refused(world, download(world), "超过了 1000 字节 的上限")


def test_it_refuses_wrong_and_missing_headers(world):
    rows = rows_of(download(world))
    rows[0][2] = "1.1 领导重视（5分）"  # a cap from another edition
    del rows[0][3], rows[1][3], rows[2][3]
    assert_refused(world, from_rows(rows), [
        ("1", "C 1.1 领导重视（5分）", "无法识别的列“1.1 领导重视（5分）”。请使用本页下载的模板，不要修改表头。"),
        ("1", S11, f"缺少列“{S11}”。请使用本页下载的模板，不要修改表头。"),
        ("1", R11, f"缺少列“{R11}”。请使用本页下载的模板，不要修改表头。"),
    ])


def test_it_refuses_a_file_without_rows(world):
    assert_refused(world, from_rows([rows_of(download(world))[0]]), "文件中没有数据行。")


def test_it_refuses_bad_scores_with_row_and_column(world):
    content = edited(download(world), {
        ("ZS01", S11): 4, ("ZS01", S12): -1,
        ("ZS02", S11): 0.3, ("ZS02", S12): "优秀",
    })
    content = edited(content, {("ZS01", "2.2 学习社会主义核心价值体系（1分）"): "0.5"})
    assert_refused(world, content, [
        ("2", f"C {S11}", "得分不能超过本项分值 3 分。"),
        ("2", f"E {S12}", "得分不能为负数。"),
        ("2", "N 2.2 扣分理由", "得分低于分值时，请填写扣分理由。"),
        ("3", f"C {S11}", "得分以 0.5 分为单位，例如 2 或 2.5。"),
        ("3", f"E {S12}", "请输入数字，例如 3 或 2.5。"),
    ])


def test_it_reads_reasons_by_the_same_rule_as_the_form(world):
    first, second = world["sheets"]
    too_long = "很" * 1001
    assert_refused(world, edited(download(world), {("ZS01", S11): 2, ("ZS01", R11): too_long}), [
        ("2", f"D {R11}", "扣分理由不能超过 1000 个字。"),
    ])
    content = edited(download(world), {
        ("ZS01", S11): 2, ("ZS01", R11): "\u202e录记议会\u202c\r\n第二行",
        ("ZS02", S11): 2, ("ZS02", R11): " " + "很" * 1000 + "\u200f ",
    })
    assert post(world, content).status_code == 302
    assert Score.objects.get(sheet=first).reason == "录记议会\n第二行"
    assert Score.objects.get(sheet=second).reason == "很" * 1000


def test_it_refuses_a_reason_without_a_score(world):
    assert_refused(world, edited(download(world), {("ZS01", R11): "材料不全"}), [
        ("2", f"D {R11}", "填写了扣分理由但没有填写得分。请填写得分，或清空扣分理由。"),
    ])


def test_it_refuses_unknown_and_unassigned_organizations_and_repeated_rows(world):
    rows = [["NOPE", "不存在", 3], ["XG01", "西岗区第一支部", 3], ["GJZ01", "甘井子区第一支部", 3],
            ["ZS01", "中山区第1支部", 3], [None, "无编码", 3]]
    assert_refused(world, appended(download(world), rows), [
        ("4", "A 编码", "找不到编码为“NOPE”的党组织。"),
        # Another evaluator's unit is as unknown to this one as a code that does not exist.
        ("5", "A 编码", "找不到编码为“XG01”的党组织。"),
        ("6", "A 编码", "本批次没有分配您考评党组织“GJZ01”。"),
        ("7", "A 编码", "编码“ZS01”与第 2 行重复，每个党组织只能有一行。"),
        ("8", "A 编码", "编码不能为空。"),
    ])


def test_it_refuses_locked_and_submitted_sheets(world):
    content = edited(download(world), {("ZS01", S11): 3, ("ZS02", S11): 3})
    first, second = world["sheets"]
    Sheet.objects.filter(pk=first.pk).update(state=SheetState.SUBMITTED)
    Assessment.objects.filter(pk=second.assessment_id).update(
        state=AssessmentState.APPROVED, approved_at=timezone.now(), total=0)
    assert_refused(world, content, [
        ("2", "A 编码", "您对“中山区第1支部”的评分表已提交，不能再修改。"),
        ("3", "A 编码", "“中山区第2支部”的考评已审核锁定，不能再修改。"),
    ])


def test_it_refuses_everything_once_the_round_is_closed(world):
    content = edited(download(world), {("ZS01", S11): 3})
    round_close(round=world["round"], user=None)
    assert_refused(world, content, "本批次已结束，不能再导入评分。")


def test_one_bad_row_keeps_the_good_ones_from_being_written(world):
    content = edited(download(world), {("ZS01", S11): 3, ("ZS02", S11): 9})
    assert_refused(world, content, [("3", f"C {S11}", "得分不能超过本项分值 3 分。")])


def test_a_failure_while_applying_undoes_the_sheets_already_saved(world, monkeypatch):
    content = edited(download(world), {("ZS01", S11): 3, ("ZS02", S11): 3})
    calls = []
    real_save = bulk_service.sheet_save

    def failing_save(**kwargs):
        calls.append(kwargs["sheet"].pk)
        if len(calls) == 2:
            raise bulk_service.LockedError()
        return real_save(**kwargs)

    monkeypatch.setattr(bulk_service, "sheet_save", failing_save)
    assert_refused(world, content, "导入时评分表发生了变化，没有写入任何数据。")
    assert len(calls) == 2


# --- A good file -------------------------------------------------------------------------------

def test_a_good_file_is_applied_and_recorded(world):
    first, second = world["sheets"]
    content = edited(download(world), {
        ("ZS01", S11): 3, ("ZS01", S12): 1.5, ("ZS01", R12): "  组织不够健全 ",
        ("ZS02", S11): "2.5", ("ZS02", R11): "-未见会议记录",
    })
    response = post(world, content)
    assert response.status_code == 302
    assert response["Location"] == upload_url(world)
    assert str(list(get_messages(response.wsgi_request))[-1]) == (
        "导入完成：2 个党组织的 3 项评分已更新，0 个党组织没有变化。")
    assert sorted(Score.objects.filter(sheet__in=[first, second]).values_list("sheet_id", "item__number", "score", "reason")) == [
        (first.pk, "1.1", Decimal("3"), ""),
        (first.pk, "1.2", Decimal("1.5"), "组织不够健全"),
        (second.pk, "1.1", Decimal("2.5"), "-未见会议记录"),
    ]
    first.refresh_from_db()
    assert (first.total, first.version) == (Decimal("4.5"), 2)
    assert Assessment.objects.get(pk=first.assessment_id).total == Decimal("4.5")
    events = AuditEvent.objects.filter(action__in=[AuditAction.SCORE, AuditAction.REASON])
    assert events.count() == 5
    assert {(e.actor, e.note) for e in events} == {(world["evaluator"], "Excel 批量导入")}


def test_an_empty_score_cell_leaves_the_item_alone(world):
    first = world["sheets"][0]
    fill(first, world["evaluator"], {"1.1": 2, "1.2": 2})
    content = edited(download(world), {("ZS01", S11): None, ("ZS01", R11): None, ("ZS01", S12): 1, ("ZS01", R12): "缺"})
    assert post(world, content).status_code == 302
    assert dict(Score.objects.filter(sheet=first).values_list("item__number", "score")) == {
        "1.1": Decimal("2"), "1.2": Decimal("1")}


def test_uploading_the_same_file_again_changes_nothing(world):
    fill(world["sheets"][1], world["evaluator"], {"1.1": 1}, reason="+ 公式样的理由")
    content = edited(download(world), {("ZS01", S11): 3, ("ZS01", S12): 0, ("ZS01", R12): "@无"})
    assert post(world, content).status_code == 302
    before = state()
    response = post(world, content)
    assert response.status_code == 302
    assert str(list(get_messages(response.wsgi_request))[-1]) == "文件中没有需要写入的修改：没有改动的格子不会覆盖系统中的值。"
    assert state() == before
    # And a fresh template, neutralised reasons and all, reads back as no change either.
    assert post(world, download(world)).status_code == 302
    assert state() == before


def test_the_page_explains_the_rules_and_links_the_template(world):
    response = world["client"].get(upload_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert template_url(world) in html
    assert 'enctype="multipart/form-data"' in html
    assert "分配给您的 2 个党组织中，2 个的评分表现在可以填写。" in html
    assert "得分留空表示该子项目保持不变" in html


# --- Round trips merge against the template's base --------------------------------------------

S13 = "1.3 计划完善（3分）"


def stored(sheet, number):
    row = Score.objects.filter(sheet=sheet, item__number=number).first()
    return (row.score, row.reason) if row else (None, "")


def test_an_untouched_stale_template_undoes_nothing(world):
    """The issue's case: template downloaded, a form edit saved, the old file uploaded as it is."""
    first = world["sheets"][0]
    fill(first, world["evaluator"], {"1.1": 3, "1.2": 2})
    content = download(world)
    fill(first, world["evaluator"], {"1.1": 2}, reason="表单上改的")
    before = state()
    response = post(world, content)
    assert response.status_code == 302
    assert str(list(get_messages(response.wsgi_request))[-1]) == (
        "文件中没有您改动过的格子，没有写入任何内容。下载模板后系统中另有 2 处修改，文件里没有改动这些格子，已保留系统中的值。")
    assert state() == before
    assert stored(first, "1.1") == (Decimal("2"), "表单上改的")


def test_cells_changed_only_in_the_file_are_written_and_the_form_edit_stays(world):
    first = world["sheets"][0]
    fill(first, world["evaluator"], {"1.1": 3})
    content = edited(download(world), {("ZS01", S12): 1, ("ZS01", "1.2 扣分理由"): "文件里改的"})
    fill(first, world["evaluator"], {"1.1": 2}, reason="表单上改的")
    response = post(world, content)
    assert response.status_code == 302
    assert str(list(get_messages(response.wsgi_request))[-1]).endswith("已保留系统中的值。")
    assert stored(first, "1.1") == (Decimal("2"), "表单上改的")
    assert stored(first, "1.2") == (Decimal("1"), "文件里改的")


def test_a_cell_changed_on_both_sides_refuses_the_whole_file_row_by_row(world):
    first, second = world["sheets"]
    content = edited(download(world), {("ZS01", S11): 1, ("ZS01", R11): "文件", ("ZS02", S13): 2,
                                       ("ZS02", "1.3 扣分理由"): "好的一行"})
    fill(first, world["evaluator"], {"1.1": "2.5"}, reason="表单")
    before = state()
    response = post(world, content)
    assert response.status_code == 400
    assert state() == before
    assert stored(second, "1.3") == (None, "")
    found = problems(response)
    assert [(row, column) for row, column, _message in found] == [("2", f"C {S11}"), ("2", f"D {R11}")]
    message = found[0][2]
    for part in ("中山区第1支部", "王考评", "2.5", "“1”", "没有写入任何数据"):
        assert part in message


def test_a_template_without_version_data_is_refused(world):
    old = from_rows(rows_of(edited(download(world), {("ZS01", S11): 3})))
    before = state()
    response = post(world, old)
    assert response.status_code == 400
    assert state() == before
    assert "这个文件没有模板的版本信息" in response.content.decode()


def test_an_altered_base_is_refused(world):
    workbook = load_workbook(io.BytesIO(download(world)))
    base = workbook["kaoping_base"]
    base.cell(row=3, column=4, value="0")  # ZS01's 1.1 base, as if the template had held 0
    target = io.BytesIO()
    workbook.save(target)
    response = post(world, target.getvalue())
    assert response.status_code == 400
    assert "隐藏的版本信息被改动过" in response.content.decode()


def test_another_evaluators_template_is_refused(world):
    other = user_with_role(Role.EVALUATOR, username="other")
    round_assign(round=world["round"], organizations=Organization.objects.filter(code__in=["ZS01", "ZS02"]),
                 evaluator=other, user=UserFactory(is_superuser=True))
    theirs = download({**world, "client": logged_in(other)})
    response = post(world, theirs)
    assert response.status_code == 400
    assert "这份模板是为其他考评批次或其他考评员生成的" in response.content.decode()


def test_a_row_the_template_did_not_have_is_refused(world):
    unit = OrganizationFactory(code="ZS03", name="中山区第3支部")
    content = download(world)
    round_assign(round=world["round"], organizations=Organization.objects.filter(pk=unit.pk),
                 evaluator=world["evaluator"], user=UserFactory(is_superuser=True))
    response = post(world, appended(content, [["ZS03", "中山区第3支部", 3]]))
    assert response.status_code == 400
    assert problems(response)[0][:2] == ("4", "A 编码")
    assert "下载模板时没有党组织“ZS03”这一行" in problems(response)[0][2]


def test_the_same_change_made_on_both_sides_is_no_conflict(world):
    first = world["sheets"][0]
    content = edited(download(world), {("ZS01", S11): 2, ("ZS01", R11): "一样"})
    fill(first, world["evaluator"], {"1.1": 2}, reason="一样")
    before = AuditEvent.objects.count()
    assert post(world, content).status_code == 302
    assert AuditEvent.objects.count() == before
