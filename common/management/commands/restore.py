from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from common.backup.database import BackupError, database_label
from common.backup.restore import restore_backup


class Command(BaseCommand):
    help = (
        "把备份恢复到空数据库 (restore an archive written by `backup` into an EMPTY database and MEDIA_ROOT, "
        "checking every file's SHA-256 and the data fingerprint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .tar.gz written by manage.py backup")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if options["interactive"]:
            question = _("将把 %(path)s 恢复到数据库 %(database)s 和目录 %(media)s。确认请输入 yes：") % {
                "path": path, "database": database_label(), "media": settings.MEDIA_ROOT}
            if input(question).strip().lower() != "yes":
                raise CommandError(_("已取消，没有恢复任何数据。"))
        try:
            result = restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("恢复完成：%(assessments)s 个考评、%(scores)s 条得分、%(events)s 条修改记录、%(files)s 个上传文件"
              "（%(size)s），每个文件的 SHA-256 和数据指纹都与备份一致。") % {
                "assessments": result.counts["assessments"], "scores": result.counts["scores"],
                "events": result.counts["audit_events"], "files": result.media_files,
                "size": filesizeformat(result.media_size)}
        )
        created = parse_datetime(result.created_at)
        self.stdout.write(_("备份时间 %(created)s，程序版本 %(version)s。") % {
            "created": f"{timezone.localtime(created):%Y-%m-%d %H:%M:%S}" if created else result.created_at,
            "version": result.app_version})
        if result.pending_migrations:
            self.stdout.write(_("本程序比备份多 %(count)s 个数据库迁移：请运行 manage.py migrate。")
                              % {"count": result.pending_migrations})
        if result.missing_files:
            self.stderr.write(
                _("注意：数据库中记录的 %(count)s 个文件不在备份中（如 %(example)s），备份时它们已经缺失。")
                % {"count": len(result.missing_files), "example": result.missing_files[0]}
            )
