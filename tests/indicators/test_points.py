"""The one grammar of points (indicators.points): scores and caps are read alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.points import MAX_CAP, MAX_TOTAL, PointsError, is_half_point, parse_cap, parse_points
from tests.input_cases import SCORE_CASES

HUGE = "1" + "0" * 40


def points_outcome(typed: str, cap: str) -> tuple[str, str]:
    try:
        value = parse_points(typed, cap=Decimal(cap))
    except PointsError as error:
        return ("error", error.code)
    return ("empty", "") if value is None else ("ok", f"{value.normalize():f}")


@pytest.mark.parametrize(("typed", "cap", "outcome"), SCORE_CASES)
def test_it_reads_the_score_table_as_the_score_rules_do(typed, cap, outcome):
    assert points_outcome(typed, cap) == outcome


def refusal(raw: object, *, upper: Decimal = MAX_CAP) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        parse_cap(raw, upper=upper)
    return refused.value.code or "", refused.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("3", "3"), ("２．５", "2.5"), ("2,5", "2.5"), ("2，5", "2.5"), (" +0.5 ", "0.5"), ("9999.5", "9999.5"), (4, "4")],
)
def test_a_cap_is_read_by_the_grammar_of_scores(typed, expected):
    assert parse_cap(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("", "required", "请填写分值。"),
        ("\u3000", "required", "请填写分值。"),
        ("abc", "not_a_number", "请填写一个数字，例如 3 或 2.5。"),
        ("1e1", "not_a_number", "请填写一个数字，例如 3 或 2.5。"),
        ("Infinity", "not_a_number", "请填写一个数字，例如 3 或 2.5。"),
        ("0", "not_positive", "分值必须大于 0。"),
        ("-1", "not_positive", "分值必须大于 0。"),
        ("-1.3", "not_positive", "分值必须大于 0。"),
        ("1.3", "half_point", "分值必须是 0.5 的整数倍。"),
        # The half-point rule is told before the bound, as the editor always told it.
        ("10000.3", "half_point", "分值必须是 0.5 的整数倍。"),
        (HUGE + ".3", "half_point", "分值必须是 0.5 的整数倍。"),
        ("10000", "too_large", "分值不能超过 9999.5。"),
        (HUGE, "too_large", "分值不能超过 9999.5。"),
    ],
)
def test_a_cap_is_refused_at_the_first_rule_it_breaks(typed, code, message):
    assert refusal(typed) == (code, message)


def test_an_editions_total_has_its_own_bound():
    assert parse_cap("99999.5", upper=MAX_TOTAL) == Decimal("99999.5")
    assert refusal("100000", upper=MAX_TOTAL) == ("too_large", "分值不能超过 99999.5。")


def test_the_half_point_rule_is_exact_at_any_length():
    assert is_half_point(Decimal(HUGE))
    assert is_half_point(Decimal(HUGE + ".5"))
    assert not is_half_point(Decimal(HUGE + ".3"))
    assert not is_half_point(Decimal("0.5000000000000000000000000000001"))
    assert not is_half_point(Decimal("NaN"))
    assert not is_half_point(Decimal("Infinity"))

