"""The fingerprint of the data in a backup: row counts of every table and digests of the rows no
saved score may lose.

It is read with plain SQL, every value cast to text, so that the same function reads the
snapshot being archived (a bare sqlite3 connection, or the exported PostgreSQL snapshot) and the
database restored from it, and both give the same text whatever the driver converts. Tables are
named through the app registry, so this module imports no app.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.apps import apps
from django.db import models

Cursor = Any
CursorFactory = Callable[[], Cursor]

# Which rows are digested, and which of their columns (None: every column). Administrative
# history kept elsewhere belongs here too, one line each.
DIGESTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "assessment_totals": ("assessments.Assessment", ("id", "organization_id", "round_id", "state", "total", "self_total")),
    "scores": ("assessments.Score", None),
    "audit_trail": ("assessments.AuditEvent", None),
    "evidence": ("assessments.Evidence", None),
    "admin_history": ("common.AdminEvent", None),
}
# The tables named in summaries, by the model that owns them.
SUMMARY_MODELS = {"assessments": "assessments.Assessment", "scores": "assessments.Score",
                  "audit_events": "assessments.AuditEvent"}
FETCH_ROWS = 2000

_TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
              "ORDER BY name",
    "postgresql": "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_of(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def _rows(cursor_factory: CursorFactory, sql: str) -> Iterator[tuple]:
    # A fresh cursor per query: on PostgreSQL it is a server-side one, so millions of scores
    # stream through in chunks instead of landing in memory at once.
    cursor = cursor_factory()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield from batch
    finally:
        cursor.close()


def _columns(label: str, columns: tuple[str, ...] | None) -> list[str]:
    model = apps.get_model(label)
    return list(columns) if columns else [field.column for field in model._meta.concrete_fields]


def _digest(cursor_factory: CursorFactory, label: str, columns: tuple[str, ...] | None) -> str:
    names = _columns(label, columns)
    selected = ", ".join(f"CAST({quote(name)} AS TEXT)" for name in names)
    pk = quote(apps.get_model(label)._meta.pk.column)
    digest = hashlib.sha256(json.dumps(names).encode())
    # Only identifiers are spliced in, from the models' metadata and quoted; there are no values.
    sql = f"SELECT {selected} FROM {quote(table_of(label))} ORDER BY {pk}"  # noqa: S608
    for row in _rows(cursor_factory, sql):
        digest.update(json.dumps(row, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _scalar(cursor_factory: CursorFactory, sql: str) -> Any:
    return [row[0] for row in _rows(cursor_factory, sql)][0]


def table_names(cursor_factory: CursorFactory, vendor: str) -> list[str]:
    return [row[0] for row in _rows(cursor_factory, _TABLES_SQL[vendor])]


def fingerprint(cursor_factory: CursorFactory, vendor: str) -> dict[str, Any]:
    """Counts of every table and the digests of DIGESTS, as JSON-ready data."""
    tables = table_names(cursor_factory, vendor)
    # The table names come from the database's own catalogue, quoted.
    counts = {table: _scalar(cursor_factory, f"SELECT COUNT(*) FROM {quote(table)}") for table in tables}  # noqa: S608
    digests = {
        name: _digest(cursor_factory, label, columns)
        for name, (label, columns) in DIGESTS.items()
        if table_of(label) in counts
    }
    return {"counts": counts, "digests": digests}


def migrations(cursor_factory: CursorFactory) -> list[str]:
    """The applied migrations, as "app.name", from the database itself."""
    return [f"{app}.{name}" for app, name in _rows(cursor_factory, "SELECT app, name FROM django_migrations "
                                                                   "ORDER BY app, name")]


def referenced_files(cursor_factory: CursorFactory) -> set[str]:
    """Every file name a FileField of any model stores: the media a restored database needs."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                # Identifiers from the models' metadata, quoted; the only value is a constant.
                # A concrete field always has a column; the stubs allow None for the others.
                column, table = quote(cast(str, field.column)), quote(model._meta.db_table)
                sql = f"SELECT {column} FROM {table} WHERE {column} <> ''"  # noqa: S608
                names.update(row[0] for row in _rows(cursor_factory, sql))
    return names


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The tables and digests on which two fingerprints differ, by name."""
    names = []
    for part in ("counts", "digests"):
        wanted, found = expected.get(part, {}), actual.get(part, {})
        names += [name for name in sorted(set(wanted) | set(found)) if wanted.get(name) != found.get(name)]
    return names


def summary_counts(fingerprint_data: dict[str, Any]) -> dict[str, int]:
    counts = fingerprint_data.get("counts", {})
    return {key: int(counts.get(table_of(label), 0)) for key, label in SUMMARY_MODELS.items()}
