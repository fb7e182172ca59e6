"""The reports start page's rounds: those holding an assessment in the reader's scope, newest first."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from orgs.models import Role
from reports.selectors.rounds import report_rounds
from tests.factories import OrganizationFactory, assign, make_round, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(outline):
    zhongshan = OrganizationFactory(code="ZS", name="中山区委")
    xigang = OrganizationFactory(code="XG", name="西岗区委")
    evaluator = user_with_role(Role.EVALUATOR)
    older = make_round(outline, year=2025, title="2025年度考评")
    newer = make_round(outline, year=2026, title="2026年度考评")
    elsewhere = make_round(outline, year=2027, title="2027年度考评")
    make_round(outline, year=2028, title="2028年度考评")  # no participants at all
    unit = OrganizationFactory(parent=zhongshan, code="ZS-1")
    assign(older, unit, evaluator)
    assign(newer, unit, evaluator)
    assign(elsewhere, OrganizationFactory(parent=xigang, code="XG-1"), evaluator)
    return {"zhongshan": zhongshan, "older": older, "newer": newer, "elsewhere": elsewhere}


def test_an_analyst_gets_the_rounds_of_their_subtree_newest_first(rounds):
    analyst = user_with_role(Role.ANALYST, rounds["zhongshan"])

    assert list(report_rounds(analyst)) == [rounds["newer"], rounds["older"]]


def test_an_admin_gets_every_round_that_has_participants(rounds):
    admin = user_with_role(Role.ADMIN)

    assert list(report_rounds(admin)) == [rounds["elsewhere"], rounds["newer"], rounds["older"]]


def test_the_rounds_come_with_their_edition_in_one_query(rounds, django_assert_num_queries):
    admin = user_with_role(Role.ADMIN)
    list(report_rounds(admin))  # the role is read once per request, then kept

    with django_assert_num_queries(1):
        titles = {round.indicator_system.title for round in report_rounds(admin)}

    assert len(titles) == 1


def test_anyone_but_admins_and_analysts_is_refused(rounds):
    with pytest.raises(PermissionDenied):
        report_rounds(user_with_role(Role.EVALUATOR))
