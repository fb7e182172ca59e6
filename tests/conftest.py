import pytest
from django.core.management import call_command
from django.test import Client

from indicators.models import IndicatorSystem
from tests.factories import AdminFactory, UserFactory
from tests.worlds import clear_queue, logged_in, run_jobs


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
def user_client(user) -> Client:
    return logged_in(user)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return logged_in(admin_user)


@pytest.fixture
def jobs(db):
    """`jobs()` runs every background task sent so far, in this process, with the configured
    backend's worker (the database, or Redis under TASKS_BACKEND=rq)."""
    clear_queue()
    yield run_jobs
    clear_queue()
