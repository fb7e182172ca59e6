"""Every change an admin makes to users and role grants shows up in the user's history."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.audit import history_of
from common.models import AdminEvent
from orgs.models import Role, RoleGrant
from orgs.services import people
from tests.factories import AdminFactory, OrganizationFactory, UserFactory
from tests.worlds import STRONG, edit_url, grant_add_url, grant_remove_url, lock_out

pytestmark = pytest.mark.django_db


def events_of(person) -> list[tuple]:
    return [
        (e.kind, e.action, e.actor_id, [(c["label"], c["old"], c["new"]) for c in e.changes])
        for e in history_of(person).order_by("id")
    ]


def test_it_records_a_new_user_with_its_fields(admin_client, admin_user):
    admin_client.post(reverse("people:user_create"), {
        "username": "wang", "full_name": "王小明", "email": "", "is_active": "on",
        "password1": STRONG, "password2": STRONG,
    })
    person = UserFactory._meta.model.objects.get(username="wang")
    assert events_of(person) == [("user", "create", admin_user.pk, [
        ("用户名", "", "wang"), ("姓名", "", "王小明"), ("账号启用", "", "是"),
    ])]


def test_it_records_only_what_an_edit_changed_and_never_the_password(admin_client, admin_user):
    person = UserFactory(username="li", first_name="李", email="li@example.cn")
    admin_client.post(edit_url(person), {
        "username": "li", "full_name": "李四", "email": "li@example.cn", "password1": STRONG, "password2": STRONG,
    })
    assert events_of(person) == [
        ("user", "update", admin_user.pk, [("姓名", "李", "李四"), ("账号启用", "是", "否")]),
        ("user", "temporary", admin_user.pk, []),
    ]
    assert STRONG not in str(AdminEvent.objects.values_list("changes", "note", "target"))


def test_it_records_nothing_for_an_edit_that_changes_nothing(admin_client):
    person = UserFactory(username="li", first_name="李", email="")
    admin_client.post(edit_url(person), {"username": "li", "full_name": "李", "email": "", "is_active": "on"})
    assert events_of(person) == []


def test_it_records_grants_given_and_taken(admin_client, admin_user):
    person = UserFactory()
    unit = OrganizationFactory(name="中山区委", code="ZS")
    admin_client.post(grant_add_url(person), {"role": Role.ANALYST, "organization_code": "ZS"})
    grant = RoleGrant.objects.get(user=person)
    admin_client.post(grant_remove_url(grant))
    assert events_of(person) == [
        ("grant", "add", admin_user.pk, [("授权", "", f"宣传部分析员 · {unit}")]),
        ("grant", "remove", admin_user.pk, [("授权", f"宣传部分析员 · {unit}", "")]),
    ]


def test_a_refused_grant_leaves_no_history(admin_user):
    person = UserFactory()
    people.grant_add(user=person, role=Role.EVALUATOR, organization=None, by=admin_user)
    with pytest.raises(ValidationError):
        people.grant_add(user=person, role=Role.EVALUATOR, organization=None, by=admin_user)
    assert [e[1] for e in events_of(person)] == ["add"]


def test_it_records_an_unlock_but_not_an_unlock_of_nothing(admin_client, admin_user):
    person = UserFactory(username="zhang")
    admin_client.post(reverse("people:user_unlock", args=[person.pk]))
    assert events_of(person) == []
    lock_out("zhang")
    admin_client.post(reverse("people:user_unlock", args=[person.pk]))
    assert [(e.action, e.actor_id) for e in history_of(person)] == [
        ("unlock", admin_user.pk)
    ]


def test_the_user_page_shows_its_history(admin_client):
    person = UserFactory(first_name="旧姓名")
    people.user_update(user=person, username=person.username, full_name="新姓名", email=person.email,
                       is_active=True, by=AdminFactory(first_name="赵管理"))
    page = admin_client.get(edit_url(person)).content.decode()
    assert 'id="admin-history"' in page
    assert "旧姓名" in page
    assert "新姓名" in page
    assert "赵管理" in page
