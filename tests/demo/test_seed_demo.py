import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
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
from demo.accounts import DEMO_ACCOUNTS, DemoAccountsRefused, ensure_demo_accounts
from orgs.models import Organization, OrgType
from orgs.scope import visible_organizations
from tests.worlds import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outline(outline, settings):
    # The demo is a development tool: these tests run it as `make run` does, with DEBUG on.
    settings.DEBUG = True
    return outline


def test_it_refuses_with_debug_off_and_creates_nothing(settings, capsys):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", years=0)
    message = str(refused.value)
    assert "\n" not in message
    assert "DEBUG" in message
    assert "--demo" in message
    assert "createsuperuser" in message
    assert not get_user_model().objects.exists()
    assert not Organization.objects.exists()
    assert "kaoping-admin" not in capsys.readouterr().out


def test_it_refuses_demo_accounts_to_every_caller_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(DemoAccountsRefused):
        ensure_demo_accounts()
    assert not get_user_model().objects.exists()


def test_it_creates_the_demo_with_debug_off_when_asked_with_demo_and_warns(settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo", years=0, demo=True)
    captured = capsys.readouterr()
    assert "警告" in captured.err
    assert "--demo" in captured.err
    assert "admin" in captured.err
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()
    assert "kaoping-admin" in captured.out


def test_it_does_not_warn_under_debug(capsys):
    call_command("seed_demo", years=0)
    assert "警告" not in capsys.readouterr().err
    assert get_user_model().objects.count() == len(DEMO_ACCOUNTS)


def test_it_creates_the_demo_accounts_and_prints_their_passwords(capsys):
    call_command("seed_demo", years=0)
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        assert account.username in out
        assert account.password in out
        response = Client().post(reverse("login"), {"username": account.username, "password": account.password})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")


def test_running_it_twice_changes_nothing():
    call_command("seed_demo", years=0)
    call_command("seed_demo", years=0)
    assert get_user_model().objects.count() == len(DEMO_ACCOUNTS)


def test_the_demo_admin_may_manage_versions():
    call_command("seed_demo", years=0)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.has_perm("indicators.change_indicatorsystem")


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
    assert drafts.filter(scored_count=0).exists()
    assert drafts.filter(scored_count=32).exists()
    assert Assessment.objects.filter(round=current, state=AssessmentState.RETURNED).exists()
    reporter_unit = Organization.objects.get(code="DL-ZS-S01-B001")
    own = Sheet.objects.get(assessment__round=current, assessment__organization=reporter_unit, kind=SheetKind.SELF)
    assert own.state == SheetState.DRAFT
    assert own.scored_count == 0
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


def test_it_completes_existing_rounds_when_the_tree_grew_and_then_writes_nothing():
    call_command("seed_demo", years=1)
    closed = Round.objects.get(state=RoundState.CLOSED)
    before = Assessment.objects.filter(round=closed).count()
    call_command("seed_demo", orgs=400, years=1)
    participants = Organization.objects.filter(depth__gt=1, is_active=True).count()
    assert Organization.objects.count() == 400
    assert Assessment.objects.filter(round=closed).count() == participants > before
    added = Assessment.objects.filter(round=closed, organization__code__startswith="DLX-")
    assert added.count() == participants - before
    for assessment in added.order_by("?")[:20]:
        assert assessment.state == AssessmentState.APPROVED
        assert assessment.total == ItemResult.objects.filter(assessment=assessment).aggregate(s=Sum("score"))["s"]
        review = Sheet.objects.get(assessment=assessment, kind=SheetKind.REVIEW)
        assert review.total == assessment.total
        assert review.scores.count() == 32
        assert Sheet.objects.filter(assessment=assessment, kind=SheetKind.SELF).exists()
    counts = (Assessment.objects.count(), Sheet.objects.count(), ItemResult.objects.count())
    call_command("seed_demo", orgs=400, years=1)
    assert (Assessment.objects.count(), Sheet.objects.count(), ItemResult.objects.count()) == counts


def test_manage_py_refuses_it_in_production_in_one_line(tmp_path):
    database = tmp_path / "production.sqlite3"
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY=secrets.token_urlsafe(50),
                       ALLOWED_HOSTS="kaoping.example.cn", DATABASE_URL=f"sqlite:///{database}")
    result = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "DEBUG" in result.stderr
    assert "kaoping-admin" not in result.stdout
    assert not database.exists()
