"""The comparison page: chooser validation, scope, best and worst per row, the radar, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import Organization, Role
from reports.selectors.compare import comparison
from tests.factories import build_tree, make_round, user_with_role
from tests.worlds import logged_in, score_unit, scored_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline):
    return scored_world(outline)


def compare(world, user="admin", **params):
    url = reverse("reports:compare", args=[world["round"].pk])
    return logged_in(world[user]).get(url, params)


def row(html: str, number: str) -> str:
    return re.search(rf'<tr class="[^"]*" data-number="{re.escape(number)}">.*?</tr>', html, re.S).group(0)


def cells(row_html: str) -> list[str]:
    return re.findall(r"<td class=\"text-end[^\"]*\">(.*?)</td>", row_html, re.S)


def test_the_first_visit_shows_the_chooser_without_complaints(world):
    response = compare(world)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="compare-chooser"' in html
    assert "invalid-feedback" not in html
    assert "compare-table" not in html


def test_it_compares_three_side_by_side_in_the_order_chosen(world):
    response = compare(world, org="BD001B0001, BD000B0000，BD001B0000")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<th scope="col" class="text-end" data-code="([^"]+)"', html) == [
        "BD001B0001", "BD000B0000", "BD001B0000",
    ]
    total = re.search(r'<tr class="grand-total" id="compare-total">.*?</tr>', html, re.S).group(0)
    assert [re.match(r"\s*([\d.]+)", cell).group(1) for cell in cells(total)] == ["92", "99", "97"]
    assert "<svg" in html
    assert "测试区1第1支部" in html


def test_best_and_worst_are_marked_per_row_and_equal_rows_are_not(world):
    html = compare(world, org=["BD001B0001", "BD000B0000", "BD001B0000"]).content.decode()
    total = cells(re.search(r'id="compare-total">.*?</tr>', html, re.S).group(0))
    assert "最低" in total[0]
    assert "最高" in total[1]
    assert "最高" not in total[2]
    assert "最低" not in total[2]
    item_42 = cells(row(html, "4.2"))  # cap 8: scored 0, 8 and 5
    assert "最低" in item_42[0]
    assert "最高" in item_42[1]
    assert "(62.5%)" in item_42[2]
    assert "最高" not in item_42[2]
    assert "最低" not in item_42[2]
    category_4 = cells(row(html, "4"))
    assert "最低" in category_4[0]
    assert "最高" in category_4[1]
    assert not any("最高" in cell or "最低" in cell for cell in cells(row(html, "3.1")))


@pytest.mark.parametrize(("codes", "message"), [
    ("BD000B0000", "请选择 2 至 10 个不同的党组织，现在是 1 个。"),
    ("BD000B0000 BD000B0000", "请选择 2 至 10 个不同的党组织，现在是 1 个。"),
    (" ".join(f"X{n}" for n in range(11)), "请选择 2 至 10 个不同的党组织，现在是 11 个。"),
    ("", "请输入 2 至 10 个党组织编码。"),
    ("BD000B0000 NOPE", "在您负责的范围内找不到以下党组织：NOPE。"),
    ("BD000B0000 BD000", "以下党组织在本批次没有已审核的考评结果：测试区0（BD000）。"),
    ("BD000B0000 BD001B0002", "以下党组织在本批次没有已审核的考评结果：测试区1第2支部（BD001B0002）。"),
])
def test_a_bad_choice_is_explained_beside_the_field(world, codes, message):
    response = compare(world, org=codes)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<div class="invalid-feedback d-block" id="org-error">{message}</div>' in html
    assert "compare-table" not in html
    assert f'value="{codes}"' in html  # what was typed stays in the box


def test_submitted_ones_compare_when_asked_and_are_marked(world):
    html = compare(world, org="BD000B0000 BD001B0002", submitted="1").content.decode()
    assert "待审核" in html
    assert "compare-table" in html


def test_an_analyst_cannot_tell_another_districts_code_from_a_missing_one(world):
    other = compare(world, "analyst", org="BD001B0000 BD000B0000").content.decode()
    missing = compare(world, "analyst", org="BD001B0000 ZZZ").content.decode()
    assert "在您负责的范围内找不到以下党组织：BD000B0000。" in other
    assert "在您负责的范围内找不到以下党组织：ZZZ。" in missing
    assert "测试区0第0支部" not in other
    assert "99" not in cells(other)


def test_an_analyst_compares_within_their_district(world):
    response = compare(world, "analyst", org="BD001B0000 BD001B0001")
    assert response.status_code == 200
    assert "compare-table" in response.content.decode()


def test_the_selector_marks_rows_in_sql_and_keeps_the_chosen_order(world):
    chosen = [Organization.objects.get(code=c) for c in ("BD000B0001", "BD000B0002")]
    result = comparison(world["admin"], world["round"], chosen)
    assert [o.code for o in result.organizations] == ["BD000B0001", "BD000B0002"]
    # 98 and 98: a tie has neither best nor worst.
    assert [(c.score, c.best, c.worst) for c in result.total.cells] == [(98, False, False), (98, False, False)]
    series = result.radar_series()
    assert list(series) == ["测试区0第1支部", "测试区0第2支部"]
    assert len(series["测试区0第1支部"]) == 7


def _queries_for_comparison(outline, units: int, prefix: str) -> int:
    build_tree(districts=1, branches_per_district=units, prefix=prefix)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title=f"批次{prefix}")
    codes = []
    for index, unit in enumerate(Organization.objects.filter(type="branch", code__startswith=prefix)):
        score_unit(round, unit, evaluator, admin, {"1.1": str(index % 4)})
        codes.append(unit.code)
    url = reverse("reports:compare", args=[round.pk])
    client = logged_in(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"org": codes})
    assert response.status_code == 200
    assert len(re.findall(r'data-code="', response.content.decode())) == units
    return len(queries)


def test_the_page_costs_the_same_queries_for_2_and_10_organizations(outline):
    assert _queries_for_comparison(outline, 2, "S") == _queries_for_comparison(outline, 10, "L")
