"""Login hardening: failed logins are throttled per username and address, cookies are secure
outside DEBUG, and logging out takes a POST."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


def attempt(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client):
    UserFactory(username="zhang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "zhang", "wrong")
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()
    assert attempt(client, "zhang", "wrong").status_code == 429
    response = attempt(client, "zhang", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert '<html lang="zh-hans">' in html
    assert f"登录失败次数过多（连续 {settings.AXES_FAILURE_LIMIT} 次）" in html
    assert f"请在 {round(settings.AXES_COOLOFF_TIME * 60)} 分钟后再试。" in html
    assert "_auth_user_id" not in client.session


def test_another_username_still_logs_in_from_the_same_address(client):
    UserFactory(username="zhang", password=PASSWORD)
    UserFactory(username="li", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", "wrong")
    response = attempt(client, "li", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_success_before_the_limit_starts_the_count_again(client):
    UserFactory(username="zhang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "zhang", "wrong")
    assert attempt(client, "zhang", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "zhang", "wrong")
    assert attempt(client, "zhang", PASSWORD).status_code == 302


def test_session_and_csrf_cookies_are_secure_when_debug_is_off(client):
    assert not settings.DEBUG
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    UserFactory(username="zhang", password=PASSWORD)
    response = attempt(client, "zhang", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True and cookie["httponly"] is True


def test_logout_is_refused_by_get_and_done_by_post(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    assert user_client.get(reverse("home")).status_code == 200
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert user_client.get(reverse("home")).status_code == 302
