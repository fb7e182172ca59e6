"""The backup archive: one gzipped tar holding `manifest.json` first, then the database dump
under `database/`, then every media file under `media/`.

The manifest comes first so that a reader knows what to expect before it unpacks a byte: a
tarball someone hands over is bounded by it. Only members the manifest lists are taken, only
regular files under plain relative names, each exactly the size listed, and the stream stops as
soon as it would expand past the sizes listed (a gzip bomb costs a few blocks, never a disk).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from common.backup.database import BackupError

FORMAT = "kaoping-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# Headers (a pax header for a long name included) and padding of one member, and the end blocks.
MEMBER_OVERHEAD = 8 * 512
TAIL = 64 * 1024
CHUNK = 1024 * 1024
TOP_FOLDERS = ("database", "media")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Entry:
    path: str
    source: Path
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_unsafe(name: str) -> bool:
    """A member name that could land outside the folder it is unpacked into, or mean two things."""
    parts = name.split("/")
    return (
        not name or name.startswith("/") or "\\" in name or "\x00" in name
        or any(part in ("", ".", "..") for part in parts)
    )


class _HashingReader:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def write_archive(target: Path, manifest: dict[str, Any], entries: list[Entry]) -> None:
    """Write the archive under a temporary name and rename it at the end, so that a half-written
    archive is never taken for a backup. Only the owner may read it: it holds password hashes.
    (Level 6, not 9: evidence is mostly PDFs and photos, already compressed.)"""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            tar.addfile(_info(MANIFEST, len(data)), io.BytesIO(data))
            for entry in entries:
                _add(tar, entry)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _info(name: str, size: int, mtime: float | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    if mtime is not None:
        info.mtime = int(mtime)
    return info


def _add(tar: tarfile.TarFile, entry: Entry) -> None:
    changed = BackupError(_("文件“%(name)s”在备份过程中被改动了，请重新备份。") % {"name": entry.path})
    with open(entry.source, "rb") as stream:
        reader = _HashingReader(stream)
        try:
            tar.addfile(_info(entry.path, entry.size, os.fstat(stream.fileno()).st_mtime), reader)
        except OSError:  # the file shrank after it was measured
            raise changed from None
    if reader.digest.hexdigest() != entry.sha256:
        raise changed


class _Bounded:
    """A read-only stream that refuses to give more than `limit` bytes in all."""

    def __init__(self, stream: io.BufferedIOBase, limit: int) -> None:
        self.stream, self.limit, self.used = stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        room = self.limit - self.used
        data = self.stream.read(room + 1 if size < 0 else min(size, room + 1))
        self.used += len(data)
        if self.used > self.limit:
            raise BackupError(_("备份文件解压后超出了清单所列的大小，已拒绝。"))
        return data


def _invalid() -> BackupError:
    return BackupError(_("这不是有效的 Kaoping 备份文件（或文件已损坏）。"))


class ArchiveReader:
    """Reads an archive once, front to back: `manifest()`, then `extract(folder)`."""

    def __init__(self, path: Path) -> None:
        self._gzip = gzip.open(path, "rb")  # noqa: SIM115 - the reader is the context manager; __exit__ closes it
        self._stream = _Bounded(self._gzip, MANIFEST_MAX_BYTES + MEMBER_OVERHEAD)
        self._tar: tarfile.TarFile | None = None

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tar is not None:
            self._tar.close()
        self._gzip.close()

    def _next(self) -> tarfile.TarInfo | None:
        try:
            if self._tar is None:
                # Stream mode ("r|") only reads, though typeshed's file protocol also asks for write, seek
                # and tell; the reader is the context manager, and __exit__ closes the archive.
                self._tar = tarfile.open(  # type: ignore[call-overload]  # noqa: SIM115 - reads only; closed in __exit__
                    fileobj=self._stream, mode="r|",
                )
            return self._tar.next()
        except (tarfile.TarError, OSError, EOFError, zlib.error):
            raise _invalid() from None

    def manifest(self) -> dict[str, Any]:
        member = self._next()
        if member is None or member.name != MANIFEST or not member.isreg() or member.size > MANIFEST_MAX_BYTES:
            raise _invalid()
        try:
            manifest = json.loads(self._read_member(member))
        except (ValueError, OSError, EOFError, zlib.error):
            raise _invalid() from None
        check_manifest(manifest)
        files = manifest["files"]
        self._stream.limit = self._stream.used + sum(f["size"] for f in files) + MEMBER_OVERHEAD * len(files) + TAIL
        self._files = {f["path"]: f for f in files}
        return manifest

    def _open_member(self, member: tarfile.TarInfo) -> IO[bytes]:
        stream = self._tar.extractfile(member) if self._tar is not None else None
        if stream is None:
            raise _invalid()
        return stream

    @staticmethod
    def _read_chunk(source: IO[bytes]) -> bytes:
        try:
            return source.read(CHUNK)
        except (tarfile.TarError, OSError, EOFError, zlib.error):  # a truncated or corrupt stream
            raise _invalid() from None

    def _read_member(self, member: tarfile.TarInfo) -> bytes:
        return self._open_member(member).read()

    def extract(self, folder: Path) -> list[str]:
        """Unpack every listed file into `folder`; returns the paths whose SHA-256 differs from
        the manifest. Refuses (raises) anything unlisted, unsafe, resized or missing."""
        seen: set[str] = set()
        mismatched: list[str] = []
        while (member := self._next()) is not None:
            expected = self._check_member(member, seen)
            seen.add(member.name)
            if self._copy(member, folder / member.name) != expected["sha256"]:
                mismatched.append(member.name)
        missing = sorted(set(self._files) - seen)
        if missing:
            raise BackupError(_("备份文件不完整：缺少 %(count)s 个文件（如 %(example)s）。")
                              % {"count": len(missing), "example": missing[0]})
        return mismatched

    def _check_member(self, member: tarfile.TarInfo, seen: set[str]) -> dict[str, Any]:
        name = member.name
        if is_unsafe(name):
            raise BackupError(unsafe_path(name))
        if not member.isreg():
            raise BackupError(_("备份文件中有链接或特殊文件“%(name)s”，已拒绝。") % {"name": name})
        expected = self._files.get(name)
        if expected is None or name in seen:
            raise BackupError(_("备份文件中的“%(name)s”不在清单中（或重复出现），已拒绝。") % {"name": name})
        if member.size != expected["size"]:
            raise BackupError(_("备份文件中“%(name)s”的大小与清单不符，已拒绝。") % {"name": name})
        return expected

    def _copy(self, member: tarfile.TarInfo, target: Path) -> str:
        source = self._open_member(member)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with open(target, "xb") as out:
            while chunk := self._read_chunk(source):
                digest.update(chunk)
                out.write(chunk)
        os.utime(target, (member.mtime, member.mtime))
        return digest.hexdigest()


def _valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict) and isinstance(entry.get("path"), str) and "/" in entry["path"]
        and type(entry.get("size")) is int and entry["size"] >= 0
        and isinstance(entry.get("sha256"), str) and _SHA256.fullmatch(entry["sha256"]) is not None
    )


def _valid_shape(manifest: Any) -> bool:
    if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (FORMAT, FORMAT_VERSION):
        return False
    database, files, fingerprint = manifest.get("database"), manifest.get("files"), manifest.get("fingerprint")
    if not (isinstance(database, dict) and isinstance(files, list) and isinstance(fingerprint, dict)):
        return False
    if not (isinstance(database.get("engine"), str) and isinstance(database.get("migrations"), list)):
        return False
    if not all(isinstance(name, str) for name in database["migrations"]):
        return False
    if not (isinstance(fingerprint.get("counts"), dict) and isinstance(fingerprint.get("digests"), dict)):
        return False
    if not all(_valid_entry(entry) for entry in files):
        return False
    paths = [entry["path"] for entry in files]
    return len(set(paths)) == len(paths) and database.get("path") in paths


def check_manifest(manifest: Any) -> None:
    """Refuses a manifest that is not one this program writes, before anything relies on it."""
    if not _valid_shape(manifest):
        raise _invalid()
    for entry in manifest["files"]:
        if is_unsafe(entry["path"]) or entry["path"].split("/", 1)[0] not in TOP_FOLDERS:
            raise BackupError(unsafe_path(entry["path"]))


def unsafe_path(name: str) -> str:
    return _("备份文件中有不安全的路径“%(name)s”（绝对路径或含“..”），已拒绝。") % {"name": name}
