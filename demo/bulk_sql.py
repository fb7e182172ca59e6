"""Plain bulk inserts (COPY on PostgreSQL) for the benchmark-sized demo data.

Building a model instance per row costs more than the insert itself: ten years of 20,000
units are 12 million score rows. Rows here are tuples, adapted for the database once; the
database constraints (caps, half points, reasons) still check every row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

COPY_BATCH = 50000
# COPY's CSV, written by the csv module (C): every non-number quoted, so an empty string stays
# one; None goes as the NULL marker, which FORCE_NULL turns back into NULL even quoted. (Demo rows
# never hold the text \N itself.)
NULL = "\\N"


def _copy_csv(rows: list[tuple[Any, ...]]) -> io.StringIO:
    stream = io.StringIO()
    writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerows(row if None not in row else tuple(NULL if v is None else v for v in row) for row in rows)
    stream.seek(0)
    return stream


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    # Only the quoted identifiers of a model are spliced into the SQL below; the rows go as data
    # (COPY's CSV stream, or parameters; Decimals bind as they are, Django registers SQLite's adapter).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY parses a CSV stream: several times cheaper for both sides than INSERT ... VALUES.
            for start in range(0, len(rows), COPY_BATCH):
                cursor.cursor.copy_expert(
                    f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}', FORCE_NULL ({names}))",
                    _copy_csv(rows[start:start + COPY_BATCH]),
                )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


def db_datetime(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_decimal(value: Any) -> Any:
    return connection.ops.adapt_decimalfield_value(value)
