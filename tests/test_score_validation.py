"""Typed scores: every bad input gets its Chinese message; good ones become half points."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.validation import clean_reason, parse_score

CAP = Decimal("3")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9", "得分不能超过本项分值 3 分。"),
        ("-1", "得分不能为负数。"),
        ("0.3", "得分以 0.5 分为单位"),
        ("abc", "请输入数字"),
        ("NaN", "请输入数字"),
        ("inf", "请输入数字"),
        ("1e30", "得分不能超过本项分值 3 分。"),
        ("2.25", "得分以 0.5 分为单位"),
        ("３x", "请输入数字"),
    ],
)
def test_it_refuses_bad_scores_with_a_chinese_message(raw, message):
    with pytest.raises(ValidationError) as error:
        parse_score(raw, CAP)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", Decimal("3")), ("2.5", Decimal("2.5")), (" 0 ", Decimal("0")), ("2.50", Decimal("2.5")),
     ("", None), (None, None), ("1，5", Decimal("1.5")), (2, Decimal("2"))],
)
def test_it_reads_good_scores(raw, expected):
    assert parse_score(raw, CAP) == expected


def test_a_score_below_the_cap_needs_a_reason():
    with pytest.raises(ValidationError) as error:
        clean_reason("  ", Decimal("2"), CAP)
    assert error.value.messages == ["得分低于分值时，请填写扣分理由。"]
    assert clean_reason("", Decimal("3"), CAP) == ""
    assert clean_reason(" 缺少记录 ", Decimal("2"), CAP) == "缺少记录"


def test_a_reason_has_a_length_limit():
    with pytest.raises(ValidationError):
        clean_reason("很" * 1001, Decimal("1"), CAP)
