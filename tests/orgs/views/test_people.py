"""The people pages (user list, create, edit, role grants) for every kind of visitor."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from orgs.models import Role, RoleGrant
from tests.factories import (
    AdminFactory,
    OrganizationFactory,
    RoleGrantFactory,
    UserFactory,
    user_with_role,
)
from tests.worlds import STRONG, edit_url, grant_add_url, grant_remove_url, logged_in

pytestmark = pytest.mark.django_db
User = get_user_model()
def every_request(person, grant) -> list[tuple[str, str, dict]]:
    new_user = {"username": "x", "full_name": "x", "password1": STRONG, "password2": STRONG}
    return [
        ("get", reverse("people:user_list"), {}),
        ("get", reverse("people:user_create"), {}),
        ("post", reverse("people:user_create"), new_user),
        ("get", edit_url(person), {}),
        ("post", edit_url(person), {"username": "hacked", "full_name": "x", "is_active": "on"}),
        ("post", grant_add_url(person), {"role": Role.ADMIN}),
        ("get", grant_add_url(person), {}),
        ("post", grant_remove_url(grant), {}),
        ("get", grant_remove_url(grant), {}),
    ]


@pytest.fixture
def person(db):
    return user_with_role(Role.EVALUATOR, username="zhao", first_name="赵六")


def untouched(person) -> bool:
    person.refresh_from_db()
    return (
        person.username == "zhao"
        and list(person.role_grants.values_list("role", flat=True)) == [Role.EVALUATOR]
        and not User.objects.filter(username="x").exists()
    )


def test_it_sends_anonymous_visitors_to_login(client, person):
    for method, url, data in every_request(person, person.role_grants.get()):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    assert untouched(person)


@pytest.mark.parametrize("role", [None, Role.ANALYST, Role.REPORTER, Role.EVALUATOR])
def test_it_refuses_everyone_but_admins(person, role):
    if role is None:
        visitor = UserFactory()
    else:
        unit = OrganizationFactory() if role in (Role.ANALYST, Role.REPORTER) else None
        visitor = user_with_role(role, unit)
    client = logged_in(visitor)
    for method, url, data in every_request(person, person.role_grants.get()):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "没有权限" in response.content.decode()
    assert untouched(person)


def test_admins_open_every_page(admin_client, person):
    for url in (reverse("people:user_list"), reverse("people:user_create"), edit_url(person)):
        assert admin_client.get(url).status_code == 200
    assert admin_client.get(grant_add_url(person)).status_code == 405
    assert admin_client.get(grant_remove_url(person.role_grants.get())).status_code == 405
    assert untouched(person)


def test_an_admin_by_role_manages_people_but_not_superusers(person):
    client = logged_in(user_with_role(Role.ADMIN))
    superuser = AdminFactory()
    html = client.get(reverse("people:user_list")).content.decode()
    assert edit_url(person) in html
    assert edit_url(superuser) not in html
    assert client.get(edit_url(person)).status_code == 200
    assert client.get(edit_url(superuser)).status_code == 403
    response = client.post(
        edit_url(superuser),
        {"username": superuser.username, "full_name": "x", "is_active": "on",
         "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password(STRONG)


def test_an_unknown_user_answers_404(admin_client):
    assert admin_client.get(reverse("people:user_edit", args=[999999])).status_code == 404


# The list


def test_the_list_shows_each_users_roles_and_organizations(admin_client, admin_user):
    district = OrganizationFactory(name="中山区委", code="ZS")
    branch = OrganizationFactory(name="中山区第一支部", code="ZS01", parent=district)
    analyst = user_with_role(Role.ANALYST, district, username="qian")
    RoleGrantFactory(user=analyst, role=Role.EVALUATOR)
    user_with_role(Role.REPORTER, branch, username="sun")
    UserFactory(username="nobody", is_active=False)
    response = admin_client.get(reverse("people:user_list"))
    html = " ".join(response.content.decode().split())
    assert html.count('class="person-row"') == 4
    assert "宣传部分析员</span> 中山区委 <code>ZS</code> 及其下级" in html
    assert '考评员</span> <span class="text-muted">按考评批次分配' in html
    assert "单位填报员</span> 中山区第一支部 <code>ZS01</code>" in html
    assert "超级用户" in html
    assert "已停用" in html
    assert "尚未授予角色" in html


def test_it_searches_by_username_and_name(admin_client):
    UserFactory(username="zhouxin", first_name="周新")
    UserFactory(username="wu", first_name="吴周")
    UserFactory(username="zheng", first_name="郑")
    def found(q: str) -> set[str]:
        response = admin_client.get(reverse("people:user_list"), {"q": q})
        return {p.username for p in response.context["page_obj"]}
    assert found("周") == {"zhouxin", "wu"}
    assert found("ZHOU") == {"zhouxin"}
    html = admin_client.get(reverse("people:user_list"), {"q": "周"}).content.decode()
    assert 'value="周"' in html


def test_it_filters_by_role(admin_client, admin_user):
    district = OrganizationFactory()
    user_with_role(Role.ANALYST, district, username="qian")
    user_with_role(Role.ADMIN, username="role-admin")
    UserFactory(username="plain")
    def found(role: str) -> set[str]:
        response = admin_client.get(reverse("people:user_list"), {"role": role})
        return {p.username for p in response.context["page_obj"]}
    assert found(Role.ANALYST) == {"qian"}
    assert found(Role.ADMIN) == {"role-admin", admin_user.username}
    assert found("") == {"qian", "role-admin", admin_user.username, "plain"}


def test_it_pages_by_fifty_and_keeps_the_filter(admin_client):
    User.objects.bulk_create(User(username=f"p{i:03d}", first_name="批量") for i in range(120))
    response = admin_client.get(reverse("people:user_list"), {"q": "批量", "page": 2})
    assert len(response.context["page_obj"]) == 50
    html = response.content.decode()
    assert "?q=%E6%89%B9%E9%87%8F&amp;page=3" in html
    assert "第 2 / 3 页" in html


def add_users_with_grants(count: int, organizations) -> None:
    start = User.objects.count()
    users = User.objects.bulk_create(User(username=f"bulk{start + i:05d}") for i in range(count))
    grants = []
    for i, user in enumerate(users):
        grants.append(RoleGrant(user=user, role=Role.ANALYST, organization=organizations[i % 3]))
        grants.append(RoleGrant(user=user, role=Role.REPORTER, organization=organizations[(i + 1) % 3]))
        if i % 2:
            grants.append(RoleGrant(user=user, role=Role.EVALUATOR))
    RoleGrant.objects.bulk_create(grants)


def test_the_list_runs_a_constant_number_of_queries(admin_client, django_assert_num_queries):
    organizations = [OrganizationFactory() for _ in range(3)]
    add_users_with_grants(10, organizations)
    # session, user, the admin's own roles, count, page, grants with their organizations, lockouts
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("people:user_list"))
    assert len(response.context["page_obj"]) == 11
    add_users_with_grants(990, organizations)
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("people:user_list"))
    assert len(response.context["page_obj"]) == 50
    with django_assert_num_queries(7):
        admin_client.get(reverse("people:user_list"), {"role": Role.EVALUATOR, "q": "bulk", "page": 3})


# Creating and editing users


def test_it_creates_a_user_who_can_then_log_in(admin_client):
    response = admin_client.post(
        reverse("people:user_create"),
        {"username": "chen", "full_name": "陈晓", "email": "chen@example.cn", "is_active": "on",
         "password1": STRONG, "password2": STRONG},
    )
    chen = User.objects.get(username="chen")
    assert response.status_code == 302
    assert response["Location"] == edit_url(chen)
    assert chen.get_full_name() == "陈晓"
    assert chen.is_active
    assert not chen.is_staff
    page = admin_client.get(response["Location"]).content.decode()
    assert "已创建用户“chen”" in page
    visitor = Client()
    response = visitor.post(reverse("login"), {"username": "chen", "password": STRONG})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    # The admin knows the initial password, so the new user replaces it before anything else.
    home = visitor.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("account:password_change"))
    changed = visitor.post(
        reverse("account:password_change"),
        {"old_password": STRONG, "new_password1": STRONG + "-mine", "new_password2": STRONG + "-mine"},
    )
    assert changed.status_code == 302
    assert visitor.get(reverse("home")).status_code == 200


def test_a_form_with_errors_keeps_what_was_typed(admin_client):
    UserFactory(username="chen")
    response = admin_client.post(
        reverse("people:user_create"),
        {"username": "Chen", "full_name": "陈晓", "email": "chen@example.cn", "is_active": "on",
         "password1": STRONG, "password2": STRONG + "x"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "两次输入的密码不一致。" in html
    assert 'value="Chen"' in html
    assert 'value="陈晓"' in html
    assert 'value="chen@example.cn"' in html
    # With matching passwords the next error is the taken username.
    response = admin_client.post(
        reverse("people:user_create"),
        {"username": "Chen", "full_name": "陈晓", "password1": STRONG, "password2": STRONG},
    )
    assert response.context["form"].errors["username"] == ["用户名“Chen”已被使用。"]
    assert User.objects.filter(username__iexact="chen").count() == 1


def test_weak_passwords_are_refused_by_djangos_validators(admin_client):
    response = admin_client.post(
        reverse("people:user_create"),
        {"username": "chen", "full_name": "陈晓", "password1": "20262026", "password2": "20262026"},
    )
    assert "密码只包含数字。" in response.context["form"].errors["password1"]
    response = admin_client.post(reverse("people:user_create"), {"username": "chen", "full_name": "陈晓"})
    assert response.context["form"].errors["password1"] == ["这个字段是必填项。"]
    assert not User.objects.filter(username="chen").exists()


def test_it_edits_a_user_and_changes_the_password_only_when_given(admin_client, person):
    form = {"username": "zhao", "full_name": "赵六一", "email": "", "is_active": ""}
    assert admin_client.post(edit_url(person), form).status_code == 302
    person.refresh_from_db()
    assert person.first_name == "赵六一"
    assert not person.is_active
    assert person.check_password("pw-for-tests")
    admin_client.post(edit_url(person), {**form, "is_active": "on", "password1": STRONG, "password2": STRONG})
    person.refresh_from_db()
    assert person.is_active
    assert person.check_password(STRONG)


def test_the_edit_page_shows_the_current_values(admin_client, person):
    html = admin_client.get(edit_url(person)).content.decode()
    assert 'value="zhao"' in html
    assert 'value="赵六"' in html
    assert re.search(r'<input type="checkbox" name="is_active"[^>]* checked>', html)


def test_an_admin_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(
        edit_url(admin_user), {"username": admin_user.username, "full_name": "管理员", "is_active": ""}
    )
    assert "不能停用自己的账号" in response.context["form"].errors["is_active"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_an_admin_changing_their_own_password_stays_logged_in(admin_client, admin_user):
    admin_client.post(
        edit_url(admin_user),
        {"username": admin_user.username, "full_name": "管理员", "is_active": "on",
         "password1": STRONG, "password2": STRONG},
    )
    admin_user.refresh_from_db()
    assert admin_user.check_password(STRONG)
    assert admin_client.get(reverse("people:user_list")).status_code == 200


# Role grants


def test_it_adds_grants(admin_client, person):
    district = OrganizationFactory(code="ZS", name="中山区委")
    response = admin_client.post(grant_add_url(person), {"role": Role.ANALYST, "organization_code": " ZS "})
    assert response.status_code == 302
    assert response["Location"] == edit_url(person)
    admin_client.post(grant_add_url(person), {"role": Role.ADMIN, "organization_code": ""})
    grants = set(person.role_grants.values_list("role", "organization"))
    assert grants == {(Role.EVALUATOR, None), (Role.ANALYST, district.pk), (Role.ADMIN, None)}
    html = admin_client.get(edit_url(person)).content.decode()
    assert html.count('class="grant-row"') == 3
    assert "中山区委 <code>ZS</code> 及其下级" in html


@pytest.mark.parametrize(
    ("existing", "data", "field", "message"),
    [
        (None, {"role": Role.ANALYST, "organization_code": "NOPE"}, "organization_code",
         "党组织编码“NOPE”不存在，请检查后重新输入。"),
        (None, {"role": Role.ANALYST, "organization_code": ""}, "organization_code",
         "“宣传部分析员”角色必须指定党组织，请填写党组织编码。"),
        (None, {"role": Role.REPORTER, "organization_code": ""}, "organization_code",
         "“单位填报员”角色必须指定党组织，请填写党组织编码。"),
        (None, {"role": Role.ADMIN, "organization_code": "ZS"}, "organization_code",
         "“管理员”角色不对应具体党组织，请清空党组织编码。"),
        ((Role.ANALYST, "ZS"), {"role": Role.ANALYST, "organization_code": "ZS"}, "__all__",
         "该用户已经拥有这项授权，无需重复添加。"),
        ((Role.REPORTER, "ZS"), {"role": Role.REPORTER, "organization_code": "XG"}, "organization_code",
         "该用户已是“中山区委”的单位填报员。一个用户只能为一个党组织填报，如需更换，请先移除原授权。"),
        (None, {"role": "", "organization_code": "ZS"}, "role", "这个字段是必填项。"),
    ],
)
def test_a_bad_grant_is_explained_and_writes_nothing(admin_client, existing, data, field, message):
    organizations = {
        "ZS": OrganizationFactory(code="ZS", name="中山区委"),
        "XG": OrganizationFactory(code="XG", name="西岗区委"),
    }
    person = UserFactory()
    if existing:
        RoleGrantFactory(user=person, role=existing[0], organization=organizations[existing[1]])
    before = list(RoleGrant.objects.values_list("pk", "user", "role", "organization"))
    response = admin_client.post(grant_add_url(person), data)
    assert response.status_code == 200
    assert response.context["grant_form"].errors[field] == [message]
    html = response.content.decode()
    assert message in html
    if data["organization_code"]:
        assert f'value="{data["organization_code"]}"' in html
    assert list(RoleGrant.objects.values_list("pk", "user", "role", "organization")) == before


def test_it_removes_a_grant(admin_client, person):
    grant = person.role_grants.get()
    response = admin_client.post(grant_remove_url(grant))
    assert response.status_code == 302
    assert response["Location"] == edit_url(person)
    assert not person.role_grants.exists()
    assert "已移除“考评员”" in admin_client.get(edit_url(person)).content.decode()


def test_a_grant_of_another_user_answers_404(admin_client, person):
    other = user_with_role(Role.EVALUATOR)
    url = reverse("people:grant_remove", args=[person.pk, other.role_grants.get().pk])
    assert admin_client.post(url).status_code == 404
    assert other.role_grants.exists()


def test_an_admin_cannot_remove_their_own_last_admin_role():
    admin = user_with_role(Role.ADMIN)
    client = logged_in(admin)
    response = client.post(grant_remove_url(admin.role_grants.get()), follow=True)
    assert "不能移除您自己的管理员角色" in response.content.decode()
    assert admin.role_grants.filter(role=Role.ADMIN).exists()
    assert client.get(reverse("people:user_list")).status_code == 200


def test_an_admin_by_role_may_remove_another_admins_role():
    client = logged_in(user_with_role(Role.ADMIN))
    other = user_with_role(Role.ADMIN)
    client.post(grant_remove_url(other.role_grants.get()))
    assert not other.role_grants.exists()
    assert logged_in(other).get(reverse("people:user_list")).status_code == 403


def test_django_admin_has_no_user_pages_of_its_own(client):
    # Accounts change only through the people pages, which check the grant rules and record history.
    superuser = AdminFactory()
    client.force_login(superuser)
    assert client.get("/admin/auth/user/").status_code == 404
    assert client.get("/admin/auth/group/").status_code == 404
    assert "/admin/auth/" not in client.get(reverse("admin:index")).content.decode()
