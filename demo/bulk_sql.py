"""Plain multi-row INSERTs for the benchmark-sized demo data.

Building a model instance per row costs more than the insert itself: ten years of 20,000
units are 12 million score rows. Rows here are tuples, adapted for the database once; the
database constraints (caps, half points, reasons) still check every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

BATCH = 5000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    # Only the quoted identifiers of a model are spliced into the SQL below; the rows go as parameters.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            for start in range(0, len(rows), BATCH):
                execute_values(
                    cursor.cursor, f"INSERT INTO {table} ({names}) VALUES %s", rows[start:start + BATCH],  # noqa: S608
                    page_size=BATCH,
                )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def db_datetime(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_decimal(value: Any) -> Any:
    return connection.ops.adapt_decimalfield_value(value)
