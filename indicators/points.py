from decimal import Decimal


def format_points(value: object) -> str:
    """Points as the outline prints them: 3, 2.5, 100 — never 3.0, whatever the database returns."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):.1f}"
    return text[:-2] if text.endswith(".0") else text
