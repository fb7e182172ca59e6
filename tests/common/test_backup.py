"""Backup and restore keep everything: a backup of real data restored into a fresh database (of
the suite's engine) and a fresh MEDIA_ROOT gives the same rankings, audit trail and file bytes;
archives that are tampered with, hostile or of the other engine are refused."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments.models import Assessment, AuditEvent, Evidence
from assessments.services.evidence import evidence_add
from common.backup.archive import ArchiveReader
from common.backup.database import BackupError, current_fingerprint
from common.backup.fingerprint import differences
from common.jobs.models import Job, JobFile, JobState
from config import env
from indicators.models import Item
from orgs.models import Organization, Role
from reports.services import print_jobs
from tests.factories import assign, build_tree, fill, make_round, user_with_role
from tests.restored_data import observed
from tests.worlds import ROOT, score_unit

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
Members = list[tuple[tarfile.TarInfo, bytes]]


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


@pytest.fixture
def world(outline, settings, tmp_path):
    """Approved, submitted and draft assessments of one round, and a unit's evidence files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    build_tree(districts=2, branches_per_district=2)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title="2026年度学习型党组织考评")
    score_unit(round, org("BD000B0000"), evaluator, admin, {"1.1": "1.5"})
    score_unit(round, org("BD000B0001"), evaluator, admin, {"4.2": "3"})
    score_unit(round, org("BD001B0000"), evaluator, admin, {}, approve=False)
    unit = org("BD001B0001")
    fill(assign(round, unit, evaluator), evaluator, {"1.1": "1", "2.1": None})
    reporter = user_with_role(Role.REPORTER, unit)
    assessment = Assessment.objects.get(round=round, organization=unit)
    item = Item.objects.get(system=outline, number="1.1")
    for name, content in (("会议记录.pdf", PDF), ("学习照片.png", PNG)):
        evidence_add(assessment=assessment, item=item, upload=SimpleUploadedFile(name, content), user=reporter)
    return {"round": round, "admin": admin, "media": Path(settings.MEDIA_ROOT)}


def postgres_settings() -> dict:
    settings = connection.settings_dict
    return {"user": settings["USER"], "password": settings["PASSWORD"], "host": settings["HOST"],
            "port": settings["PORT"]}


@pytest.fixture
def fresh(tmp_path):
    """An empty database of the suite's engine and an empty MEDIA_ROOT, as a restore's environment."""
    media = str(tmp_path / "restored-media")
    if connection.vendor == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}", "MEDIA_ROOT": media}
        return
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    params = postgres_settings()
    admin = psycopg2.connect(dbname="postgres", **{k: v for k, v in params.items() if v})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    password = f":{quote(params['password'])}" if params["password"] else ""
    url = f"postgres://{quote(params['user'])}{password}@{params['host']}:{params['port'] or 5432}/{name}"
    try:
        yield {"DATABASE_URL": url, "MEDIA_ROOT": media}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", **environment}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=180)


def restore(archive: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return run(["manage.py", "restore", str(archive), "--noinput"], environment)


def tables(environment: dict[str, str]) -> int:
    return int(run(["-m", "tests.restored_data", "--tables"], environment).stdout)


def back_up(tmp_path: Path) -> Path:
    target = tmp_path / "backups" / "kaoping.tar.gz"
    call_command("backup", output=str(target), stdout=StringIO())
    return target


def members(archive: Path) -> Members:
    with tarfile.open(archive) as tar:
        return [(member, tar.extractfile(member).read()) for member in tar.getmembers()]


def write(target: Path, entries: Members) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for info, data in entries:
            if info.isreg():
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return target


def rewrite(archive: Path, change: Callable[[Members], Members]) -> Path:
    return write(archive.with_name("changed.tar.gz"), change(members(archive)))


def media_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_it_restores_rankings_audit_trail_and_files_into_a_fresh_database(world, fresh, tmp_path, jobs):
    job = print_jobs.print_job_request(
        user=world["admin"], round=world["round"], organization=org("BD000"), include_submitted=False,
    )
    jobs()
    assert Job.objects.get(pk=job.pk).state == JobState.DONE
    archive = back_up(tmp_path)

    result = restore(archive, fresh)

    assert result.returncode == 0, result.stderr
    assert "恢复完成：4 个考评" in result.stdout
    assert "数据指纹都与备份一致" in result.stdout
    original = observed(world["admin"].username)
    probe = run(["-m", "tests.restored_data", world["admin"].username], fresh)
    assert probe.returncode == 0, probe.stderr
    restored = json.loads(probe.stdout)
    assert restored == original
    assert len(original["rankings"]["2026 2026年度学习型党组织考评"]) == 3
    # The evidence, and the batch print's ZIP and merged PDF.
    assert len(original["files"]) == 4
    assert set(JobFile.objects.values_list("file", flat=True)) <= set(original["files"])
    assert len(original["audit"]) == AuditEvent.objects.count() > 0
    restored_media = Path(fresh["MEDIA_ROOT"])
    assert [p.relative_to(restored_media) for p in media_files(restored_media)] == [
        p.relative_to(world["media"]) for p in media_files(world["media"])]


def test_it_writes_one_archive_with_the_dump_every_media_file_and_a_manifest(world, tmp_path):
    archive = back_up(tmp_path)

    entries = members(archive)
    assert entries[0][0].name == "manifest.json"
    manifest = json.loads(entries[0][1])
    stored = {info.name: data for info, data in entries[1:]}
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(stored) == set(listed)
    assert all(hashlib.sha256(data).hexdigest() == listed[name]["sha256"] for name, data in stored.items())
    assert all(len(data) == listed[name]["size"] for name, data in stored.items())
    assert {f"media/{p.relative_to(world['media']).as_posix()}" for p in media_files(world["media"])} == {
        name for name in stored if name.startswith("media/")}
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["database"]["path"] in stored
    assert "assessments.0001_initial" in manifest["database"]["migrations"]
    counts = manifest["fingerprint"]["counts"]
    assert counts["assessments_assessment"] == Assessment.objects.count() == 4
    assert counts["assessments_auditevent"] == AuditEvent.objects.count()
    assert set(manifest["fingerprint"]["digests"]) == {"assessment_totals", "scores", "audit_trail", "evidence", "admin_history"}
    assert manifest["fingerprint"] == current_fingerprint()
    assert archive.stat().st_mode & 0o777 == 0o600


def test_the_fingerprint_notices_a_changed_total_and_a_lost_audit_row(world):
    before = current_fingerprint()
    approved = Assessment.objects.filter(state="approved").first()
    Assessment.objects.filter(pk=approved.pk).update(total=approved.total - 1)
    assert differences(before, current_fingerprint()) == ["assessment_totals"]
    AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("pk").first().pk).delete()
    assert differences(before, current_fingerprint()) == ["assessments_auditevent", "assessment_totals", "audit_trail"]


def test_by_default_it_writes_a_dated_archive_under_var_backups_and_never_overwrites(world, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    out = StringIO()
    call_command("backup", stdout=out)
    [archive] = (tmp_path / "var" / "backups").iterdir()
    assert re.fullmatch(r"kaoping-backup-\d{8}-\d{6}\.tar\.gz", archive.name)
    assert str(archive) in out.getvalue()
    assert "2 个上传文件" in out.getvalue()
    with pytest.raises(CommandError, match="已存在，不会覆盖"):
        call_command("backup", output=str(archive), stdout=StringIO())


def test_it_warns_of_a_file_the_database_names_but_media_root_lacks(world, tmp_path):
    evidence = Evidence.objects.order_by("pk").first()
    (world["media"] / evidence.file.name).unlink()
    errors = StringIO()
    call_command("backup", output=str(tmp_path / "kaoping.tar.gz"), stdout=StringIO(), stderr=errors)
    assert "1 个文件在 MEDIA_ROOT 中找不到" in errors.getvalue()
    assert evidence.file.name in errors.getvalue()
    assert json.loads(members(tmp_path / "kaoping.tar.gz")[0][1])["missing_files"] == [evidence.file.name]


def test_it_refuses_a_target_database_that_already_has_tables(world, tmp_path):
    archive = back_up(tmp_path)
    with pytest.raises(CommandError, match="里已有数据表，恢复只写入空数据库"):
        call_command("restore", str(archive), "--noinput", stdout=StringIO())
    assert Assessment.objects.count() == 4


def test_it_asks_before_restoring_unless_told_not_to(world, tmp_path, monkeypatch):
    archive = back_up(tmp_path)
    monkeypatch.setattr("builtins.input", lambda question: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(archive), stdout=StringIO())


def test_it_refuses_to_overwrite_files_in_media_root(world, fresh, tmp_path):
    archive = back_up(tmp_path)
    result = restore(archive, {**fresh, "MEDIA_ROOT": str(world["media"])})
    assert result.returncode != 0
    assert "同名文件" in result.stderr
    assert "恢复不会覆盖" in result.stderr
    assert tables(fresh) == 0


def test_it_refuses_an_archive_whose_media_file_was_changed(world, fresh, tmp_path):
    def flip_a_byte(entries: Members) -> Members:
        info, data = next((i, d) for i, d in entries if i.name.endswith(".png"))
        changed = data[:-1] + bytes([data[-1] ^ 1])
        return [(i, changed if i is info else d) for i, d in entries]

    archive = rewrite(back_up(tmp_path), flip_a_byte)
    result = restore(archive, fresh)
    assert result.returncode != 0
    assert "SHA-256 与清单不符" in result.stderr
    assert ".png" in result.stderr
    assert "没有恢复任何数据" in result.stderr
    assert tables(fresh) == 0
    assert media_files(Path(fresh["MEDIA_ROOT"])) == []


def test_it_refuses_a_member_that_climbs_out_of_the_folder(world, fresh, tmp_path):
    def climb(entries: Members) -> Members:
        return [entries[0], (tarfile.TarInfo("../outside.txt"), b"written outside"), *entries[1:]]

    archive = rewrite(back_up(tmp_path), climb)
    result = restore(archive, fresh)
    assert result.returncode != 0
    assert "不安全的路径“../outside.txt”" in result.stderr
    assert not (tmp_path / "outside.txt").exists()
    assert not (ROOT / "outside.txt").exists()
    assert tables(fresh) == 0


def test_it_refuses_an_archive_of_the_other_engine(world, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_engine(entries: Members) -> Members:
        manifest = json.loads(entries[0][1])
        manifest["database"]["engine"] = other
        return [(entries[0][0], json.dumps(manifest).encode()), *entries[1:]]

    archive = rewrite(back_up(tmp_path), other_engine)
    with pytest.raises(CommandError, match=r"这是 (SQLite|PostgreSQL) 数据库的备份，当前配置的数据库是"):
        call_command("restore", str(archive), "--noinput", stdout=StringIO())


def hostile(tmp_path: Path, listed: list[tuple[str, bytes]], stored: Members) -> Path:
    """An archive with a well-formed manifest listing `listed`, and `stored` as its contents."""
    files = [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in listed]
    manifest = {"format": "kaoping-backup", "version": 1, "files": files,
                "database": {"engine": connection.vendor, "path": files[0]["path"], "migrations": []},
                "fingerprint": {"counts": {}, "digests": {}}}
    return write(tmp_path / "hostile.tar.gz", [(tarfile.TarInfo("manifest.json"), json.dumps(manifest).encode()),
                                               *stored])


def link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def padded(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.pax_headers = {"comment": "0" * (4 * 1024 * 1024)}  # expands 4 MB from a few KB
    return info


DUMP = ("database/kaoping.sqlite3", b"dump")


@pytest.mark.parametrize(("stored", "message"), [
    ([(tarfile.TarInfo(DUMP[0]), DUMP[1]), (link("media/passwd", "/etc/passwd"), b"")], "链接或特殊文件“media/passwd”"),
    ([(tarfile.TarInfo(DUMP[0]), DUMP[1]), (tarfile.TarInfo("media/extra.pdf"), PDF)], "不在清单中"),
    ([(tarfile.TarInfo("/etc/cron.d/kaoping"), b"* * * * * root id")], "不安全的路径“/etc/cron.d/kaoping”"),
    ([(tarfile.TarInfo(DUMP[0]), DUMP[1] * 2)], "大小与清单不符"),
    ([(padded(DUMP[0]), DUMP[1])], "超出了清单所列的大小"),
    ([], "缺少 1 个文件"),
])
def test_it_refuses_hostile_archive_members_before_unpacking_them(tmp_path, stored, message):
    archive = hostile(tmp_path, [DUMP], stored)
    with ArchiveReader(archive) as reader:
        reader.manifest()
        with pytest.raises(BackupError, match=message):
            reader.extract(tmp_path / "staging")
    assert not (tmp_path / "staging" / "media").exists()


def test_it_refuses_an_unsafe_manifest_a_cut_archive_and_a_file_that_is_no_archive(tmp_path):
    with (
        ArchiveReader(hostile(tmp_path, [DUMP, ("media/../../etc/cron.d/x", b"x")], [])) as reader,
        pytest.raises(BackupError, match="不安全的路径"),
    ):
        reader.manifest()
    dump = (DUMP[0], os.urandom(256 * 1024))  # incompressible: half the file is half the dump
    whole = hostile(tmp_path, [dump], [(tarfile.TarInfo(dump[0]), dump[1])]).read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) // 2])
    with ArchiveReader(tmp_path / "cut.tar.gz") as reader:
        reader.manifest()
        with pytest.raises(BackupError, match="不是有效的 Kaoping 备份文件"):
            reader.extract(tmp_path / "staging")
    (tmp_path / "plain.tar.gz").write_bytes(b"not a backup at all")
    with (
        ArchiveReader(tmp_path / "plain.tar.gz") as reader,
        pytest.raises(BackupError, match="不是有效的 Kaoping 备份文件"),
    ):
        reader.manifest()


def test_it_reads_media_root_from_the_environment_as_an_absolute_path(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "uploads"))
    assert env.env_path("MEDIA_ROOT", Path("/default")) == tmp_path / "uploads"
    monkeypatch.setenv("MEDIA_ROOT", "var/media")
    with pytest.raises(env.ConfigError, match="不是绝对路径"):
        env.env_path("MEDIA_ROOT", Path("/default"))
    monkeypatch.delenv("MEDIA_ROOT")
    assert env.env_path("MEDIA_ROOT", Path("/default")) == Path("/default")
