from decimal import ROUND_HALF_UP, Decimal


def format_points(value: object) -> str:
    """Points as the outline prints them: 3, 2.5, 100 — never 3.0 — and merged means to the
    cent (99.75), whatever the database returns."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
