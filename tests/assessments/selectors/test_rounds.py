"""Reads of the round pages that carry a rule: the edition a new round is offered, the round it
carries over, who scores in a round, and how many take part."""

from __future__ import annotations

import pytest

from assessments.selectors.rounds import newest_edition, participant_count, previous_round, scores_in_round
from indicators.models import IndicatorSystem
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, build_draft, make_round, publish, user_with_role

pytestmark = pytest.mark.django_db


def draft_of(year: int) -> IndicatorSystem:
    system = build_draft(categories=1, items_per_category=2)
    system.year = year
    system.save()
    return system


def test_a_new_round_is_offered_the_newest_published_edition(outline):
    draft_of(2030)  # newer, but a draft: no round may use it
    older = publish(draft_of(2020))

    assert newest_edition() == older


def test_of_two_editions_of_one_year_the_later_published_is_newest(outline):
    first = publish(draft_of(2024))
    second = publish(draft_of(2024))

    assert first.published_at <= second.published_at
    assert newest_edition() == second


def test_without_a_published_edition_none_is_offered(db):
    draft_of(2026)

    assert newest_edition() is None


@pytest.mark.parametrize("raw", ["", "abc", "1.0", " 1", "-1", "999999"])
def test_a_previous_round_that_is_not_a_rounds_id_is_none(outline, raw):
    make_round(outline)

    assert previous_round(raw) is None


def test_the_previous_round_is_found_by_its_id(outline):
    round = make_round(outline)

    assert previous_round(str(round.pk)) == round


def test_the_participant_count_is_the_rounds_own(outline):
    round = make_round(outline)
    other = make_round(outline, title="另一批次")
    evaluator = user_with_role(Role.EVALUATOR)
    for code in ("P-1", "P-2"):
        assign(round, OrganizationFactory(code=code), evaluator)
    assign(other, OrganizationFactory(code="P-3"), evaluator)

    assert participant_count(round) == 2
    assert participant_count(other) == 1


def test_an_evaluator_scores_in_the_rounds_that_give_them_a_sheet(outline):
    round = make_round(outline)
    other = make_round(outline, title="另一批次")
    unit = OrganizationFactory(code="S-1")
    evaluator = user_with_role(Role.EVALUATOR)
    assign(round, unit, evaluator)
    assign(other, unit, user_with_role(Role.EVALUATOR))
    reporter = user_with_role(Role.REPORTER, unit)

    assert scores_in_round(evaluator, round) is True
    assert scores_in_round(evaluator, other) is False
    # The unit's reporter holds its self-assessment sheet, which is not a review.
    assert scores_in_round(reporter, round) is False
