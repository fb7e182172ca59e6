"""Changing one's own password, the temporary password an admin sets, and the gate that makes
the user replace it before anything else."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from orgs.models import AccountState, Role
from orgs.services import accounts
from orgs.services import people as people_services
from tests.factories import AdminFactory, UserFactory, user_with_role
from tests.worlds import logged_in, signed_in

pytestmark = pytest.mark.django_db
User = get_user_model()
OLD = "pw-for-tests"
NEW = "Xuexi-Zhongshan-2026"
TEMPORARY = "Linshi-Mima-0417"


def change(client: Client, old: str = OLD, new: str = NEW, **extra):
    return client.post(
        reverse("account:password_change"), {"old_password": old, "new_password1": new, "new_password2": new, **extra}
    )


def owes_password(user) -> bool:
    return AccountState.objects.filter(user=user, must_change_password=True).exists()


# Every user changes their own password


def test_it_sends_anonymous_visitors_to_login_from_the_account_pages(client):
    for name in ("account:index", "account:password_change"):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("login")), name


def test_every_signed_in_user_reaches_the_account_page_from_the_menu(user_client, user):
    home = user_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account:index")}"' in home
    page = user_client.get(reverse("account:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert user.first_name in html
    assert user.username in html
    assert reverse("account:password_change") in html
    assert "两步验证" not in html  # admins only
    assert user_client.post(reverse("account:index")).status_code == 405


def test_it_changes_the_password_keeps_this_session_and_ends_the_others(user):
    here, elsewhere = signed_in(user), signed_in(user)
    response = change(here)
    assert response.status_code == 302
    assert response["Location"] == reverse("account:index")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert "密码已修改" in here.get(response["Location"]).content.decode()
    assert here.get(reverse("home")).status_code == 200
    ended = elsewhere.get(reverse("home"))
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("login"))
    assert signed_in(user, NEW).get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_old_password_or_a_weak_new_one_beside_the_field(user):
    client = signed_in(user)
    response = change(client, old="not-it")
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["你的旧密码不正确。请重新输入。"]
    weak = change(client, new="12345678")
    assert "这个密码太常见了。" in weak.context["form"].errors["new_password2"]
    mismatch = client.post(
        reverse("account:password_change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"}
    )
    assert mismatch.context["form"].errors["new_password2"] == ["输入的两个密码不一致。"]
    user.refresh_from_db()
    assert user.check_password(OLD)
    assert 'value="' + NEW not in mismatch.content.decode()  # passwords are never sent back


def test_it_follows_a_local_next_but_not_another_site(user):
    client = signed_in(user)
    response = change(client, next="/orgs/")
    assert response["Location"] == "/orgs/"
    response = change(client, old=NEW, new=NEW + "-2", next="https://evil.example/")
    assert response["Location"] == reverse("account:index")


# An admin sets a temporary password


def set_temporary(admin_client: Client, person, password: str = TEMPORARY):
    return admin_client.post(
        reverse("people:user_set_password", args=[person.pk]),
        {"new_password1": password, "new_password2": password},
    )


def test_the_temporary_password_service_flags_the_user_and_refuses_oneself(admin_user):
    person = UserFactory()
    accounts.user_set_temporary_password(user=person, password=TEMPORARY, by=admin_user)
    person.refresh_from_db()
    assert person.check_password(TEMPORARY)
    assert owes_password(person)
    with pytest.raises(ValidationError) as refused:
        accounts.user_set_temporary_password(user=admin_user, password=TEMPORARY, by=admin_user)
    assert "请在“我的账号”页修改自己的密码。" in refused.value.messages
    accounts.password_change(user=person, password=NEW)
    assert not owes_password(person)


def test_it_sets_a_temporary_password_that_ends_the_users_sessions(admin_client):
    person = user_with_role(Role.EVALUATOR, username="chen", password=OLD)
    their_session = signed_in(person)
    response = set_temporary(admin_client, person)
    assert response.status_code == 302
    assert response["Location"] == reverse("people:user_edit", args=[person.pk])
    assert "已为用户“chen”设置临时密码" in admin_client.get(response["Location"]).content.decode()
    ended = their_session.get(reverse("home"))
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("login"))
    assert owes_password(person)


def test_a_flagged_user_must_change_the_password_before_anything_else(admin_client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    person = user_with_role(Role.ADMIN, username="chen", is_staff=True)
    set_temporary(admin_client, person)
    client = signed_in(person, TEMPORARY)
    target = reverse("account:password_change")
    for url in ("/", "/orgs/", reverse("people:user_list"), reverse("account:index"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{target}?next={url.replace('/', '%2F')}", url
    assert client.post("/orgs/").status_code == 302
    page = client.get(target)
    assert page.status_code == 200
    assert "临时密码" in page.content.decode()
    assert client.get("/static/css/kaoping.css").status_code == 200
    assert client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}).status_code == 302
    response = change(client, old=TEMPORARY, next="/orgs/")
    assert response["Location"] == "/orgs/"
    assert client.get("/orgs/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert not owes_password(person)


def test_logging_out_stays_open_to_a_flagged_user(admin_client):
    person = UserFactory(username="chen")
    set_temporary(admin_client, person)
    client = signed_in(person, TEMPORARY)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_weak_temporary_password_beside_the_field(admin_client):
    person = UserFactory(username="chen", first_name="陈晓")
    response = set_temporary(admin_client, person, "12345678")
    assert response.status_code == 200
    assert "这个密码太常见了。" in response.context["password_form"].errors["new_password2"]
    person.refresh_from_db()
    assert person.check_password(OLD)
    assert not owes_password(person)


def test_an_admin_cannot_give_themself_a_temporary_password(admin_client, admin_user):
    response = set_temporary(admin_client, admin_user)
    assert response.status_code == 302
    assert "请在“我的账号”页修改自己的密码。" in admin_client.get(response["Location"]).content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password(OLD)


def test_only_admins_set_temporary_passwords_and_superusers_only_by_superusers():
    person = UserFactory(username="chen")
    for visitor, status in ((UserFactory(), 403), (user_with_role(Role.EVALUATOR), 403)):
        assert set_temporary(logged_in(visitor), person).status_code == status
    assert Client().post(reverse("people:user_set_password", args=[person.pk])).status_code == 302
    superuser = AdminFactory()
    assert set_temporary(logged_in(user_with_role(Role.ADMIN)), superuser).status_code == 403
    assert logged_in(AdminFactory()).get(reverse("people:user_set_password", args=[person.pk])).status_code == 405
    person.refresh_from_db()
    superuser.refresh_from_db()
    assert person.check_password(OLD)
    assert superuser.check_password(OLD)
    assert not AccountState.objects.exists()


def test_a_password_an_admin_types_on_the_user_page_is_temporary_too(admin_user):
    person = UserFactory(username="chen")
    people_services.user_update(
        user=person, username="chen", full_name="陈", email="", is_active=True, password=TEMPORARY, by=admin_user
    )
    assert owes_password(person)
    people_services.user_update(
        user=admin_user, username=admin_user.username, full_name="管理员", email="", is_active=True,
        password=NEW, by=admin_user,
    )
    assert not owes_password(admin_user)
    created = people_services.user_create(
        username="li", full_name="李", email="", is_active=True, password=TEMPORARY, by=admin_user
    )
    assert owes_password(created)
