"""One table of typed scores and reasons, with the outcome the rules of assessments/validation.py
give each: run through the server in tests/assessments/test_validation.py and through the browser's
KaopingPoints in tests/browser/test_input_rules_in_browser.py."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from assessments.validation import clean_reason, normalise_reason, parse_score

# (typed, cap, outcome): ("ok", points as text), ("empty", "") or ("error", code).
SCORE_CASES: list[tuple[str, str, tuple[str, str]]] = [
    ("3", "3", ("ok", "3")),
    ("2.5", "3", ("ok", "2.5")),
    ("+2", "3", ("ok", "2")),
    (".5", "3", ("ok", "0.5")),
    ("2.", "3", ("ok", "2")),
    ("２．５", "3", ("ok", "2.5")),
    ("２.５", "3", ("ok", "2.5")),
    ("＋２", "3", ("ok", "2")),
    ("2，5", "3", ("ok", "2.5")),
    ("2,5", "3", ("ok", "2.5")),
    ("2。5", "3", ("ok", "2.5")),
    ("2｡5", "3", ("ok", "2.5")),
    (" 3 ", "3", ("ok", "3")),
    ("\u30003\u3000", "3", ("ok", "3")),
    ("\xa02\t", "3", ("ok", "2")),
    ("\u20282.5\u2029", "3", ("ok", "2.5")),
    ("\x852\x1f", "3", ("ok", "2")),
    ("0", "3", ("ok", "0")),
    ("000", "3", ("ok", "0")),
    ("2.50", "3", ("ok", "2.5")),
    ("02.5000", "3", ("ok", "2.5")),
    ("10", "10", ("ok", "10")),
    ("0.5", "0.5", ("ok", "0.5")),
    ("⒉", "3", ("ok", "2")),
    ("", "3", ("empty", "")),
    ("   ", "3", ("empty", "")),
    ("\u3000", "3", ("empty", "")),
    ("-1", "3", ("error", "negative")),
    ("-0", "3", ("error", "negative")),
    ("-.5", "3", ("error", "negative")),
    ("－２", "3", ("error", "negative")),
    (" -2.5 ", "3", ("error", "negative")),
    ("-", "3", ("error", "not_a_number")),
    ("-abc", "3", ("error", "not_a_number")),
    ("--1", "3", ("error", "not_a_number")),
    ("-+1", "3", ("error", "not_a_number")),
    ("+-1", "3", ("error", "not_a_number")),
    ("++1", "3", ("error", "not_a_number")),
    ("+", "3", ("error", "not_a_number")),
    (".", "3", ("error", "not_a_number")),
    ("+.", "3", ("error", "not_a_number")),
    ("2..5", "3", ("error", "not_a_number")),
    ("1.2.3", "3", ("error", "not_a_number")),
    ("1e0", "3", ("error", "not_a_number")),
    ("1E0", "3", ("error", "not_a_number")),
    ("1e30", "3", ("error", "not_a_number")),
    ("1_0", "3", ("error", "not_a_number")),
    ("abc", "3", ("error", "not_a_number")),
    ("很好", "3", ("error", "not_a_number")),
    ("٣", "3", ("error", "not_a_number")),
    ("३", "3", ("error", "not_a_number")),
    ("𝟑", "3", ("error", "not_a_number")),
    ("0x1", "3", ("error", "not_a_number")),
    ("Infinity", "3", ("error", "not_a_number")),
    ("inf", "3", ("error", "not_a_number")),
    ("NaN", "3", ("error", "not_a_number")),
    ("3分", "3", ("error", "not_a_number")),
    ("３x", "3", ("error", "not_a_number")),
    ("2 5", "3", ("error", "not_a_number")),
    ("1/2", "3", ("error", "not_a_number")),
    ("½", "3", ("error", "not_a_number")),
    ("\u202e3", "3", ("error", "not_a_number")),
    ("3\x00", "3", ("error", "not_a_number")),
    ("9", "3", ("error", "over_cap")),
    ("3.5", "3", ("error", "over_cap")),
    ("3.25", "3", ("error", "over_cap")),
    ("3.0000000000000001", "3", ("error", "over_cap")),
    ("99999999999999999999", "3", ("error", "over_cap")),
    ("1", "0.5", ("error", "over_cap")),
    ("2.5", "2", ("error", "over_cap")),
    ("3.25", "5", ("error", "half_point")),
    ("0.3", "3", ("error", "half_point")),
    ("2.25", "3", ("error", "half_point")),
    ("2.5000000000000001", "3", ("error", "half_point")),
    ("0.05", "3", ("error", "half_point")),
]

# (typed reason, outcome): ("ok", what is stored) or ("error", code).
REASON_CASES: list[tuple[str, tuple[str, str]]] = [
    ("缺少记录", ("ok", "缺少记录")),
    ("  缺少记录\n", ("ok", "缺少记录")),
    ("第一行\r\n第二行", ("ok", "第一行\n第二行")),
    ("第一行\r第二行", ("ok", "第一行\n第二行")),
    ("有\t制表符", ("ok", "有\t制表符")),
    ("\u202e录记少缺\u202c", ("ok", "录记少缺")),
    ("a\u2066b\u2069\u200e\u200f\u061cc\u202a\u202b\u202d\u2067\u2068", ("ok", "abc")),
    ("\u3000全角空格\u3000", ("ok", "全角空格")),
    ("😀表情", ("ok", "😀表情")),
    ("响\x07铃", ("error", "reason_control")),
    ("空\x00字符", ("error", "reason_control")),
    ("\x1b[31m红", ("error", "reason_control")),
    ("\x85下一行", ("error", "reason_control")),
    ("\x0b", ("error", "reason_control")),
    ("很" * 1000, ("ok", "很" * 1000)),
    ("很" * 1001, ("error", "reason_too_long")),
    (" " + "很" * 1000 + "\n", ("ok", "很" * 1000)),
    ("很" * 999 + "\r\n" + "很", ("error", "reason_too_long")),
    ("很" * 998 + "\r\n" + "很", ("ok", "很" * 998 + "\n" + "很")),
    ("\u202e" * 5 + "很" * 1000, ("ok", "很" * 1000)),
    ("😀" * 1000, ("ok", "😀" * 1000)),
]


def server_score(typed: object, cap: str) -> tuple[str, str]:
    try:
        value = parse_score(typed, Decimal(cap))
    except ValidationError as error:
        return ("error", error.code or "")
    if value is None:
        return ("empty", "")
    return ("ok", f"{value.normalize():f}")


def server_score_message(typed: object, cap: str) -> str:
    try:
        parse_score(typed, Decimal(cap))
    except ValidationError as error:
        return error.messages[0]
    return ""


def server_reason(typed: str) -> tuple[str, str]:
    """The reason's own checks (as for an unscored item: a required reason is the score's business)."""
    try:
        return ("ok", clean_reason(typed, None, Decimal("1")))
    except ValidationError as error:
        return ("error", error.code or "")


def server_reason_length(typed: str) -> int | None:
    try:
        return len(normalise_reason(typed))
    except ValidationError:
        return None


def server_reason_message(typed: str) -> str:
    try:
        clean_reason(typed, None, Decimal("1"))
    except ValidationError as error:
        return error.messages[0]
    return ""
