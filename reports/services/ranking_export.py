"""The ranking workbook: written in the request for a small scope, by a background job for one
over EXPORT_TASK_ROWS rows (a city's 20,000 take ~25 s, too long for a request).

Either way the same `RankingExport` writes it (openpyxl's write-only mode, rows streamed from one
query), so the job's file is the very workbook the request would have given. The job keeps the
filters, not the rows: the worker applies them again with the requester's scope as it is then,
so a grant revoked while the job waited never lets it write what they may no longer see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments.models import Round
from assessments.selectors.outline import round_items
from common.downloads import safe_filename
from common.jobs.engine import temporary_file
from common.jobs.handlers import AddFile, JobRefused, Progress
from common.jobs.models import Job, JobChunk
from common.jobs.services import ChunkPlan, job_start
from orgs.models import Organization
from orgs.scope import AnyUser
from reports.access import get_report_organization, get_report_round
from reports.formats.xlsx import XLSX_CONTENT_TYPE, RankingLayout, write_ranking
from reports.selectors.compare import CappedCategory, categories_with_caps, sorted_ranking
from reports.selectors.ranking import ExportRow, RankedAssessment, export_rows, ranked_assessments

KIND = "reports.ranking_workbook"
# Rows fetched from the database at a time while the workbook streams.
CHUNK = 2000
# Rows written between two reports to a job's progress.
PROGRESS_ROWS = 500


@dataclass(frozen=True)
class RankingExport:
    rows: QuerySet[RankedAssessment]
    layout: RankingLayout
    filename: str

    def write(self, target: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
        rows: Iterable[ExportRow] = export_rows(self.rows, categories=self.layout.categories, items=self.layout.items,
                                                chunk_size=CHUNK)
        if progress is not None:
            rows = _reporting(rows, progress)
        return write_ranking(rows, target, self.layout)


def _reporting(rows: Iterable[ExportRow], progress: Callable[[int], None]) -> Iterator[ExportRow]:
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_ROWS == 0:
            progress(done)
        yield row


def ranking_export(user: AnyUser, round: Round, *, categories: Sequence[CappedCategory],
                   subtree: Organization | None, org_type: str, depth: int | None, include_submitted: bool,
                   sort: str) -> RankingExport:
    """The workbook of the ranking page's filters (every row, in the page's order)."""
    items = round_items(round)
    rows = sorted_ranking(user, round, categories=categories, subtree=subtree, org_type=org_type, depth=depth,
                          include_submitted=include_submitted, sort=sort)
    title = f"{round} 排名"
    if subtree is not None:
        title += f"（{subtree.name}）"
    if include_submitted:
        title += "（含待审核）"
    filename = _("%(round)s_排名.xlsx") % {"round": f"{round}{'_' + subtree.name if subtree else ''}"}
    return RankingExport(rows, RankingLayout(title=title, categories=categories, items=items), safe_filename(filename))


@dataclass(frozen=True)
class TooLargeForRequest:
    """An export that must run as a job: the page asks before one is started (a GET never
    starts one, so neither a link preview nor a prefetch can)."""

    rows: int
    limit: int


def ranking_workbook(*, user: User, round: Round, categories: Sequence[CappedCategory], filters: dict[str, Any],
                     next_url: str, start: bool) -> RankingExport | TooLargeForRequest | Job:
    """The workbook to write now, or, for more than EXPORT_TASK_ROWS rows, the job that writes it
    (when `start`, else what the confirmation says). A double click, or a second tab, joins the
    same export still under way."""
    export = ranking_export(user, round, categories=categories, **filters)
    scope = {key: filters[key] for key in ("subtree", "org_type", "depth", "include_submitted")}
    count = ranked_assessments(user, round, **scope).count()
    limit = int(settings.EXPORT_TASK_ROWS)
    if count <= limit:
        return export
    if not start:
        return TooLargeForRequest(rows=count, limit=limit)
    subtree = filters["subtree"]
    params = {
        "round": round.pk, "org": subtree.code if subtree else "", "type": filters["org_type"],
        "level": filters["depth"], "submitted": filters["include_submitted"], "sort": filters["sort"],
    }
    return job_start(
        user=user, kind=KIND, title=_("排名 Excel：%(title)s") % {"title": export.layout.title}, params=params,
        chunks=[ChunkPlan(size=count)], unit=pgettext("job unit", "行"), next_url=next_url,
    )


class RankingWorkbook:
    kind = KIND

    def _scope(self, job: Job, user: User) -> tuple[Round, Organization | None]:
        # Raises Http404 or PermissionDenied once the round or the subtree left the user's scope;
        # the ranking itself reads within the scope as it is now.
        round = get_report_round(user, job.params["round"])
        return round, get_report_organization(user, job.params["org"]) if job.params["org"] else None

    def still_allowed(self, job: Job, user: User) -> bool:
        try:
            self._scope(job, user)
        except (Http404, PermissionDenied):
            return False
        return True

    def _allowed_export(self, job: Job) -> RankingExport:
        user, params = job.requested_by, job.params
        try:
            round, subtree = self._scope(job, user)
        except (Http404, PermissionDenied):
            raise JobRefused(_("您已无权导出该范围的排名。")) from None
        return ranking_export(
            user, round, categories=categories_with_caps(round), subtree=subtree, org_type=params["type"],
            depth=params["level"], include_submitted=params["submitted"], sort=params["sort"],
        )

    def run_chunk(self, job: Job, chunk: JobChunk, progress: Progress) -> tuple[IO[bytes], str]:
        export = self._allowed_export(job)
        target = temporary_file()
        try:
            export.write(target, progress)
        except BaseException:
            target.close()
            raise
        return target, "xlsx"

    def finish(self, job: Job, chunks: Sequence[JobChunk], add_file: AddFile) -> None:
        export = self._allowed_export(job)
        with chunks[0].file.open("rb") as handle:
            add_file(label=_("下载 Excel"), filename=export.filename, content_type=XLSX_CONTENT_TYPE, handle=handle)
