"""Typed scores and reasons: one grammar, every bad input with its Chinese message (the same table
runs in the browser: tests/browser/test_input_rules_in_browser.py)."""

import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from assessments.validation import MAX_REASON_LENGTH, clean_reason, messages, normalise_reason, parse_score
from tests.input_cases import REASON_CASES, SCORE_CASES, server_reason, server_score

CAP = Decimal("3")


@pytest.mark.parametrize(("typed", "cap", "outcome"), SCORE_CASES)
def test_it_reads_every_typed_score_by_one_grammar(typed, cap, outcome):
    assert server_score(typed, cap) == outcome


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9", "得分不能超过本项分值 3 分。"),
        ("-1", "得分不能为负数。"),
        ("0.3", "得分以 0.5 分为单位，例如 2 或 2.5。"),
        ("abc", "请输入数字，例如 3 或 2.5。"),
        ("NaN", "请输入数字，例如 3 或 2.5。"),
        ("1e30", "请输入数字，例如 3 或 2.5。"),
    ],
)
def test_it_refuses_bad_scores_with_a_chinese_message(raw, message):
    with pytest.raises(ValidationError) as error:
        parse_score(raw, CAP)
    assert error.value.messages == [message]


def test_it_speaks_the_current_language():
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            parse_score("9", CAP)
        english = messages()["over_cap"] % {"cap": "3"}
    assert error.value.messages == [english] == ["A score cannot exceed this item's cap of 3 points."]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), (2, Decimal("2")), (2.5, Decimal("2.5")), (Decimal("1.50"), Decimal("1.5")), (0, Decimal("0"))],
)
def test_it_takes_numbers_that_are_already_numbers(raw, expected):
    # An Excel cell holds a number, not text: no grammar to apply, the same bounds.
    assert parse_score(raw, CAP) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [(-1, "negative"), (-0.5, "negative"), (4, "over_cap"), (1e30, "over_cap"), (0.1, "half_point"),
     (float("nan"), "not_a_number"), (float("inf"), "not_a_number"), (True, "not_a_number")],
)
def test_it_bounds_numbers_that_are_already_numbers(raw, code):
    with pytest.raises(ValidationError) as error:
        parse_score(raw, CAP)
    assert error.value.code == code


def read_or_refusal(read: Callable[..., Any], *args: Any) -> tuple[Any, ValidationError | None]:
    """What `read` gives back, or the ValidationError it refused with, for properties that allow both."""
    try:
        return read(*args), None
    except ValidationError as error:
        return None, error


@given(st.text(max_size=25))
def test_whatever_it_accepts_is_a_half_point_within_the_cap(text):
    value, error = read_or_refusal(parse_score, text, CAP)
    if error is not None:
        assert error.code in {"not_a_number", "negative", "over_cap", "half_point"}
        assert error.messages[0] in {
            messages()["not_a_number"], messages()["negative"], messages()["over_cap"] % {"cap": "3"},
            messages()["half_point"]}
        return
    if value is not None:
        assert Decimal("0") <= value <= CAP
        assert value % Decimal("0.5") == 0
        assert parse_score(f"{value.normalize():f}", CAP) == value


@given(st.decimals(min_value=0, max_value=3, places=1))
def test_every_half_point_typed_plainly_or_in_full_width_is_read(value):
    text = f"{value:f}"
    expected_ok = value % Decimal("0.5") == 0
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in text)
    for typed in (text, full_width, f" +{text} ", text.replace(".", "，")):
        if expected_ok:
            assert parse_score(typed, CAP) == value
        else:
            with pytest.raises(ValidationError):
                parse_score(typed, CAP)


# --- Reasons -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "outcome"), REASON_CASES)
def test_it_cleans_every_reason_by_one_rule(typed, outcome):
    assert server_reason(typed) == outcome


def test_a_score_below_the_cap_needs_a_reason():
    with pytest.raises(ValidationError) as error:
        clean_reason("  ", Decimal("2"), CAP)
    assert error.value.messages == ["得分低于分值时，请填写扣分理由。"]
    assert clean_reason("", Decimal("3"), CAP) == ""
    assert clean_reason(" 缺少记录 ", Decimal("2"), CAP) == "缺少记录"
    # Direction controls are no reason.
    with pytest.raises(ValidationError):
        clean_reason("\u202e\u202c", Decimal("2"), CAP)


def test_a_reason_has_one_length_limit_with_one_message():
    with pytest.raises(ValidationError) as error:
        clean_reason("很" * (MAX_REASON_LENGTH + 1), Decimal("1"), CAP)
    assert error.value.messages == [f"扣分理由不能超过 {MAX_REASON_LENGTH} 个字。"]


def test_a_control_character_is_named_in_the_message():
    with pytest.raises(ValidationError) as error:
        clean_reason("响\x07铃", Decimal("1"), CAP)
    assert error.value.messages == ["扣分理由中有无法显示的控制字符（U+0007），请删除后再保存。"]


@given(st.text(max_size=40))
def test_a_cleaned_reason_is_clean_and_stays_as_it_is(text):
    reason, error = read_or_refusal(normalise_reason, text)
    if error is not None:
        assert error.code == "reason_control"
        assert any(unicodedata.category(char) == "Cc" and char not in "\n\t\r" for char in text)
        return
    assert "\r" not in reason
    assert reason == reason.strip()
    assert not any(char in reason for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    assert normalise_reason(reason) == reason
