from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_half_point(value: Decimal) -> None:
    """Points move in steps of 0.5 throughout the outline."""
    if value is not None and (value * 2) % 1 != 0:
        raise ValidationError(_("分值必须是 0.5 的整数倍。"), code="half_point")
