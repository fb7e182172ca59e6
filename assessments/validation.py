"""Reading a typed score and a deduction reason: one rule for the form, the Excel upload, the
services and the browser (static/js/points.js mirrors every step; the same table of inputs is run
through both in tests/assessments/test_validation.py and tests/browser/test_input_rules_in_browser.py).

A typed score is read by the one grammar of points, `indicators.points.parse_points`, with the
item's cap; its docstring numbers the steps:
  1. outside the Basic Multilingual Plane → not a number; 2. NFKC; 3. "，" "。" "．" "," are
  decimal points; 4. whitespace trimmed; 5. empty → no score (the item is not scored yet);
  6. ^\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$ → a number, "-" and such a number → "negative",
  anything else → "not a number";
  7. above the item's cap → "over cap"; then not a multiple of 0.5 → "half point".
Numbers that are already numbers (an Excel cell) skip steps 1–6. This module gives each refusal
its message.

A reason: "\\r\\n" and a lone "\\r" become "\\n"; bidirectional embedding, override and isolate
characters and the LRM/RLM/ALM marks are removed (they can make a reason display reversed);
any other control character (category Cc, except "\\n" and "\\t") is refused; then the reason is
trimmed, and its length is counted in code points, at most MAX_REASON_LENGTH. What is stored is
exactly that cleaned text.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.points import PointsError, format_points, parse_points

# One typed number; the form's max_length and the input's maxlength attribute.
SCORE_MAX_LENGTH = 20
MAX_REASON_LENGTH = 1000

_BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc, less \n and \t (\r is gone by then)


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


def parse_score(raw: object, cap: Decimal) -> Decimal | None:
    """A score between 0 and the cap in steps of 0.5, or None for an item not yet scored."""
    try:
        value = parse_points(raw, cap=cap)
    except PointsError as refused:
        values = {"cap": format_points(cap)} if refused.code == "over_cap" else {}
        raise _refuse(refused.code, **values) from None
    return None if value is None else value.quantize(Decimal("0.1"))


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
