from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from indicators.points import cap_refusal, is_half_point


def validate_half_point(value: Decimal | None) -> None:
    """Points move in steps of 0.5 throughout the outline."""
    if value is not None and not is_half_point(value):
        raise cap_refusal("half_point")


# Paths under /indicators/ that are pages, not editions: a version with such a code could
# never be opened at /indicators/<code>/.
RESERVED_VERSION_CODES = frozenset({"diff", "import"})


def validate_version_code(code: str) -> None:
    if code.lower() in RESERVED_VERSION_CODES:
        raise ValidationError(_("“%(code)s”是系统保留字，不能作为版本编码。"), code="reserved", params={"code": code})
