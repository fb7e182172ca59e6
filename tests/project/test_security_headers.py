"""Every URL of the site answers with the security headers, and no page needs an inline script,
an inline event handler or an inline style that a strict Content-Security-Policy would refuse.

The URL list is walked from the URL configuration (as in test_outsider_everywhere), so a view
added later is covered without anyone remembering to add it here.
"""

import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Round
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, user_with_role
from tests.worlds import ROOT, all_routes, body, logged_in, score_unit, site_world, url_for

pytestmark = pytest.mark.django_db

TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
HANDLER = re.compile(r"""\son[a-z]+\s*=""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
NONCE = re.compile(r"""\snonce="([^"]+)\"""")
# A few pages of Django's admin, which the URL walk leaves out.
ADMIN_PAGES = ["admin:index", "admin:indicators_indicatorsystem_changelist", "admin:indicators_indicatorsystem_add"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_headers(response, where: str) -> None:
    policy = directives(response)
    if "sandbox" in policy:
        # Evidence files carry their own, stricter policy: nothing may load, nothing may run.
        assert policy["default-src"] == ["'none'"], where
    else:
        assert policy["script-src"] == ["'self'"], where
        assert "'unsafe-inline'" not in policy["style-src"], where
        assert policy["default-src"] == ["'self'"], where
        assert policy["object-src"] == ["'none'"], where
        assert policy["frame-ancestors"] == ["'none'"], where
        assert policy["base-uri"] == ["'self'"], where
        assert policy["form-action"] == ["'self'"], where
        assert policy["img-src"] == ["'self'", "data:"], where
    assert "camera=()" in response["Permissions-Policy"], where
    assert "geolocation=()" in response["Permissions-Policy"], where
    assert response["X-Content-Type-Options"] == "nosniff", where


def assert_no_store(response, where: str) -> None:
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= cache_control, where
    assert "public" not in cache_control, where


def assert_no_inline_code(response, where: str) -> None:
    """Nothing in the page that a strict policy refuses: script and style live in static files,
    except a chart's <style>, which carries the nonce of this response's policy."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    html = body(response)
    nonces = {f"'nonce-{nonce}'" for nonce in NONCE.findall(html)}
    assert nonces <= set(directives(response)["style-src"]), where
    assert "javascript:" not in html.lower(), where
    for name, attributes in TAG.findall(html):
        assert not HANDLER.search(attributes), f"{where}: <{name}{attributes}>"
        assert not STYLE_ATTRIBUTE.search(attributes), f"{where}: <{name}{attributes}>"
        if name.lower() == "script":
            assert "src=" in attributes or 'type="application/json"' in attributes, f"{where}: <script{attributes}>"
        if name.lower() == "style":
            assert NONCE.search(attributes), f"{where}: <style{attributes}>"


@pytest.fixture
def site(outline, settings, tmp_path):
    """The outsider sweep's world: a round, an assessment, sheets, evidence, a person and a grant."""
    settings.MEDIA_ROOT = tmp_path
    return site_world(outline)


@pytest.fixture
def admin(site):
    user = user_with_role(Role.ADMIN, is_staff=True, is_superuser=True)
    # One approved result, so that the report pages draw their charts and the heatmap.
    round = Round.objects.get(pk=site["round"])
    parent = Organization.objects.get(code=site["code"])
    unit = OrganizationFactory(code="SCORED-1", name="已考评支部", parent=parent)
    score_unit(round, unit, user_with_role(Role.EVALUATOR), user, {"1.1": "1", "4.2": "3"})
    return user


def test_every_page_an_admin_opens_carries_the_headers_and_no_inline_code(site, admin):
    client = logged_in(admin)
    seen = set()
    for name, params in all_routes():
        url = url_for(name, params, site)
        response = client.get(url)
        assert_headers(response, name)
        assert_no_store(response, name)
        assert_no_inline_code(response, name)
        seen.add(response.status_code)
    for name in ADMIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_headers(response, name)
        assert_no_store(response, name)
    assert 200 in seen


def test_the_report_pages_draw_their_charts_under_the_nonce(site, admin):
    client = logged_in(admin)
    for name, args, query in [("reports:weak", [site["round"]], ""),
                              ("reports:rollup", [site["round"]], f"?org={site['code']}"),
                              ("reports:trend", ["SCORED-1"], "")]:
        response = client.get(reverse(name, args=args) + query)
        html = body(response)
        assert response.status_code == 200, name
        assert "<svg" in html, name
        (nonce,) = set(NONCE.findall(html))
        assert f"'nonce-{nonce}'" in directives(response)["style-src"], name
        assert_no_inline_code(response, name)
    assert 'class="heat-' in body(client.get(reverse("reports:weak", args=[site["round"]])))


def test_a_page_without_a_chart_has_no_nonce_in_its_policy(admin):
    response = logged_in(admin).get(reverse("home"))
    assert directives(response)["style-src"] == ["'self'"]
    assert directives(response)["script-src"] == ["'self'"]


def test_every_download_is_never_stored(site, admin):
    client = logged_in(admin)
    downloads = 0
    for name, params in all_routes():
        response = client.get(url_for(name, params, site))
        if response.get("Content-Disposition", "").startswith("attachment"):
            downloads += 1
            assert_no_store(response, name)
            assert response["Cache-Control"].count("no-store") == 1, name
    assert downloads >= 5  # tree template/export, version exports, score-sheet Excel/PDF, evidence, ranking


def test_an_anonymous_visitor_gets_the_headers_everywhere(site):
    client = Client()
    for name, params in all_routes():
        response = client.get(url_for(name, params, site))
        assert_headers(response, name)
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert_no_inline_code(login, "login")


def test_static_files_keep_their_caching(admin, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as under DEBUG: the tests run no collectstatic
    response = logged_in(admin).get("/static/css/kaoping.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_cookie_is_httponly_and_lax(admin, settings):
    client = Client()
    set_cookies = {}
    for response in (
        client.get(reverse("login")),
        client.post(reverse("login"), {"username": admin.username, "password": "pw-for-tests"}),
        client.post(reverse("set_language"), {"language": "en", "next": "/"}),
    ):
        assert response.status_code in (200, 302)
        set_cookies |= dict(response.cookies)
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME} <= set(set_cookies)
    for name, cookie in set_cookies.items():
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def test_cookies_are_secure_when_debug_is_off():
    # The settings as production loads them, in a fresh interpreter: DEBUG off, as by default.
    code = ("from django.conf import settings as s; import django; django.setup(); "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE)")
    environment = {k: v for k, v in os.environ.items() if k != "DEBUG"} | {
        "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kaoping.example",
    }
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.split() == ["False", "True", "True", "True"]
