"""The batch print of every official score sheet of a subtree, as a job of chunk tasks.

The request (`print_job_request`) only lists the sheets and cuts them into chunks of at most
PRINT_CHUNK_SHEETS, never across a district, so any number of workers print them in parallel.
Each chunk is one PDF; finishing puts them in a ZIP, one PDF per district (split into parts when a
district has more sheets than a chunk) with a list of its contents, and for a small print one
merged PDF as well. Each sheet is laid out on its own, so it keeps its own "page x of y".
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import Sequence
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from assessments.models import Round
from common.downloads import safe_filename
from common.jobs.engine import temporary_file
from common.jobs.handlers import AddFile, JobRefused, Progress
from common.jobs.models import Job, JobChunk
from common.jobs.services import ChunkPlan, job_start
from orgs.models import Organization
from reports.access import get_report_organization
from reports.formats.pdf import combine, join_pdfs, sheet_document, sheet_title
from reports.selectors.print_jobs import print_groups, sheets_to_print

KIND = "reports.print_sheets"
# Laid-out pages stay in memory until written, about 3 MB a sheet: a chunk writes every
# LAYOUT_SHEETS sheets and joins the parts, so a worker stays near 100 MB whatever the chunk.
LAYOUT_SHEETS = 20


def print_job_request(*, user: User, round: Round, organization: Organization, include_submitted: bool) -> Job | None:
    """Ask for the printing of every sheet of a subtree the user may see. A double click, or a
    second tab, joins the same print still under way. None when there is nothing to print."""
    groups = print_groups(user, round, organization, include_submitted=include_submitted)
    if not groups:
        return None
    size = max(1, int(settings.PRINT_CHUNK_SHEETS))
    chunks = []
    for name, ids in groups:
        parts = [ids[start:start + size] for start in range(0, len(ids), size)]
        for number, part in enumerate(parts, start=1):
            chunks.append(ChunkPlan(size=len(part), params={"ids": part, "group": name, "part": number, "parts": len(parts)}))
    scope = _("（含待审核的考评）") if include_submitted else _("（仅已审核的考评）")
    return job_start(
        user=user, kind=KIND, title=_("批量打印：%(title)s") % {"title": sheet_title(organization, round)} + scope,
        params={"round": round.pk, "organization": organization.pk, "submitted": include_submitted},
        chunks=chunks, unit=_("份评分表"), next_url=reverse("reports:ranking", args=[round.pk]),
    )


class PrintSheets:
    kind = KIND

    def _organization(self, job: Job, user: User) -> Organization | None:
        """The printed subtree, if it is still in the user's report scope."""
        organization = Organization.objects.filter(pk=job.params["organization"]).first()
        if organization is None:
            return None
        try:
            return get_report_organization(user, organization.code)
        except (Http404, PermissionDenied):
            return None

    def still_allowed(self, job: Job, user: User) -> bool:
        return self._organization(job, user) is not None

    def _scope(self, job: Job) -> tuple[Round, Organization]:
        # The requester's scope as it is now: a grant revoked while the job waited stops it
        # from printing what they may no longer see.
        organization = self._organization(job, job.requested_by)
        if organization is None:
            raise JobRefused(_("您已无权打印该范围的评分表。"))
        return Round.objects.get(pk=job.params["round"]), organization

    def run_chunk(self, job: Job, chunk: JobChunk, progress: Progress) -> tuple[IO[bytes], str] | None:
        round, organization = self._scope(job)
        sheets = list(
            sheets_to_print(job.requested_by, round, organization, include_submitted=job.params["submitted"])
            .filter(pk__in=chunk.params["ids"])
        )
        if not sheets:
            return None
        title = sheet_title(organization, round)
        # One font configuration for the chunk, so each written part embeds each font once.
        font_config = FontConfiguration()
        documents: list[Document] = []
        parts: list[IO[bytes]] = []
        try:
            for done, assessment in enumerate(sheets, start=1):
                documents.append(sheet_document(assessment, font_config))
                progress(done)
                if len(documents) == LAYOUT_SHEETS or done == len(sheets):
                    parts.append(temporary_file())
                    combine(documents, title, parts[-1])
                    documents = []
            target = temporary_file()
            join_pdfs(parts, title, target)
        finally:
            for part in parts:
                part.close()
        return target, "pdf"

    def finish(self, job: Job, chunks: Sequence[JobChunk], add_file: AddFile) -> None:
        round, organization = self._scope(job)
        printed = [chunk for chunk in chunks if chunk.file]
        if not printed:
            raise JobRefused(_("打印范围内没有可打印的评分表。"))
        title = sheet_title(organization, round)
        names = {chunk.pk: part_name(chunk) for chunk in printed}
        with temporary_file() as archive_file:
            with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_STORED) as archive:
                for chunk in printed:
                    # Streamed from storage into the archive: a city's PDFs never sit in memory.
                    with chunk.file.open("rb") as source, archive.open(names[chunk.pk], "w") as target:
                        shutil.copyfileobj(source, target, 1 << 20)
                archive.writestr(_("目录.csv"), contents_csv(job, round, organization, printed, names))
            add_file(label=_("下载 ZIP（每区一个 PDF）"), filename=safe_filename(title + ".zip"),
                     content_type="application/zip", handle=archive_file)
        if job.total <= int(settings.PRINT_MERGE_SHEETS):
            handles = [chunk.file.open("rb") for chunk in printed]
            try:
                with temporary_file() as merged:
                    join_pdfs(handles, title, merged)
                    add_file(label=_("下载合并的 PDF"), filename=safe_filename(title + ".pdf"),
                             content_type="application/pdf", handle=merged)
            finally:
                for handle in handles:
                    handle.close()


def part_name(chunk: JobChunk) -> str:
    params: dict[str, Any] = chunk.params
    name = params["group"] if params["parts"] == 1 else f"{params['group']}（{params['part']}／{params['parts']}）"
    return safe_filename(f"{chunk.index + 1:03d} {name}.pdf")


def contents_csv(
    job: Job, round: Round, organization: Organization, chunks: Sequence[JobChunk], names: dict[int, str]
) -> bytes:
    """Which unit's sheet is in which file, in print order: the index a meeting's clerk looks up."""
    sheets = sheets_to_print(job.requested_by, round, organization, include_submitted=job.params["submitted"])
    # The whole scope in one query rather than an IN list of every id (a city's would pass
    # SQLite's limit on parameters).
    units = {pk: (code, name) for pk, code, name in sheets.values_list("pk", "organization__code", "organization__name")}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("文件"), _("党组织编码"), _("党组织名称")])
    for chunk in chunks:
        for pk in chunk.params["ids"]:
            if pk in units:
                writer.writerow([names[chunk.pk], *units[pk]])
    # With a byte-order mark, so that Excel opens the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")

