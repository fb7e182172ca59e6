from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from common.backup.create import create_backup
from common.backup.database import BackupError
from common.backup.restore import engine_name


class Command(BaseCommand):
    help = (
        "备份数据库和全部上传文件到一个归档 (back up the database and every media file into one .tar.gz with a "
        "manifest of checksums and a data fingerprint; default folder var/backups/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="archive file, or a folder for the default name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(output=options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("已备份到 %(path)s：%(engine)s 数据库（%(assessments)s 个考评、%(scores)s 条得分、%(events)s 条修改记录）"
              "和 %(files)s 个上传文件，共 %(size)s。") % {
                "path": result.path, "engine": engine_name(result.engine), "assessments": result.counts["assessments"],
                "scores": result.counts["scores"], "events": result.counts["audit_events"],
                "files": result.media_files, "size": filesizeformat(result.size)}
        )
        if result.missing_files:
            self.stderr.write(
                _("注意：数据库中记录的 %(count)s 个文件在 MEDIA_ROOT 中找不到（如 %(example)s），备份里也没有它们。")
                % {"count": len(result.missing_files), "example": result.missing_files[0]}
            )
