"""Taking a backup: the database snapshot first, then every file under MEDIA_ROOT, then one
archive with its manifest.

The snapshot is taken before the media are read, so every file a row of the snapshot names
already exists when the folder is walked; files written meanwhile are only extra (orphans).
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from common.backup import database
from common.backup.archive import FORMAT, FORMAT_VERSION, Entry, is_unsafe, sha256_of, write_archive
from common.backup.database import BackupError
from common.backup.fingerprint import summary_counts


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    media_files: int
    size: int
    missing_files: list[str]
    counts: dict[str, int]


def backup_folder() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups"


def app_version() -> str:
    try:
        return importlib.metadata.version("kaoping")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def resolve_target(output: str | None, now: Any) -> Path:
    name = f"kaoping-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"
    if not output:
        target = backup_folder() / name
    else:
        target = Path(output).expanduser().absolute()
        if target.is_dir() or output.endswith("/"):
            target = target / name
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if target.parent.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(_("备份不能写在 MEDIA_ROOT（%(root)s）里面：请换一个目录。") % {"root": media_root})
    if target.exists():
        raise BackupError(_("%(path)s 已存在，不会覆盖：请换一个文件名。") % {"path": target})
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def media_entries(media_root: Path) -> list[Entry]:
    """Every regular file under MEDIA_ROOT, in a stable order. Links are left out: storage never
    writes one, and following one could archive files from anywhere on the machine."""
    entries = []
    for folder, folders, files in os.walk(media_root):
        folders.sort()
        for filename in sorted(files):
            path = Path(folder) / filename
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(media_root).as_posix()
            if is_unsafe(relative):
                raise BackupError(_("MEDIA_ROOT 中的文件名“%(name)s”无法安全备份：请改名或移走。") % {"name": relative})
            entries.append(Entry(f"media/{relative}", path, path.stat().st_size, sha256_of(path)))
    return entries


def create_backup(*, output: str | None = None) -> BackupResult:
    now = timezone.now()
    target = resolve_target(output, now)
    media_root = Path(settings.MEDIA_ROOT)
    # The dump is written next to the archive, never under /tmp, which may be small or shared.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".kaoping-backup-") as folder:
        snapshot = database.snapshot(Path(folder))
        dump = Entry(f"database/{snapshot.path.name}", snapshot.path, snapshot.path.stat().st_size,
                     sha256_of(snapshot.path))
        media = media_entries(media_root)
        stored = {entry.path.removeprefix("media/") for entry in media}
        missing = sorted(snapshot.referenced_files - stored)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "app_version": app_version(),
            "django_version": django.get_version(),
            "database": {"engine": snapshot.vendor, "path": dump.path, "migrations": snapshot.migrations},
            "media_root": str(media_root),
            "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in [dump, *media]],
            "fingerprint": snapshot.fingerprint,
            "missing_files": missing,
        }
        write_archive(target, manifest, [dump, *media])
    return BackupResult(target, snapshot.vendor, len(media), target.stat().st_size, missing,
                        summary_counts(snapshot.fingerprint))
