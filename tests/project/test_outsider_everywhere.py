"""A safety net over every URL of the site: an outsider (logged in, no role) and an anonymous
visitor never see an organization's data, whatever URL they type.

The list of URLs comes from the URL configuration itself, so a view added later is covered
without anyone remembering to add it here.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import Sheet, SheetKind
from assessments.services.evidence import evidence_add
from orgs.models import Role, RoleGrant
from tests.conftest import logged_in
from tests.factories import OrganizationFactory, UserFactory, assign, fill, make_round, user_with_role

pytestmark = pytest.mark.django_db

SECRET_UNIT = "机密测试支部"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Pages an outsider may open: reference data, and lists that show them nothing.
OPEN_TO_ANY_USER = {
    "home", "indicators:version_list", "indicators:version_detail", "orgs:tree", "orgs:tree_export",
    "orgs:tree_template", "assessments:round_list",
    "indicators:version_diff", "indicators:version_export_xlsx", "indicators:version_export_json",
}
# A signed-in user's own account: any user opens it, and a password form posted empty is shown
# again with its errors.
OWN_ACCOUNT = {"account:index", "account:password_change"}
PUBLIC = {"login", "set_language", "logout"}


def all_routes():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    unit = OrganizationFactory(code="SECRET-1", name=SECRET_UNIT)
    evaluator = user_with_role(Role.EVALUATOR)
    reporter = user_with_role(Role.REPORTER, unit)
    round = make_round(outline, title="机密批次")
    sheet = assign(round, unit, evaluator)
    fill(sheet, evaluator, {"1.1": 2})
    own = Sheet.objects.get(assessment=sheet.assessment, kind=SheetKind.SELF)
    evidence = evidence_add(
        assessment=sheet.assessment, item=outline.items.get(number="1.1"),
        upload=SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"), user=reporter,
    )
    grant = RoleGrant.objects.get(user=reporter)
    return {
        "round": round.pk, "assessment": sheet.assessment_id, "sheet": sheet.pk, "self_sheet": own.pk,
        "evidence": evidence.pk, "code": unit.code, "user": reporter.pk, "grant": grant.pk,
        "version": outline.code,
    }


def url_for(name: str, params: list[str], world) -> str:
    values = []
    for param in params:
        if param == "code":
            values.append(world["version"] if name.startswith("indicators:") else world["code"])
        elif param == "sheet_pk":
            values.append(world["sheet"])
        elif param == "grant_pk":
            values.append(world["grant"])
        elif name.startswith("people:"):
            values.append(world["user"])
        elif name.startswith("assessments:evidence_d"):
            values.append(world["evidence"])
        elif name.startswith("assessments:round") or name.startswith("assessments:bulk"):
            values.append(world["round"])
        else:
            values.append(world["assessment"])
    return reverse(name, args=values)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_the_route_list_covers_the_whole_site():
    names = {name for name, _ in all_routes()}
    assert {"assessments:sheet", "orgs:detail", "people:user_edit", "assessments:evidence_download"} <= names
    assert {"account:index", "account:two_factor_verify", "people:user_set_password"} <= names


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_is_sent_to_login_everywhere(world, method):
    client = Client()
    for name, params in all_routes():
        if name in PUBLIC:
            continue
        response = getattr(client, method)(url_for(name, params, world))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_never_sees_an_organizations_data(world, method):
    client = logged_in(UserFactory())
    for name, params in all_routes():
        if name in PUBLIC:
            continue
        response = getattr(client, method)(url_for(name, params, world))
        if name in OWN_ACCOUNT:
            assert response.status_code in (200, 405), f"{method} {name}: {response.status_code}"
        elif name in OPEN_TO_ANY_USER and method == "get":
            assert response.status_code == 200, name
        else:
            assert response.status_code in (403, 404, 405), f"{method} {name}: {response.status_code}"
        assert SECRET_UNIT not in body(response), name
        assert "机密批次" not in body(response), name
