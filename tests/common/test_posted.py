"""Ids sent as text (common.posted.posted_id): a plain decimal key, or nothing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.posted import MAX_ID, posted_id


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12),
    (str(MAX_ID), MAX_ID),
    ("007", 7),
])
def test_it_reads_a_plain_decimal_id(raw, expected):
    assert posted_id(raw) == expected


@pytest.mark.parametrize("raw", [
    None, "", "0", "-1", "+1", " 1", "1.0", "1e3", "abc",
    "²",      # a digit to str.isdigit, refused by int()
    "１２",    # full-width digits, which int() would read
    "١٢",     # Arabic-Indic digits, likewise
    str(MAX_ID + 1),                 # one past a bigint: PostgreSQL would refuse the query
    "99999999999999999999999999",
    12,                              # not text at all
])
def test_anything_else_is_no_id(raw):
    assert posted_id(raw) is None


@given(st.text(max_size=30))
def test_it_never_raises_and_answers_a_key_a_bigint_holds(raw):
    value = posted_id(raw)
    assert value is None or 0 < value <= MAX_ID
