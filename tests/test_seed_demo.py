import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from demo.accounts import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_accounts_and_prints_their_passwords(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.username in out and account.password in out
        assert Client().login(username=account.username, password=account.password)


def test_running_it_twice_changes_nothing():
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.count() == len(DEMO_ACCOUNTS)


def test_the_demo_admin_may_manage_versions():
    call_command("seed_demo")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.has_perm("indicators.change_indicatorsystem")
