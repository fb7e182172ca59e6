"""Production speaks HTTPS only: HSTS and the redirect are on by default, and `check --deploy`
is silent under the README's production environment."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from config import env
from tests.worlds import production

SETTINGS_SHOWN = (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE",
)


def production_settings(**extra: str) -> dict:
    code = f"import json; from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {SETTINGS_SHOWN!r}}}))"
    result = production("shell", "-c", code, **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_passes_check_deploy_without_a_warning_under_the_readme_environment():
    result = production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr


def test_it_passes_check_deploy_when_the_proxy_is_declared_to_redirect():
    result = production("check", "--deploy", "--fail-level", "WARNING", PROXY_REDIRECTS_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert production_settings(PROXY_REDIRECTS_HTTPS="1")["SECURE_SSL_REDIRECT"] is False


def test_it_redirects_and_sends_hsts_with_subdomains_by_default_in_production():
    assert production_settings() == {
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False, "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True, "LANGUAGE_COOKIE_HTTPONLY": True, "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_it_lets_preload_be_chosen_and_stays_silent():
    assert production_settings(SECURE_HSTS_PRELOAD="1")["SECURE_HSTS_PRELOAD"] is True
    result = production("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("variable", "warning"), [("SECURE_HSTS_INCLUDE_SUBDOMAINS", "W005"),
                                                   ("SECURE_HSTS_SECONDS", "W004")])
def test_check_deploy_still_warns_when_hsts_is_weakened(variable, warning):
    result = production("check", "--deploy", "--fail-level", "WARNING", **{variable: "0"})
    assert result.returncode != 0
    assert f"security.{warning}" in result.stderr


def test_it_refuses_the_old_ssl_redirect_switch_in_one_line():
    result = production("check", SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "PROXY_REDIRECTS_HTTPS" in result.stderr


def test_it_keeps_development_on_plain_http(monkeypatch):
    monkeypatch.delenv("SECURE_HSTS_SECONDS", raising=False)
    monkeypatch.delenv("PROXY_REDIRECTS_HTTPS", raising=False)
    monkeypatch.delenv("SECURE_SSL_REDIRECT", raising=False)
    assert env.hsts_seconds(debug=True) == 0
    assert env.ssl_redirect(debug=True) is False


def test_hsts_seconds_defaults_to_a_year_in_production_and_reads_the_variable(monkeypatch):
    monkeypatch.delenv("SECURE_HSTS_SECONDS", raising=False)
    assert env.hsts_seconds(debug=False) == 31536000
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "600")
    assert env.hsts_seconds(debug=False) == 600
    assert env.hsts_seconds(debug=True) == 600


@pytest.mark.parametrize("raw", ["-1", "a year"])
def test_hsts_seconds_refuses_what_is_not_a_count_of_seconds(monkeypatch, raw):
    monkeypatch.setenv("SECURE_HSTS_SECONDS", raw)
    with pytest.raises(env.ConfigError, match="SECURE_HSTS_SECONDS"):
        env.hsts_seconds(debug=False)


@pytest.mark.parametrize(("declared", "expected"), [(None, True), ("0", True), ("1", False), ("yes", False)])
def test_ssl_redirect_is_on_unless_the_proxy_is_declared_to_redirect(monkeypatch, declared, expected):
    monkeypatch.delenv("SECURE_SSL_REDIRECT", raising=False)
    if declared is None:
        monkeypatch.delenv("PROXY_REDIRECTS_HTTPS", raising=False)
    else:
        monkeypatch.setenv("PROXY_REDIRECTS_HTTPS", declared)
    assert env.ssl_redirect(debug=False) is expected


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = env.HSTS_PRODUCTION_SECONDS
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_it_sends_plain_http_to_https(https_on, client):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("login")


def test_it_serves_what_the_proxy_forwards_as_https_with_hsts(https_on, client):
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_the_language_cookie_is_secure_http_only_and_same_site(client):
    assert not settings.DEBUG
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")
