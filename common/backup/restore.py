"""Restoring a backup into an empty database and an empty (or unrelated) MEDIA_ROOT.

Everything that can be refused is refused before anything is written: an archive of another
engine or of a newer program, a database that holds tables, media that would be overwritten, too
little disk, a file whose SHA-256 differs from the manifest. Then the database is loaded, its
fingerprint compared with the manifest's, and only then are the media put in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from common.backup import database
from common.backup.archive import ArchiveReader
from common.backup.database import BackupError
from common.backup.fingerprint import differences, summary_counts

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class RestoreResult:
    created_at: str
    app_version: str
    counts: dict[str, int]
    media_files: int
    media_size: int
    pending_migrations: int
    missing_files: list[str]


def engine_name(vendor: str) -> str:
    return ENGINE_NAMES.get(vendor, vendor)


def check_engine(manifest: dict[str, Any]) -> None:
    archived, current = manifest["database"]["engine"], connection.vendor
    if archived != current:
        raise BackupError(
            _("这是 %(archived)s 数据库的备份，当前配置的数据库是 %(current)s：请把 DATABASE_URL 指向一个空的 "
              "%(archived)s 数据库再恢复。") % {"archived": engine_name(archived), "current": engine_name(current)}
        )


def check_migrations(manifest: dict[str, Any]) -> None:
    """Refuses data written by a newer program: a migration of a known app that this code lacks."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for applied in manifest["database"]["migrations"]:
        app, _dot, name = applied.partition(".")
        if app in loader.migrated_apps and (app, name) not in loader.disk_migrations:
            raise BackupError(_("备份来自更新的程序版本（本程序没有迁移 %(migration)s）：请先升级程序再恢复。")
                              % {"migration": applied})


def check_target(media_root: Path, media: list[dict[str, Any]], needed: int) -> None:
    if not database.is_empty():
        raise BackupError(_("目标数据库 %(database)s 里已有数据表，恢复只写入空数据库：请新建一个空数据库，"
                            "并把 DATABASE_URL 指向它。") % {"database": database.database_label()})
    taken = [entry["path"] for entry in media if (media_root / entry["path"].removeprefix("media/")).exists()]
    if taken:
        raise BackupError(_("MEDIA_ROOT（%(root)s）中已有 %(count)s 个同名文件（如 %(example)s），恢复不会覆盖它们："
                            "请改用一个空目录。") % {"root": media_root, "count": len(taken), "example": taken[0]})
    media_root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(media_root).free
    if free < needed:
        raise BackupError(_("磁盘空间不足：恢复约需 %(needed)s，%(root)s 所在磁盘只剩 %(free)s。") % {
            "needed": filesizeformat(needed), "root": media_root, "free": filesizeformat(free)})


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)  # unlike a rename, a link never replaces an existing file
    except FileExistsError:
        raise BackupError(_("MEDIA_ROOT 中的 %(name)s 在恢复过程中出现了，未覆盖它。") % {"name": target}) from None
    except OSError:  # another file system, or one without hard links
        with open(source, "rb") as stream, open(target, "xb") as out:
            shutil.copyfileobj(stream, out)
        shutil.copystat(source, target)


def pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def restore_backup(path: Path) -> RestoreResult:
    if not path.is_file():
        raise BackupError(_("找不到备份文件 %(path)s。") % {"path": path})
    media_root = Path(settings.MEDIA_ROOT).absolute()
    with ArchiveReader(path) as reader:
        manifest = reader.manifest()
        check_engine(manifest)
        check_migrations(manifest)
        media = [entry for entry in manifest["files"] if entry["path"].startswith("media/")]
        # Every file is staged beside MEDIA_ROOT first; media are then linked into place.
        check_target(media_root, media, sum(entry["size"] for entry in manifest["files"]))
        with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".kaoping-restore-") as folder:
            staging = Path(folder)
            mismatched = reader.extract(staging)
            if mismatched:
                raise BackupError(_("%(count)s 个文件的 SHA-256 与清单不符（如 %(example)s）：备份已被改动或损坏，"
                                    "没有恢复任何数据。") % {"count": len(mismatched), "example": mismatched[0]})
            database.load(staging / manifest["database"]["path"], manifest["database"]["engine"])
            found = database.current_fingerprint()
            wrong = differences(manifest["fingerprint"], found)
            if wrong:
                raise BackupError(_("恢复后的数据与备份时的指纹不符（%(parts)s）：请不要使用这个数据库，改用另一份备份。")
                                  % {"parts": "、".join(wrong[:5])})
            for entry in media:
                relative = entry["path"].removeprefix("media/")
                _place(staging / entry["path"], media_root / relative)
    restored = {entry["path"].removeprefix("media/") for entry in media}
    return RestoreResult(
        created_at=manifest.get("created_at", ""), app_version=str(manifest.get("app_version", "")),
        counts=summary_counts(found), media_files=len(media), media_size=sum(entry["size"] for entry in media),
        pending_migrations=pending_migrations(),
        missing_files=sorted(database.current_referenced_files() - restored),
    )
