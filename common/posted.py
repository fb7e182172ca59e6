"""Ids that arrive as text (a query string, a posted field), read in one place: a hand-typed id that
is not a plain decimal number a database key can hold is simply not found, never a 500.

`str.isdigit` alone is not enough: "²" and "١" are digits to it but not to `int`, and a 20-digit
number passes `int` but overflows PostgreSQL's bigint when it reaches the query."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest value of a bigint primary key


def posted_id(raw: object) -> int | None:
    """The id in `raw`, or None when it is not one."""
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
