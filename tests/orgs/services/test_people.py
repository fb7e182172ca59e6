"""The writes behind the people pages: users, role grants, and the refusals that mirror the
database constraints."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from orgs.models import Role, RoleGrant
from orgs.scope import roles_of
from orgs.services import people
from tests.factories import AdminFactory, OrganizationFactory, RoleGrantFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def refusal(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def test_it_creates_a_user_with_a_usable_password():
    user = people.user_create(
        username="wang", full_name="王小明", email="wang@example.cn", is_active=True,
        password="Xuexi-2026!", by=AdminFactory(),
    )
    assert user.check_password("Xuexi-2026!")
    assert user.get_full_name() == "王小明"
    assert not user.is_staff
    assert not user.is_superuser


def test_it_refuses_a_username_that_differs_only_in_case():
    UserFactory(username="wang")
    errors = refusal(
        people.user_create, username="WANG", full_name="王", email="", is_active=True, password="x",
        by=AdminFactory(),
    )
    assert errors["username"] == ["用户名“WANG”已被使用。"]


def test_it_updates_a_user_and_keeps_the_password_unless_given(admin_user):
    user = UserFactory(username="li", password="old-secret-1")
    people.user_update(
        user=user, username="li2", full_name="李四", email="", is_active=False, by=admin_user
    )
    user.refresh_from_db()
    assert (user.username, user.first_name, user.is_active) == ("li2", "李四", False)
    assert user.check_password("old-secret-1")
    people.user_update(
        user=user, username="li2", full_name="李四", email="", is_active=True,
        password="new-secret-2", by=admin_user,
    )
    user.refresh_from_db()
    assert user.check_password("new-secret-2")


def test_an_admin_cannot_deactivate_themselves(admin_user):
    errors = refusal(
        people.user_update, user=admin_user, username=admin_user.username, full_name="管理员",
        email="", is_active=False, by=admin_user,
    )
    assert "不能停用自己的账号" in errors["is_active"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_it_adds_grants_and_the_scope_follows(admin_user):
    district = OrganizationFactory()
    user = UserFactory()
    assert not roles_of(user).has(Role.ANALYST)
    people.grant_add(user=user, role=Role.ANALYST, organization=district, by=admin_user)
    people.grant_add(user=user, role=Role.EVALUATOR, organization=None, by=admin_user)
    assert roles_of(user).analyst_paths == (district.path,)
    assert roles_of(user).has(Role.EVALUATOR)


@pytest.mark.parametrize(
    ("role", "with_org", "field", "message"),
    [
        (Role.ANALYST, False, "organization_code", "“宣传部分析员”角色必须指定党组织"),
        (Role.REPORTER, False, "organization_code", "“单位填报员”角色必须指定党组织"),
        (Role.ADMIN, True, "organization_code", "“管理员”角色不对应具体党组织"),
        (Role.EVALUATOR, True, "organization_code", "“考评员”角色不对应具体党组织"),
        ("chairman", False, "role", "未知的角色"),
    ],
)
def test_it_refuses_a_role_and_organization_that_do_not_fit(admin_user, role, with_org, field, message):
    user = UserFactory()
    organization = OrganizationFactory() if with_org else None
    errors = refusal(people.grant_add, user=user, role=role, organization=organization, by=admin_user)
    assert message in errors[field][0]
    assert not RoleGrant.objects.filter(user=user).exists()


def test_it_refuses_a_duplicate_grant(admin_user):
    district = OrganizationFactory()
    user = user_with_role(Role.ANALYST, district)
    errors = refusal(people.grant_add, user=user, role=Role.ANALYST, organization=district, by=admin_user)
    assert errors[NON_FIELD_ERRORS] == ["该用户已经拥有这项授权，无需重复添加。"]
    RoleGrantFactory(user=user, role=Role.EVALUATOR)
    errors = refusal(people.grant_add, user=user, role=Role.EVALUATOR, organization=None, by=admin_user)
    assert errors[NON_FIELD_ERRORS] == ["该用户已经拥有这项授权，无需重复添加。"]
    assert RoleGrant.objects.filter(user=user).count() == 2


def test_an_analyst_may_cover_several_subtrees(admin_user):
    user = user_with_role(Role.ANALYST, OrganizationFactory())
    people.grant_add(user=user, role=Role.ANALYST, organization=OrganizationFactory(), by=admin_user)
    assert len(roles_of(user).analyst_paths) == 2


def test_a_reporter_reports_for_one_unit_only(admin_user):
    first = OrganizationFactory(name="第一支部")
    user = user_with_role(Role.REPORTER, first)
    errors = refusal(
        people.grant_add, user=user, role=Role.REPORTER, organization=OrganizationFactory(), by=admin_user
    )
    assert "该用户已是“第一支部”的单位填报员" in errors["organization_code"][0]
    assert list(RoleGrant.objects.filter(user=user).values_list("organization", flat=True)) == [first.pk]


def test_it_removes_a_grant(admin_user):
    user = user_with_role(Role.EVALUATOR)
    assert roles_of(user).has(Role.EVALUATOR)
    people.grant_remove(grant=user.role_grants.get(), by=admin_user)
    assert not RoleGrant.objects.filter(user=user).exists()
    assert not roles_of(user).has(Role.EVALUATOR)


def test_an_admin_by_role_cannot_remove_their_own_admin_role():
    admin = user_with_role(Role.ADMIN)
    errors = refusal(people.grant_remove, grant=admin.role_grants.get(), by=admin)
    assert "不能移除您自己的管理员角色" in errors[NON_FIELD_ERRORS][0]
    assert admin.role_grants.filter(role=Role.ADMIN).exists()


def test_another_admin_may_remove_an_admin_role():
    first, second = user_with_role(Role.ADMIN), user_with_role(Role.ADMIN)
    people.grant_remove(grant=second.role_grants.get(), by=first)
    assert not second.role_grants.exists()


def test_a_superuser_keeps_admin_rights_without_the_grant_so_may_drop_it(admin_user):
    grant = RoleGrantFactory(user=admin_user, role=Role.ADMIN)
    people.grant_remove(grant=grant, by=admin_user)
    assert roles_of(admin_user).is_admin
