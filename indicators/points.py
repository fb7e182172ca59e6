"""Points: how a typed number of points is read, the half-point rule, and how points print.

One grammar for every number of points a person types, a score or a cap (static/js/points.js
mirrors every step; the same table of inputs, tests/input_cases.py, is run through both in
tests/assessments/test_validation.py and tests/browser/test_input_rules_in_browser.py, and
through this grammar alone in tests/indicators/test_points.py):
  1. any character outside the Basic Multilingual Plane → not a number. (Nobody types points in
     them, and Unicode keeps adding compatibility digits there, which a browser newer than this
     Python would normalise differently.)
  2. NFKC: full-width digits, signs and spaces become ASCII (２．５ → 2.5, ＋ → +, U+3000 → space);
  3. "，" "。" "．" and "," are decimal points (after NFKC all of them are "," "。" or ".");
  4. leading and trailing whitespace is dropped (Python's str.isspace set, spelled out in points.js);
  5. empty → no number (an item not scored yet; a cap left out);
  6. ^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$ in ASCII digits only → a number: "3", "+2", ".5", "2.";
     "-" followed by such a number (without "+") → "negative"; anything else → "not a number"
     ("1e0", "1_0", "٣", "0x1", "Infinity", "NaN", "2..5", "-", "-abc");
  7. above the cap, when there is one → "over cap"; then not a multiple of 0.5 → "half point".
Numbers that are already numbers (an Excel cell) skip steps 1–6: NaN and infinities are not a
number, below 0 is negative.

A refusal is a `PointsError` whose code names the step; a score's messages are
assessments.validation's, a cap's are `parse_cap`'s. The database repeats the half-point rule as
a CheckConstraint on every stored cap and score, each built from `in_half_points`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext as _

HALF = Decimal("0.5")
# The largest half points the columns hold: Item.cap has max_digits=5, an edition's total 6
# (both with one decimal place).
MAX_CAP = Decimal("9999.5")
MAX_TOTAL = Decimal("99999.5")

_NUMBER = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NEGATIVE = re.compile(r"-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DECIMAL_POINTS = str.maketrans({",": ".", "。": "."})


class PointsError(ValueError):
    """A number of points refused; `code` is "not_a_number", "negative", "over_cap" or "half_point"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_points_text(text: str) -> str:
    """Steps 2–4 above: what the grammar of step 6 is matched against."""
    return unicodedata.normalize("NFKC", text).translate(_DECIMAL_POINTS).strip()


def read_points(raw: object) -> Decimal | None:
    """Steps 1–6 for text, the bounds of a number for a number; None for no number at all."""
    if raw is None:
        return None
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise PointsError("not_a_number") from None
        if not value.is_finite():
            raise PointsError("not_a_number")
        if value < 0:
            raise PointsError("negative")
        return value
    text = str(raw)
    if any(ord(char) > 0xFFFF for char in text):
        raise PointsError("not_a_number")
    text = normalise_points_text(text)
    if text == "":
        return None
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    if _NEGATIVE.fullmatch(text):
        raise PointsError("negative")
    raise PointsError("not_a_number")


def is_half_point(value: Decimal) -> bool:
    """Whole or half points. Exact for any length: `(value * 2) % 1` makes decimal raise past 28 digits."""
    return value.is_finite() and (2 * Fraction(value)).denominator == 1


def in_half_points(field: str) -> Q:
    """`is_half_point` as a database condition on `field`, for the CheckConstraint of every stored
    cap, total and score: twice the value is whole exactly when rounding it changes nothing."""
    return Q(**{field: Round(F(field) * 2) / 2})


def parse_points(raw: object, *, cap: Decimal | None = None) -> Decimal | None:
    """Points in steps of 0.5, at most `cap` when there is one; None for an empty input."""
    value = read_points(raw)
    if value is None:
        return None
    if cap is not None and value > cap:
        raise PointsError("over_cap")
    if not is_half_point(value):
        raise PointsError("half_point")
    return value


def cap_refusal(code: str, *, upper: Decimal = MAX_CAP) -> ValidationError:
    """What is said of a cap or a total refused at `code` (one of parse_cap's codes)."""
    messages = {
        "required": _("请填写分值。"),
        "not_a_number": _("请填写一个数字，例如 3 或 2.5。"),
        "not_positive": _("分值必须大于 0。"),
        "half_point": _("分值必须是 0.5 的整数倍。"),
        "too_large": _("分值不能超过 %(max)s。") % {"max": format_points(upper)},
    }
    return ValidationError(messages[code], code=code)


def parse_cap(raw: object, *, upper: Decimal = MAX_CAP) -> Decimal:
    """A cap or an edition's total: the grammar above, more than 0, half points, at most `upper`.

    Refused with a ValidationError coded "required", "not_a_number", "not_positive",
    "half_point" or "too_large", checked in that order.
    """
    try:
        value = parse_points(raw)
    except PointsError as refused:
        raise cap_refusal("not_positive" if refused.code == "negative" else refused.code, upper=upper) from None
    if value is None:
        raise cap_refusal("required", upper=upper)
    if value <= 0:
        raise cap_refusal("not_positive", upper=upper)
    if value > upper:
        raise cap_refusal("too_large", upper=upper)
    return value


def format_points(value: object) -> str:
    """Points as the outline prints them: 3, 2.5, 100 — never 3.0 — and merged means to the
    cent (99.75), whatever the database returns."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
