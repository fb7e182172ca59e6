import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from demo.accounts import DEMO_ACCOUNTS
from orgs.models import Organization, OrgType
from orgs.scope import visible_organizations

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_accounts_and_prints_their_passwords(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.username in out and account.password in out
        response = Client().post(reverse("login"), {"username": account.username, "password": account.password})
        assert response.status_code == 302 and response["Location"] == reverse("home")


def test_running_it_twice_changes_nothing():
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.count() == len(DEMO_ACCOUNTS)


def test_the_demo_admin_may_manage_versions():
    call_command("seed_demo")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.has_perm("indicators.change_indicatorsystem")


def test_it_builds_a_dalian_tree_of_a_few_hundred_organizations_once():
    call_command("seed_demo")
    call_command("seed_demo")
    assert 200 <= Organization.objects.count() <= 600
    assert Organization.objects.filter(type=OrgType.DISTRICT).count() == 10
    assert Organization.objects.get(code="DL-ZS").name == "中山区委"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_it_grows_the_tree_to_the_size_asked_for():
    call_command("seed_demo", orgs=1500)
    assert Organization.objects.count() == 1500
    call_command("seed_demo", orgs=1500)
    assert Organization.objects.count() == 1500
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_the_demo_analysts_see_their_own_district_only():
    call_command("seed_demo")
    zs = get_user_model().objects.get(username="analyst_zs")
    visible = visible_organizations(zs)
    assert visible.filter(code="DL-ZS-S01-B001").exists()
    assert not visible.filter(code__startswith="DL-XG").exists()
