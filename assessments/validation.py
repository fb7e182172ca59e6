"""Reading a typed score, the same way for the form, the Excel upload and the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.points import format_points

MAX_REASON_LENGTH = 1000


def parse_score(raw: object, cap: Decimal) -> Decimal | None:
    """A score between 0 and the cap in steps of 0.5, or None for an item not yet scored."""
    if raw is None:
        return None
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = str(raw).strip().replace("，", ".").replace("．", ".")
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("请输入数字，例如 3 或 2.5。"), code="not_a_number") from None
    if not value.is_finite():
        raise ValidationError(_("请输入数字，例如 3 或 2.5。"), code="not_a_number")
    if value < 0:
        raise ValidationError(_("得分不能为负数。"), code="negative")
    if value > cap:
        raise ValidationError(
            _("得分不能超过本项分值 %(cap)s 分。") % {"cap": format_points(cap)}, code="over_cap"
        )
    if (value * 2) % 1 != 0:
        raise ValidationError(_("得分以 0.5 分为单位，例如 2 或 2.5。"), code="half_point")
    return value.quantize(Decimal("0.1"))


def clean_reason(raw: object, score: Decimal | None, cap: Decimal) -> str:
    reason = "" if raw is None else str(raw).strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            _("扣分理由不能超过 %(limit)s 个字。") % {"limit": MAX_REASON_LENGTH}, code="reason_too_long"
        )
    if score is not None and score < cap and not reason:
        raise ValidationError(_("得分低于分值时，请填写扣分理由。"), code="reason_required")
    return reason
