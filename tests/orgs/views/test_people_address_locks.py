"""The address-wide lock: admins see which addresses are locked and may lift one, which is recorded."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from common.audit import admin_log
from tests.factories import UserFactory, user_with_role
from tests.worlds import THROTTLE_PASSWORD as PASSWORD
from tests.worlds import attempt, logged_in

pytestmark = pytest.mark.django_db
LOCKS = reverse("people:address_locks")
UNLOCK = reverse("people:address_unlock")


def spray(address: str) -> None:
    for number in range(settings.KAOPING_ADDRESS_FAILURE_LIMIT):
        attempt(Client(), f"user{number}", "Spring2026!", REMOTE_ADDR=address)


def test_it_lists_a_sprayed_address_and_not_an_address_with_a_few_failures(admin_client):
    spray("10.1.1.1")
    attempt(Client(), "someone", "wrong", REMOTE_ADDR="10.2.2.2")
    locks = admin_client.get(LOCKS).context["locks"]
    assert [(lock.ip_address, lock.failures, lock.usernames) for lock in locks] == [
        ("10.1.1.1", settings.KAOPING_ADDRESS_FAILURE_LIMIT, settings.KAOPING_ADDRESS_FAILURE_LIMIT)
    ]


def test_an_admin_lifts_an_address_lock_and_it_is_recorded(admin_client, admin_user):
    UserFactory(username="victim", password=PASSWORD)
    spray("10.1.1.1")
    assert attempt(Client(), "victim", PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 429
    response = admin_client.post(UNLOCK, {"address": "10.1.1.1"}, follow=True)
    assert "已解除地址 10.1.1.1 的登录锁定。" in response.content.decode()
    assert attempt(Client(), "victim", PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 302
    event = admin_log(kind="login_lock").get()
    assert (event.actor, event.action, event.target, event.page_type) == (admin_user, "unlock", "10.1.1.1", None)
    assert "10.1.1.1" in admin_client.get(reverse("audit:log")).content.decode()


def test_it_says_so_when_the_address_was_not_locked(admin_client):
    response = admin_client.post(UNLOCK, {"address": "10.9.9.9"}, follow=True)
    assert "地址 10.9.9.9 当前没有被锁定。" in response.content.decode()
    assert not admin_log().exists()


def test_it_refuses_everyone_but_admins():
    spray("10.1.1.1")
    for client in (logged_in(UserFactory()), logged_in(user_with_role("evaluator"))):
        assert client.get(LOCKS).status_code == 403
        assert client.post(UNLOCK, {"address": "10.1.1.1"}).status_code == 403
    assert Client().get(LOCKS)["Location"].startswith(reverse("login"))
    assert attempt(Client(), "user0", "x", REMOTE_ADDR="10.1.1.1").status_code == 429


def test_a_get_does_not_unlock(admin_client):
    assert admin_client.get(UNLOCK).status_code == 405


@pytest.mark.parametrize("addresses", [1, 4])
def test_the_list_costs_the_same_queries_for_any_number_of_locks(admin_client, addresses, django_assert_num_queries):
    for n in range(addresses):
        spray(f"10.3.3.{n}")
    with django_assert_num_queries(5):
        response = admin_client.get(LOCKS)
    assert len(response.context["locks"]) == addresses
