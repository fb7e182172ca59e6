"""The official score sheet and the ranking report as PDFs: Chinese text with an embedded CJK
font, the stored numbers, Chinese download names, and the same scope rules as the pages."""

import subprocess
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, CategoryResult
from assessments.services import assessment_approve, sheet_submit
from orgs.models import Organization, Role
from reports.formats.pdf import BASE_URL, LocalFetcher, category_averages, css_string, page_footer
from reports.selectors.ranking import ranking, round_categories
from tests.factories import UserFactory, assign, build_tree, fill, full_marks, make_round, user_with_role
from tests.worlds import logged_in, score_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(outline):
    build_tree(districts=2, branches_per_district=2)
    evaluator = user_with_role(Role.EVALUATOR, first_name="张考评")
    admin = user_with_role(Role.ADMIN, first_name="李审核")
    round = make_round(outline, title="2026年度学习型党组织考评")
    code = {c: Organization.objects.get(code=c) for c in ("BD000", "BD001", "BD000B0000", "BD000B0001", "BD001B0000")}
    score_unit(round, code["BD000B0000"], evaluator, admin, {"1.1": "1.5", "4.2": "6"})  # 96.5
    score_unit(round, code["BD000B0001"], evaluator, admin, {})  # 100
    score_unit(round, code["BD001B0000"], evaluator, admin, {"7.4": "2"}, approve=False)  # 97, submitted
    assessments = {a.organization.code: a for a in Assessment.objects.select_related("organization")}
    return {"round": round, "admin": admin, "evaluator": evaluator, "orgs": code, "assessments": assessments}


def sheet_url(assessment) -> str:
    return reverse("reports:sheet_pdf", args=[assessment.pk])


def ranking_url(round, query: str = "") -> str:
    return reverse("reports:ranking_pdf", args=[round.pk]) + (f"?{query}" if query else "")


def poppler(tool: str, content: bytes, tmp_path, *args: str) -> str:
    source = tmp_path / "document.pdf"
    source.write_bytes(content)
    return subprocess.run([tool, *args, str(source), "-"] if tool == "pdftotext" else [tool, *args, str(source)],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(content: bytes, tmp_path) -> str:
    # Drop the layout's line breaks: a long name may wrap inside its table cell.
    return "".join(poppler("pdftotext", content, tmp_path).split())


def embedded_cjk_fonts(content: bytes, tmp_path) -> list[str]:
    rows = poppler("pdffonts", content, tmp_path).splitlines()[2:]
    # Columns: name, type..., encoding, emb, sub, uni, object, generation.
    return [row.split()[0] for row in rows if "CJK" in row.split()[0] and row.split()[-5] == "yes"]


def test_it_prints_the_official_sheet_with_the_stored_scores(scored, tmp_path):
    assessment = scored["assessments"]["BD000B0000"]
    response = logged_in(scored["admin"]).get(sheet_url(assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "学习型党组织建设考评评分表" in text
    assert "测试区0第0支部" in text
    for header in ("考评项目", "子项目", "评分标准", "分值", "得分", "扣分理由"):
        assert header in text
    assert "96.5" in text
    assert assessment.total == Decimal("96.5")
    assert "材料不全" in text  # the deduction reason
    assert "张考评" in text
    assert "李审核" in text
    assert "审核日期" in text


def test_the_sheet_embeds_a_chinese_font(scored, tmp_path):
    response = logged_in(scored["admin"]).get(sheet_url(scored["assessments"]["BD000B0000"]))
    fonts = embedded_cjk_fonts(response.content, tmp_path)
    assert any("Noto-Sans-CJK-SC" in name or "Noto-Serif-CJK-SC" in name for name in fonts), fonts


def test_the_download_name_is_chinese_by_rfc_6266(scored):
    response = logged_in(scored["admin"]).get(sheet_url(scored["assessments"]["BD000B0000"]))
    name = "测试区0第0支部考评评分表（2026年度学习型党组织考评）.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"


def test_the_evaluator_prints_an_unapproved_sheet_marked_as_such(scored, tmp_path):
    response = logged_in(scored["evaluator"]).get(sheet_url(scored["assessments"]["BD001B0000"]))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "本表尚未审核" in text
    assert "97" in text


def test_the_unit_prints_its_sheet_once_approved_without_its_evaluators_names(scored, tmp_path):
    reporter = user_with_role(Role.REPORTER, scored["orgs"]["BD000B0000"])
    response = logged_in(reporter).get(sheet_url(scored["assessments"]["BD000B0000"]))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "96.5" in text
    assert "材料不全" in text
    assert "张考评" not in text


def test_the_unit_does_not_see_its_provisional_result(scored):
    reporter = user_with_role(Role.REPORTER, scored["orgs"]["BD001B0000"])
    response = logged_in(reporter).get(sheet_url(scored["assessments"]["BD001B0000"]))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_login(scored):
    for url in (sheet_url(scored["assessments"]["BD000B0000"]), ranking_url(scored["round"])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_outsider_gets_404_for_a_sheet_and_403_for_the_ranking(scored):
    client = logged_in(UserFactory())
    assert client.get(sheet_url(scored["assessments"]["BD000B0000"])).status_code == 404
    assert client.get(ranking_url(scored["round"])).status_code == 403


def test_an_analyst_gets_404_for_a_sheet_of_another_district(scored):
    analyst = user_with_role(Role.ANALYST, scored["orgs"]["BD001"])
    assert logged_in(analyst).get(sheet_url(scored["assessments"]["BD000B0000"])).status_code == 404


def test_the_ranking_report_has_the_table_and_the_charts(scored, tmp_path):
    response = logged_in(scored["admin"]).get(ranking_url(scored["round"]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "2026年度学习型党组织考评排名" in text
    assert "测试区0第0支部" in text
    assert "96.5" in text
    assert "测试区0第1支部" in text
    assert "测试区1第0支部" not in text  # submitted, not approved: not counted by default
    assert "总分前2名" in text
    assert "各考评项目平均得分率" in text
    assert embedded_cjk_fonts(response.content, tmp_path)
    name = quote("2026年度学习型党组织考评排名.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{name}"


def test_the_ranking_report_takes_the_ranking_pages_filters(scored, tmp_path):
    client = logged_in(scored["admin"])
    text = pdf_text(client.get(ranking_url(scored["round"], "submitted=1&org=BD001")).content, tmp_path)
    assert "测试区1第0支部" in text
    assert "97" in text
    assert "测试区0第0支部" not in text
    assert "2026年度学习型党组织考评排名（测试区1）" in text
    text = pdf_text(client.get(ranking_url(scored["round"], "type=city&sort=nonsense")).content, tmp_path)
    assert "没有符合条件的考评结果" in text
    # A hand-made query the page would refuse goes to the page, which says what is wrong.
    response = client.get(ranking_url(scored["round"], "level=x"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:ranking", args=[scored["round"].pk]) + "?level=x"


def test_an_analysts_ranking_report_never_contains_another_district(scored, tmp_path):
    analyst = user_with_role(Role.ANALYST, scored["orgs"]["BD001"])
    client = logged_in(analyst)
    text = pdf_text(client.get(ranking_url(scored["round"], "submitted=1")).content, tmp_path)
    assert "测试区1第0支部" in text
    assert "测试区0" not in text
    response = client.get(ranking_url(scored["round"], "org=BD000"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reports:ranking", args=[scored["round"].pk]))


def test_the_category_averages_are_the_mean_of_the_stored_subtotals(scored):
    round = scored["round"]
    categories = round_categories(round)
    averages = category_averages(ranking(scored["admin"], round, categories=categories), categories)
    counted = CategoryResult.objects.filter(assessment__state="approved", category=categories[0])
    expected = sum(r.score for r in counted) / counted.count()
    assert averages[0].score == expected.quantize(Decimal("0.01"))
    assert averages[0].percent == Decimal("92.50")


def test_the_ranking_report_lists_at_most_its_row_limit(scored, tmp_path, monkeypatch):
    monkeypatch.setattr("reports.formats.pdf.RANKING_PDF_ROWS", 1)
    text = pdf_text(logged_in(scored["admin"]).get(ranking_url(scored["round"])).content, tmp_path)
    assert "只列出前1行" in text


def test_printing_fetches_nothing_from_the_network():
    fetcher = LocalFetcher()
    for url in ("http://example.com/a.css", "https://example.com/a.png", "file:///etc/passwd",
                BASE_URL + "static/../../config/settings.py", BASE_URL + "media/evidence/1.pdf"):
        with pytest.raises(ValueError, match="^not fetched while printing: "):
            fetcher.fetch(url)
    response = fetcher.fetch(BASE_URL + "static/css/print.css")
    assert b"Noto Sans CJK SC" in response.read()
    assert response.content_type == "text/css"


def test_text_in_the_page_footer_cannot_leave_its_style_element():
    assert css_string('a"b</style><script>') == '"a\\22 b\\3c /style\\3e \\3c script\\3e "'
    assert "counter(page)" in page_footer("</style>")
    assert "</style>" not in page_footer("</style>")


def test_a_draft_sheet_prints_with_its_total_left_blank(outline, tmp_path):
    build_tree(districts=1, branches_per_district=1, prefix="E")
    evaluator = user_with_role(Role.EVALUATOR)
    sheet = assign(make_round(outline), Organization.objects.get(code="ED000B0000"), evaluator)
    fill(sheet, evaluator, dict(list(full_marks(outline).items())[:2]))
    response = logged_in(evaluator).get(sheet_url(sheet.assessment))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "ED000B0000" in text
    assert "本表尚未审核（考评中）" in text


def test_the_units_copy_keeps_the_reasons_of_several_evaluators_but_not_their_names(outline, tmp_path):
    build_tree(districts=1, branches_per_district=1, prefix="M")
    unit = Organization.objects.get(code="MD000B0000")
    first, second = user_with_role(Role.EVALUATOR, first_name="赵一"), user_with_role(Role.EVALUATOR, first_name="钱二")
    round = make_round(outline)
    sheets = [assign(round, unit, first, lead=True), assign(round, unit, second)]
    for sheet, reason in zip(sheets, ("缺少会议记录", "学习计划不完整"), strict=True):
        fill(sheet, sheet.evaluator, {**full_marks(outline), "1.1": "2"}, reason=reason)
        sheet_submit(sheet=sheet, user=sheet.evaluator)
    assessment_approve(assessment=Assessment.objects.get(pk=sheets[0].assessment_id), user=user_with_role(Role.ADMIN))
    url = sheet_url(sheets[0].assessment)
    admin_text = pdf_text(logged_in(user_with_role(Role.ADMIN)).get(url).content, tmp_path)
    assert "赵一：缺少会议记录" in admin_text
    assert "钱二：学习计划不完整" in admin_text
    unit_text = pdf_text(logged_in(user_with_role(Role.REPORTER, unit)).get(url).content, tmp_path)
    assert "缺少会议记录" in unit_text
    assert "学习计划不完整" in unit_text
    assert "赵一" not in unit_text
    assert "钱二" not in unit_text


def test_the_category_averages_divide_exactly_whatever_the_database_stores(scored):
    # SQLite keeps whole-number decimals as integers; 7 of 30 must be 23.33 %, not 23 %.
    round = scored["round"]
    categories = round_categories(round)
    counted = CategoryResult.objects.filter(assessment__state="approved", category=categories[0])
    counted.update(score=7, cap=30)
    averages = category_averages(ranking(scored["admin"], round, categories=categories), categories)
    assert averages[0].score == Decimal("7.00")
    assert averages[0].percent == Decimal("23.33")


def test_renders_reuse_one_font_configuration_and_one_parsed_stylesheet(scored, tmp_path, monkeypatch):
    import threading

    from reports.formats import pdf

    made = {"fonts": 0, "stylesheets": 0}

    class CountedFonts(pdf.FontConfiguration):
        def __init__(self, *args, **kwargs):
            made["fonts"] += 1
            super().__init__(*args, **kwargs)

    class CountedCSS(pdf.CSS):
        def __init__(self, *args, **kwargs):
            made["stylesheets"] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pdf, "_renderers", threading.local())
    monkeypatch.setattr(pdf, "FontConfiguration", CountedFonts)
    monkeypatch.setattr(pdf, "CSS", CountedCSS)
    contents = [pdf.score_sheet_pdf(scored["assessments"][code]) for code in ("BD000B0000", "BD000B0001")]
    assert made == {"fonts": 1, "stylesheets": 1}
    for content in contents:
        # The print stylesheet is applied though no template links it: A4, its serif headings.
        assert "595.276 x 841.89 pts (A4)" in poppler("pdfinfo", content, tmp_path)
        assert any("Noto-Serif-CJK-SC" in name for name in embedded_cjk_fonts(content, tmp_path))


def test_a_sheet_costs_the_same_queries_with_one_evaluator_or_two(scored, outline, django_assert_num_queries):
    from reports.formats.pdf import score_sheet_pdf

    build_tree(districts=1, branches_per_district=1, prefix="Q")
    unit = Organization.objects.get(code="QD000B0000")
    evaluators = [user_with_role(Role.EVALUATOR, first_name=name) for name in ("赵一", "钱二")]
    sheets = [assign(scored["round"], unit, evaluators[0], lead=True), assign(scored["round"], unit, evaluators[1])]
    for sheet in sheets:
        fill(sheet, sheet.evaluator, {**full_marks(outline), "1.1": "2", "2.1": "1"})
        sheet_submit(sheet=sheet, user=sheet.evaluator)
    assessment_approve(assessment=Assessment.objects.get(pk=sheets[0].assessment_id), user=scored["admin"])
    counts = []
    for assessment in (scored["assessments"]["BD000B0000"], Assessment.objects.get(pk=sheets[0].assessment_id)):
        fresh = Assessment.objects.select_related("organization", "round").get(pk=assessment.pk)
        # The outline (categories, items), the results (items, categories), the reviews and their
        # reasons, the approver, the edition's title: the same whatever the sheet holds.
        with django_assert_num_queries(8) as captured:
            score_sheet_pdf(fresh)
        counts.append(len(captured))
    assert counts == [8, 8]
