import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from assessments.models import (
    Assessment,
    AssessmentState,
    ItemResult,
    Round,
    RoundState,
    Sheet,
    SheetKind,
    SheetState,
)
from demo.accounts import DEMO_ACCOUNTS
from orgs.models import Organization, OrgType
from orgs.scope import visible_organizations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outline(outline):
    return outline


def test_it_creates_the_demo_accounts_and_prints_their_passwords(capsys):
    call_command("seed_demo", years=0)
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.username in out and account.password in out
        response = Client().post(reverse("login"), {"username": account.username, "password": account.password})
        assert response.status_code == 302 and response["Location"] == reverse("home")


def test_running_it_twice_changes_nothing():
    call_command("seed_demo", years=0)
    call_command("seed_demo", years=0)
    assert get_user_model().objects.count() == len(DEMO_ACCOUNTS)


def test_the_demo_admin_may_manage_versions():
    call_command("seed_demo", years=0)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.has_perm("indicators.change_indicatorsystem")


def test_it_builds_a_dalian_tree_of_a_few_hundred_organizations_once():
    call_command("seed_demo", years=0)
    call_command("seed_demo", years=0)
    assert 200 <= Organization.objects.count() <= 600
    assert Organization.objects.filter(type=OrgType.DISTRICT).count() == 10
    assert Organization.objects.get(code="DL-ZS").name == "中山区委"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_it_grows_the_tree_to_the_size_asked_for():
    call_command("seed_demo", orgs=1500, years=0)
    assert Organization.objects.count() == 1500
    call_command("seed_demo", orgs=1500, years=0)
    assert Organization.objects.count() == 1500
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_the_demo_analysts_see_their_own_district_only():
    call_command("seed_demo", years=0)
    zs = get_user_model().objects.get(username="analyst_zs")
    visible = visible_organizations(zs)
    assert visible.filter(code="DL-ZS-S01-B001").exists()
    assert not visible.filter(code__startswith="DL-XG").exists()


def test_it_gives_every_demo_role_something_to_do():
    call_command("seed_demo", years=0)
    User = get_user_model()
    current = Round.objects.get(state=RoundState.OPEN)
    evaluator = User.objects.get(username="evaluator")
    drafts = Sheet.objects.filter(assessment__round=current, evaluator=evaluator, state=SheetState.DRAFT)
    assert drafts.filter(scored_count=0).exists() and drafts.filter(scored_count=32).exists()
    assert Assessment.objects.filter(round=current, state=AssessmentState.RETURNED).exists()
    reporter_unit = Organization.objects.get(code="DL-ZS-S01-B001")
    own = Sheet.objects.get(assessment__round=current, assessment__organization=reporter_unit, kind=SheetKind.SELF)
    assert own.state == SheetState.DRAFT and own.scored_count == 0
    approver = User.objects.get(username="approver")
    assert current.approvers.filter(pk=approver.pk).exists()
    assert Assessment.objects.filter(round=current, state=AssessmentState.SUBMITTED).exists()


def test_it_holds_three_years_of_approved_assessments_that_add_up():
    call_command("seed_demo")
    closed = Round.objects.filter(state=RoundState.CLOSED)
    assert closed.count() == 3
    for assessment in Assessment.objects.filter(round__in=closed)[:50]:
        assert assessment.state == AssessmentState.APPROVED
        assert assessment.total == ItemResult.objects.filter(assessment=assessment).aggregate(s=Sum("score"))["s"]
    call_command("seed_demo")
    assert Round.objects.count() == 4
