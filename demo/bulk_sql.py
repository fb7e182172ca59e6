"""Plain bulk inserts (COPY on PostgreSQL) for the benchmark-sized demo data.

Building a model instance per row costs more than the insert itself: ten years of 20,000
units are 12 million score rows. Rows here are tuples, adapted for the database once; the
database constraints (caps, half points, reasons) still check every row.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

COPY_BATCH = 50000
# COPY's text format: backslash, tab and line breaks escaped, NULL as \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row: tuple[Any, ...]) -> str:
    return "\t".join("\\N" if value is None else str(value).translate(_COPY_ESCAPES) for value in row) + "\n"


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    # Only the quoted identifiers of a model are spliced into the SQL below; the rows go as data
    # (COPY's escaped text stream, or parameters).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY parses a text stream: several times cheaper for the server than INSERT ... VALUES.
            for start in range(0, len(rows), COPY_BATCH):
                stream = io.StringIO("".join(_copy_line(row) for row in rows[start:start + COPY_BATCH]))
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", stream)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def db_datetime(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_decimal(value: Any) -> Any:
    return connection.ops.adapt_decimalfield_value(value)
