"""Idle sessions end (KAOPING_IDLE_MINUTES); a busy one is not rewritten on every request."""

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from common.idle import LAST_SEEN_KEY
from tests.worlds import ROOT, signed_in

pytestmark = pytest.mark.django_db


def age_session(client: Client, seconds: int) -> int:
    """Move the session's last-seen time into the past, as if `seconds` had gone by."""
    session = client.session
    session[LAST_SEEN_KEY] -= seconds
    session.save()
    return session[LAST_SEEN_KEY]


def last_seen(client: Client) -> int:
    return client.session[LAST_SEEN_KEY]


def test_it_signs_out_a_session_idle_past_the_limit_and_says_why(user, settings):
    assert settings.KAOPING_IDLE_MINUTES == 120  # the default
    client = signed_in(user)
    age_session(client, 120 * 60 + 1)
    response = client.get("/orgs/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/orgs/"
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"]).content.decode()
    assert "您已连续 120 分钟未操作，为保护账号安全已自动退出登录，请重新登录。" in login
    again = client.get("/orgs/")
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("login"))


def test_a_session_within_the_limit_stays_and_is_refreshed_at_most_once_a_minute(user):
    client = signed_in(user)
    started = last_seen(client)
    assert client.get(reverse("home")).status_code == 200
    assert last_seen(client) == started  # no write within the minute
    aged = age_session(client, 30)
    assert client.get(reverse("home")).status_code == 200
    assert last_seen(client) == aged
    age_session(client, 119 * 60)
    assert client.get(reverse("home")).status_code == 200
    assert last_seen(client) >= started  # rewritten: the clock starts again
    age_session(client, 119 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_the_limit_comes_from_the_setting_and_zero_turns_it_off(user, settings):
    settings.KAOPING_IDLE_MINUTES = 5
    client = signed_in(user)
    age_session(client, 5 * 60 + 1)
    assert client.get(reverse("home")).status_code == 302
    settings.KAOPING_IDLE_MINUTES = 0
    client = signed_in(user)
    age_session(client, 30 * 24 * 3600)
    assert client.get(reverse("home")).status_code == 200


def test_anonymous_visitors_get_no_idle_clock(client):
    assert client.get(reverse("login")).status_code == 200
    assert LAST_SEEN_KEY not in client.session


def run_settings(**environment: str) -> list[str]:
    code = ("from django.conf import settings as s; import django; django.setup(); "
            "print(s.KAOPING_IDLE_MINUTES, s.SESSION_COOKIE_AGE, s.KAOPING_ADMIN_2FA)")
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "ADMIN_2FA", "IDLE_MINUTES")}
    base |= {"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kaoping.example"}
    result = subprocess.run([sys.executable, "-c", code], env=base | environment, capture_output=True, text=True,
                            cwd=ROOT, check=True)
    return result.stdout.split()


def test_production_defaults_two_hours_idle_and_admin_two_factor_on():
    # The cookie outlives the limit by a working day only so a returning user is told why.
    assert run_settings() == ["120", str(120 * 60 + 8 * 3600), "True"]
    assert run_settings(IDLE_MINUTES="30") == ["30", str(30 * 60 + 8 * 3600), "True"]
    assert run_settings(DEBUG="1")[2] == "False"
    assert run_settings(DEBUG="1", ADMIN_2FA="1")[2] == "True"
