"""A consistent copy of the database, and loading one into an empty database, per engine.

SQLite is copied with sqlite3's online backup API, which copies a live (WAL) database page by
page as one consistent snapshot; copying the file could catch it between a write and its WAL.
PostgreSQL is dumped with `pg_dump -Fc` inside an exported REPEATABLE READ snapshot, so the
fingerprint read here and the dump see exactly the same rows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.utils.translation import gettext as _

from common.backup.fingerprint import fingerprint, migrations, referenced_files

SUPPORTED = ("sqlite", "postgresql")
DUMP_NAMES = {"sqlite": "kaoping.sqlite3", "postgresql": "kaoping.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    vendor: str
    fingerprint: dict[str, Any]
    migrations: list[str]
    referenced_files: set[str]


def vendor() -> str:
    if connection.vendor not in SUPPORTED:
        raise BackupError(_("不支持的数据库类型 %(engine)s：只能备份 SQLite 和 PostgreSQL。") % {"engine": connection.vendor})
    return connection.vendor


def snapshot(folder: Path) -> Snapshot:
    """Write the database to `folder` and read its fingerprint from that very copy."""
    engine = vendor()
    path = folder / DUMP_NAMES[engine]
    if engine == "sqlite":
        return _sqlite_snapshot(path)
    return _postgresql_snapshot(path)


def _sqlite_snapshot(path: Path) -> Snapshot:
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        # Django's own raw connection, so that an in-memory database (the test suite's) is read too.
        connection.connection.backup(copy)
        return Snapshot(path, "sqlite", fingerprint(copy.cursor, "sqlite"), migrations(copy.cursor),
                        referenced_files(copy.cursor))
    finally:
        copy.close()


def _postgresql_snapshot(path: Path) -> Snapshot:
    if connection.in_atomic_block:
        raise RuntimeError("a backup cannot start inside a transaction: the snapshot must be its first statement")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
        _run([_client("pg_dump"), "--format=custom", f"--snapshot={snapshot_id}", f"--file={path}"])
        reader = connection.chunked_cursor
        return Snapshot(path, "postgresql", fingerprint(reader, "postgresql"), migrations(reader),
                        referenced_files(reader))


def current_fingerprint() -> dict[str, Any]:
    with transaction.atomic():
        return fingerprint(connection.chunked_cursor, vendor())


def current_referenced_files() -> set[str]:
    with transaction.atomic():
        return referenced_files(connection.chunked_cursor)


def is_empty() -> bool:
    return not connection.introspection.table_names()


def database_label() -> str:
    name = connection.settings_dict.get("NAME")
    return f"{connection.vendor}:{name}"


def load(path: Path, engine: str) -> None:
    """Load a dump made by `snapshot` into the (empty) database of the settings."""
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    name = connection.settings_dict["NAME"]
    _run([_client("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={name}", str(path)])


def _client(program: str) -> str:
    # cron's PATH may be short; Debian's client lives in /usr/bin.
    found = shutil.which(program) or shutil.which(program, path="/usr/bin")
    if found is None:
        raise BackupError(_("找不到 %(program)s：请安装 PostgreSQL 客户端（apt-get install postgresql-client）。")
                          % {"program": program})
    return found


def _environment() -> dict[str, str]:
    """libpq's variables for the connection of the settings: the password goes to the child's
    environment, never to its command line, where `ps` would show it to every user."""
    settings_dict = connection.settings_dict
    _args, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    environment = {**os.environ, **(extra or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    return environment


def _run(command: list[str]) -> None:
    # PostgreSQL's own client with fixed options and a path this module chose; no shell, no user text.
    result = subprocess.run(command, env=_environment(), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [""])[-1]
        raise BackupError(_("%(program)s 失败：%(detail)s") % {"program": Path(command[0]).name, "detail": detail})
