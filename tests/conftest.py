import pytest
from django.core.management import call_command

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


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
