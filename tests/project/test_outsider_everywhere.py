"""A safety net over every URL of the site: an outsider (logged in, no role) and an anonymous
visitor never see an organization's data, whatever URL they type.

The list of URLs comes from the URL configuration itself, so a view added later is covered
without anyone remembering to add it here.
"""


import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.worlds import SECRET_UNIT, all_routes, body, logged_in, site_world, url_for

pytestmark = pytest.mark.django_db

# Pages an outsider may open: reference data, and lists that show them nothing.
OPEN_TO_ANY_USER = {
    "home", "ping", "indicators:version_list", "indicators:version_detail", "orgs:tree", "orgs:tree_export",
    "orgs:tree_template", "assessments:round_list",
    "indicators:version_diff", "indicators:version_export_xlsx", "indicators:version_export_json",
}
# A signed-in user's own account: any user opens it, and a password form posted empty is shown
# again with its errors.
OWN_ACCOUNT = {"account:index", "account:password_change"}
PUBLIC = {"login", "set_language", "logout"}


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return site_world(outline)


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
