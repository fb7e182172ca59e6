"""Login hardening: failed logins are throttled per username and address and per address over
all usernames, behind a proxy per real client, cookies are secure outside DEBUG, and logging out
takes a POST."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.worlds import THROTTLE_PASSWORD as PASSWORD
from tests.worlds import attempt, lock_out

pytestmark = pytest.mark.django_db
@pytest.fixture
def behind_one_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")


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
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
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
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    UserFactory(username="zhang", password=PASSWORD)
    response = attempt(client, "zhang", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_logout_is_refused_by_get_and_done_by_post(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    assert user_client.get(reverse("home")).status_code == 200
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert user_client.get(reverse("home")).status_code == 302


def test_it_throttles_one_password_sprayed_over_many_usernames_from_one_address(client):
    UserFactory(username="victim", password=PASSWORD)
    limit = settings.KAOPING_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    for number in range(limit - 1):
        assert attempt(client, f"user{number}", "Spring2026!").status_code == 200
    response = attempt(client, "one-more", "Spring2026!")
    assert response.status_code == 429
    html = response.content.decode()
    assert f"当前网络地址登录失败次数过多（{limit} 次，涉及多个账号）" in html
    # The address is blocked for every username, even one with its right password.
    assert attempt(client, "victim", PASSWORD).status_code == 429
    assert attempt(Client(), "victim", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_it_does_not_let_a_sprayer_reset_the_address_count_by_logging_in_with_their_own_account(client):
    UserFactory(username="mole", password=PASSWORD)
    limit = settings.KAOPING_ADDRESS_FAILURE_LIMIT
    for number in range(limit - 1):
        attempt(client, f"user{number}", "wrong")
    assert attempt(client, "mole", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert attempt(client, "another", "wrong").status_code == 429


def test_it_does_not_lock_the_same_username_from_another_address(client):
    UserFactory(username="zhang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", "wrong", REMOTE_ADDR="10.0.0.1")
    assert attempt(client, "zhang", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert attempt(Client(), "zhang", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_it_counts_two_clients_behind_a_declared_proxy_separately(behind_one_proxy):
    UserFactory(username="admin1", password=PASSWORD)
    attacker, admin = Client(), Client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The attacker also forges an entry; nginx appends the real address after it.
        attempt(attacker, "admin1", "wrong", HTTP_X_FORWARDED_FOR="10.9.9.9, 10.0.0.66", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.66"}
    assert attempt(attacker, "admin1", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.66", **proxy).status_code == 429
    response = attempt(admin, "admin1", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.7", **proxy)
    assert response.status_code == 302


def test_it_ignores_a_forged_forwarded_for_without_a_declared_proxy(client):
    assert not settings.AXES_IPWARE_PROXY_COUNT
    UserFactory(username="zhang", password=PASSWORD)
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", "wrong", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"10.1.1.{number}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.5"}
    response = attempt(client, "zhang", PASSWORD, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="10.2.2.2")
    assert response.status_code == 429


def test_it_shows_the_minutes_left_on_the_lockout_page(client):
    UserFactory(username="zhang", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", "wrong")
    cool_off = round(settings.AXES_COOLOFF_TIME * 60)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=cool_off - 5))
    html = attempt(client, "zhang", PASSWORD).content.decode()
    assert "请在 5 分钟后再试。" in html


def test_it_shows_a_lockout_on_the_user_page_and_lets_an_admin_lift_it(admin_client):
    person = UserFactory(username="zhang", password=PASSWORD)
    edit = reverse("people:user_edit", args=[person.pk])
    assert "该账号当前未被锁定。" in admin_client.get(edit).content.decode()
    lock_out("zhang")
    html = admin_client.get(edit).content.decode()
    assert "从 10.0.0.3 登录失败 5 次" in html
    assert "解除锁定" in html
    response = admin_client.post(reverse("people:user_unlock", args=[person.pk]), follow=True)
    assert "已解除用户“zhang”的登录锁定。" in response.content.decode()
    assert attempt(Client(), "zhang", PASSWORD, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_it_refuses_the_unlock_to_anyone_but_an_admin(user_client):
    UserFactory(username="zhang", password=PASSWORD)
    person = UserFactory(username="li", password=PASSWORD)
    lock_out("li")
    url = reverse("people:user_unlock", args=[person.pk])
    assert user_client.post(url).status_code == 403
    assert user_client.get(reverse("people:user_edit", args=[person.pk])).status_code == 403
    assert Client().post(url).status_code == 302
    assert AccessAttempt.objects.filter(username="li").exists()


def test_it_answers_404_for_unlocking_nobody_and_405_for_a_get(admin_client):
    assert admin_client.post(reverse("people:user_unlock", args=[999_999])).status_code == 404
    person = UserFactory(username="li")
    assert admin_client.get(reverse("people:user_unlock", args=[person.pk])).status_code == 405


def test_it_marks_locked_users_in_the_list(admin_client):
    UserFactory(username="zhang", password=PASSWORD)
    UserFactory(username="li", password=PASSWORD)
    lock_out("zhang")
    response = admin_client.get(reverse("people:user_list"))
    assert response.context["locked"] == {"zhang"}
    assert response.content.decode().count("登录已锁定") == 1


def test_it_turns_the_address_throttle_off_with_a_zero_limit(client, settings):
    settings.KAOPING_ADDRESS_FAILURE_LIMIT = 0
    UserFactory(username="victim", password=PASSWORD)
    for number in range(30):
        attempt(client, f"user{number}", "wrong")
    assert attempt(client, "victim", PASSWORD).status_code == 302
