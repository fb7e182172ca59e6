"""Reading a typed score and a deduction reason: one rule for the form, the Excel upload, the
services and the browser (static/js/points.js mirrors every step below; the same table of inputs
is run through both in tests/test_score_validation.py and tests/browser/test_input_rules_in_browser.py).

A typed score, step by step:
  1. any character outside the Basic Multilingual Plane → not a number. (Nobody types a score in
     them, and Unicode keeps adding compatibility digits there, which a browser newer than this
     Python would normalise differently.)
  2. NFKC: full-width digits, signs and spaces become ASCII (２．５ → 2.5, ＋ → +, U+3000 → space);
  3. "，" "。" "．" and "," are decimal points (after NFKC all of them are "," "。" or ".");
  4. leading and trailing whitespace is dropped (Python's str.isspace set, spelled out in points.js);
  5. empty → no score (the item is not scored yet);
  6. ^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$ in ASCII digits only → a number: "3", "+2", ".5", "2.";
     "-" followed by such a number (without "+") → "negative"; anything else → "not a number"
     ("1e0", "1_0", "٣", "0x1", "Infinity", "NaN", "2..5", "-", "-abc");
  7. above the item's cap → "over cap"; then not a multiple of 0.5 → "half point".
Numbers that are already numbers (an Excel cell) skip steps 1–6.

A reason: "\\r\\n" and a lone "\\r" become "\\n"; bidirectional embedding, override and isolate
characters and the LRM/RLM/ALM marks are removed (they can make a reason display reversed);
any other control character (category Cc, except "\\n" and "\\t") is refused; then the reason is
trimmed, and its length is counted in code points, at most MAX_REASON_LENGTH. What is stored is
exactly that cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.points import format_points

# One typed number; the form's max_length and the input's maxlength attribute.
SCORE_MAX_LENGTH = 20
MAX_REASON_LENGTH = 1000

_NUMBER = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NEGATIVE = re.compile(r"-(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DECIMAL_POINTS = str.maketrans({",": ".", "。": "."})
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc, less \n and \t (\r is gone by then)
HALF = Decimal("0.5")


def messages() -> dict[str, str]:
    """Every message of these rules in the current language, placeholders unfilled.

    The score page hands this very dict to the browser, so a live warning is the server's text.
    """
    return {
        "not_a_number": _("请输入数字，例如 3 或 2.5。"),
        "negative": _("得分不能为负数。"),
        "over_cap": _("得分不能超过本项分值 %(cap)s 分。"),
        "half_point": _("得分以 0.5 分为单位，例如 2 或 2.5。"),
        "reason_too_long": _("扣分理由不能超过 %(limit)s 个字。"),
        "reason_control": _("扣分理由中有无法显示的控制字符（%(char)s），请删除后再保存。"),
        "reason_required": _("得分低于分值时，请填写扣分理由。"),
    }


def browser_rules() -> dict[str, object]:
    return {"messages": messages(), "maxReasonLength": MAX_REASON_LENGTH}


def _refuse(code: str, **values: object) -> ValidationError:
    text = messages()[code]
    return ValidationError(text % values if values else text, code=code)


def normalise_score_text(text: str) -> str:
    """Steps 2–4 above: what the grammar of step 6 is matched against."""
    return unicodedata.normalize("NFKC", text).translate(_DECIMAL_POINTS).strip()


def _read_number(text: str) -> Decimal | None:
    if any(ord(char) > 0xFFFF for char in text):
        raise _refuse("not_a_number")
    text = normalise_score_text(text)
    if text == "":
        return None
    if _NUMBER.fullmatch(text):
        return Decimal(text)
    if _NEGATIVE.fullmatch(text):
        raise _refuse("negative")
    raise _refuse("not_a_number")


def parse_score(raw: object, cap: Decimal) -> Decimal | None:
    """A score between 0 and the cap in steps of 0.5, or None for an item not yet scored."""
    if raw is None:
        return None
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise _refuse("not_a_number") from None
        if not value.is_finite():
            raise _refuse("not_a_number")
        if value < 0:
            raise _refuse("negative")
    else:
        read = _read_number(str(raw))
        if read is None:
            return None
        value = read
    if value > cap:
        raise _refuse("over_cap", cap=format_points(cap))
    if value % HALF != 0:
        raise _refuse("half_point")
    return value.quantize(Decimal("0.1"))


def _unified(raw: object) -> str:
    text = "" if raw is None else str(raw)
    return _BIDI_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def reason_text(raw: object) -> str:
    """A reason as it is stored and compared: one kind of newline, no direction controls, trimmed."""
    return _unified(raw).strip()


def normalise_reason(raw: object) -> str:
    """The reason as stored, before its checks; refuses control characters, trimmed or not."""
    text = _unified(raw)
    control = _CONTROL.search(text)
    if control:
        raise _refuse("reason_control", char=f"U+{ord(control.group()):04X}")
    return text.strip()


def clean_reason(raw: object, score: Decimal | None, cap: Decimal) -> str:
    reason = normalise_reason(raw)
    if len(reason) > MAX_REASON_LENGTH:
        raise _refuse("reason_too_long", limit=MAX_REASON_LENGTH)
    if score is not None and score < cap and not reason:
        raise _refuse("reason_required")
    return reason
