"""The merge rule on its own: one field, base against mine against theirs."""

from decimal import Decimal

import pytest

from assessments.threeway import REASON, SCORE, UNKNOWN, Edit, merge

S, R = (1, SCORE), (1, REASON)


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "writes", "conflicts", "others"),
    [
        (Decimal("2"), Decimal("2"), Decimal("3"), {}, [], [S]),  # untouched: theirs stays
        (Decimal("2"), Decimal("1"), Decimal("2"), {S: Decimal("1")}, [], []),  # only mine
        (Decimal("2"), Decimal("1"), Decimal("3"), {}, [S], [S]),  # both: conflict
        (Decimal("2"), Decimal("1"), Decimal("1.0"), {}, [], [S]),  # both, the same value
        (None, Decimal("1"), None, {S: Decimal("1")}, [], []),  # first score
        (UNKNOWN, Decimal("1"), Decimal("1"), {}, [], [S]),  # no base, same as stored: nothing
        (UNKNOWN, Decimal("1"), Decimal("2"), {}, [S], [S]),  # no base, differs: ask
    ],
)
def test_it_decides_each_score_field(base, mine, theirs, writes, conflicts, others):
    result = merge({S: Edit(base, mine)}, {S: theirs})
    assert (result.writes, result.conflicts, result.others) == (writes, conflicts, others)


def test_it_treats_line_breaks_and_outer_spaces_of_a_reason_as_the_same_text():
    result = merge({R: Edit("甲\r\n乙 ", "甲\n乙")}, {R: "甲\n乙"})
    assert (result.writes, result.conflicts, result.others) == ({}, [], [])


def test_a_field_missing_from_the_stored_values_is_empty():
    result = merge({S: Edit(None, Decimal("3")), R: Edit("", "理由")}, {})
    assert result.writes == {S: Decimal("3"), R: "理由"}
