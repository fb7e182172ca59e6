"""The frame around every page: login, logout, language switch, error pages, local static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_is_in_chinese_whatever_the_browser_asks(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html


def test_it_logs_in_with_a_password_and_shows_the_navigation(client, outline):
    UserFactory(username="zhang", password="correct-horse-1")
    response = client.post(reverse("login"), {"username": "zhang", "password": "correct-horse-1"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "退出登录" in html
    assert "指标体系" in html


def test_a_wrong_password_gets_a_chinese_message_and_keeps_the_username(client):
    UserFactory(username="zhang", password="correct-horse-1")
    response = client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个正确的" in html
    assert 'value="zhang"' in html


def test_logout_takes_a_post_only(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get(reverse("home")).status_code == 302


def test_the_language_switch_goes_to_english_and_back(user_client, outline):
    url = reverse("indicators:version_detail", args=[outline.code])
    user_client.post(reverse("set_language"), {"language": "en", "next": url})
    english = user_client.get(url).content.decode()
    assert '<html lang="en">' in english
    assert ">Scoring standard</th>" in english
    assert "Log out" in english
    user_client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    chinese = user_client.get(url).content.decode()
    assert ">评分标准</th>" in chinese
    assert "退出登录" in chinese


def test_the_404_page_is_in_chinese(user_client):
    response = user_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_403_page_is_in_chinese(admin_client, outline):
    response = admin_client.get(reverse("admin:indicators_indicatorsystem_delete", args=[outline.pk]))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_bootstrap_is_served_from_our_own_static_files(client):
    html = client.get(reverse("login")).content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert finders.find("bootstrap/css/bootstrap.min.css")
    assert finders.find("bootstrap/js/bootstrap.bundle.min.js")


def test_an_outsider_never_sees_a_page_without_logging_in(outline):
    outsider = Client()
    for name in ("home", "indicators:version_list"):
        assert outsider.get(reverse(name)).status_code == 302
    assert outsider.get(reverse("admin:index")).status_code == 302
