"""Every organization URL for every kind of visitor: 302 anonymous, 404 out of scope, 403 role."""

import pytest
from django.test import Client
from django.urls import reverse

from orgs.models import Organization, Role
from tests.factories import UserFactory, build_tree, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db

ANONYMOUS, OUTSIDER, OTHER_ANALYST, ANALYST, ADMIN = "anonymous", "outsider", "other", "analyst", "admin"

# (url name, takes the target's code, expected status per visitor)
MATRIX = [
    ("orgs:tree", False, {ANONYMOUS: 302, OUTSIDER: 200, OTHER_ANALYST: 200, ANALYST: 200, ADMIN: 200}),
    ("orgs:detail", True, {ANONYMOUS: 302, OUTSIDER: 404, OTHER_ANALYST: 404, ANALYST: 200, ADMIN: 200}),
    ("orgs:children", True, {ANONYMOUS: 302, OUTSIDER: 404, OTHER_ANALYST: 404, ANALYST: 200, ADMIN: 200}),
    ("orgs:edit", True, {ANONYMOUS: 302, OUTSIDER: 404, OTHER_ANALYST: 404, ANALYST: 403, ADMIN: 200}),
    ("orgs:create", False, {ANONYMOUS: 302, OUTSIDER: 403, OTHER_ANALYST: 403, ANALYST: 403, ADMIN: 200}),
    ("orgs:tree_export", False, {ANONYMOUS: 302, OUTSIDER: 200, OTHER_ANALYST: 200, ANALYST: 200, ADMIN: 200}),
    ("orgs:tree_import", False, {ANONYMOUS: 302, OUTSIDER: 403, OTHER_ANALYST: 403, ANALYST: 403, ADMIN: 200}),
]


@pytest.fixture
def visitors(db):
    build_tree(districts=2, branches_per_district=3)
    mine, other = Organization.objects.get(code="BD000"), Organization.objects.get(code="BD001")
    return {
        ANONYMOUS: Client(),
        OUTSIDER: logged_in(UserFactory()),
        OTHER_ANALYST: logged_in(user_with_role(Role.ANALYST, other)),
        ANALYST: logged_in(user_with_role(Role.ANALYST, mine)),
        ADMIN: logged_in(user_with_role(Role.ADMIN)),
    }


@pytest.mark.parametrize(("name", "takes_code", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("target", ["BD000", "BD000B0002"])
def test_it_answers_each_visitor_as_the_matrix_says(visitors, name, takes_code, expected, target):
    url = reverse(name, args=[target] if takes_code else [])
    for visitor, status in expected.items():
        response = visitors[visitor].get(url)
        assert response.status_code == status, f"{visitor} GET {url}"
        if status == 302:
            assert response["Location"].startswith(reverse("login"))


def test_an_analyst_in_scope_cannot_post_an_edit(visitors):
    response = visitors[ANALYST].post(
        reverse("orgs:edit", args=["BD000B0001"]), {"name": "改名", "type": "branch", "is_active": "on"}
    )
    assert response.status_code == 403
    assert Organization.objects.get(code="BD000B0001").name == "测试区0第1支部"


def test_an_analyst_sees_only_their_subtree_in_the_tree_and_search(visitors):
    tree = visitors[OTHER_ANALYST].get(reverse("orgs:tree")).content.decode()
    assert "测试区1" in tree
    assert "测试区0" not in tree
    found = visitors[OTHER_ANALYST].get(reverse("orgs:tree"), {"q": "测试区0"}).content.decode()
    assert "测试区0第" not in found
    assert "没有找到匹配的党组织" in found


def test_an_analysts_export_holds_only_their_subtree(visitors):
    from io import BytesIO

    from openpyxl import load_workbook

    response = visitors[ANALYST].get(reverse("orgs:tree_export"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(BytesIO(body), read_only=True).worksheets[0]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert codes == {"BD000", "BD000B0000", "BD000B0001", "BD000B0002"}
