"""The administrative log: recorded only inside a transaction, read back filtered, and only by admins."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from common import audit
from common.models import AdminAction, AdminEvent, AdminKind
from orgs.models import Role
from tests.factories import AdminFactory, OrganizationFactory, UserFactory, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db
LOG = reverse("audit:log")


def recorded(actor, page, *, kind=AdminKind.ORGANIZATION, at=None, label="名称", old="旧", new="新"):
    with transaction.atomic():
        return audit.record(actor=actor, kind=kind, action=AdminAction.UPDATE, page=page, at=at,
                            changes=[audit.Change("name", label, old, new)])


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, kind=AdminKind.USER, action=AdminAction.UPDATE, page=UserFactory())
    assert not AdminEvent.objects.exists()


def test_it_lists_only_the_fields_that_changed_in_the_labels_order():
    labels = {"name": "名称", "is_active": "是否有效", "code": "编码"}
    changes = audit.changes_between(
        {"name": "甲", "is_active": True, "code": "A"}, {"name": "乙", "is_active": False, "code": "A"}, labels
    )
    assert [(c.field, c.old, c.new) for c in changes] == [("name", "甲", "乙"), ("is_active", "是", "否")]


def test_it_sends_an_anonymous_visitor_to_login(client):
    response = client.get(LOG)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [None, Role.ANALYST, Role.EVALUATOR])
def test_it_refuses_everyone_but_admins(role):
    person = user_with_role(role, OrganizationFactory()) if role == Role.ANALYST else (
        user_with_role(role) if role else UserFactory())
    recorded(AdminFactory(), OrganizationFactory(name="保密支部"))
    response = logged_in(person).get(LOG)
    assert response.status_code == 403
    assert "保密支部" not in response.content.decode()


def test_it_shows_who_when_and_old_to_new(admin_client, admin_user):
    recorded(admin_user, OrganizationFactory(name="新名称"), old="旧名称", new="新名称")
    page = admin_client.get(LOG).content.decode()
    assert "旧名称" in page
    assert "新名称" in page
    assert (admin_user.get_full_name() or admin_user.get_username()) in page


def test_it_filters_by_person_kind_day_and_object(admin_client, admin_user):
    other = AdminFactory(username="li")
    first, second = OrganizationFactory(), OrganizationFactory()
    recorded(admin_user, first, old="甲一", new="甲二")
    recorded(other, second, old="乙一", new="乙二")
    recorded(other, other, kind=AdminKind.USER, old="丙一", new="丙二",
             at=timezone.now() - datetime.timedelta(days=3))

    def shown(**query) -> set[str]:
        events = admin_client.get(LOG, query).context["page_obj"].object_list
        return {event.changes[0]["old"] for event in events}

    assert shown() == {"甲一", "乙一", "丙一"}
    assert shown(person="LI") == {"乙一", "丙一"}
    assert shown(kind="user") == {"丙一"}
    today = timezone.localdate()
    assert shown(since=today.isoformat()) == {"甲一", "乙一"}
    assert shown(until=(today - datetime.timedelta(days=1)).isoformat()) == {"丙一"}
    assert shown(on=audit.log_url_for(first).split("on=")[1].replace("%3A", ":")) == {"甲一"}
    # Each row of the log links to the log of its own object.
    assert audit.log_url_for(first).replace("%3A", ":") in admin_client.get(LOG).content.decode()


def test_it_explains_a_filter_it_cannot_use(admin_client):
    response = admin_client.get(LOG, {"person": "nobody", "since": "2026-05-02", "until": "2026-05-01"})
    form = response.context["form"]
    assert form.errors["person"] == ["没有用户名为“nobody”的用户。"]
    assert form.errors["until"] == ["截止日期不能早于起始日期。"]
    assert not response.context["page_obj"].object_list


@pytest.mark.parametrize("size", [3, 60])
def test_it_costs_the_same_queries_at_any_size(admin_client, admin_user, size, django_assert_num_queries):
    people = [AdminFactory() for _ in range(3)]
    for n in range(size):
        recorded(people[n % 3], OrganizationFactory())
    # session, user, roles, count, one page of events with their actors and content types
    with django_assert_num_queries(5):
        response = admin_client.get(LOG)
    assert len(response.context["page_obj"].object_list) == min(size, 50)


def test_it_stores_values_in_the_working_language_whatever_the_requests():
    with translation.override("en"):
        changes = audit.changes_between({"type": None, "on": None}, {"type": gettext_lazy("党支部"), "on": True},
                                        {"type": "类型", "on": "是否有效"})
    assert [(c.old, c.new) for c in changes] == [("", "党支部"), ("", "是")]
