import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from indicators.models import IndicatorSystem
from tests.factories import AdminFactory, UserFactory


@pytest.fixture
def outline(db) -> IndicatorSystem:
    """The Dalian 2010 outline, loaded from the project's reference fixture."""
    call_command("loaddata", "dalian_2010", verbosity=0)
    return IndicatorSystem.objects.get(code="dalian-2010")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def user_client(user) -> Client:
    return logged_in(user)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return logged_in(admin_user)


def signed_in(user, password: str = "pw-for-tests") -> Client:
    """A client signed in through the login page, as a browser is (force_login skips axes and the form)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client
