"""Excel downloads: a round's ranking (the page's filters, every row; a large one is written by a
background job, followed on its progress page) and one organization's score sheet.

Both stream from a temporary file through `common.downloads.xlsx_attachment`; their names, made of
organization and round names, go through `safe_filename`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from assessments.access import visible_parts
from common.downloads import safe_filename, xlsx_attachment
from common.jobs.models import Job
from common.typing import AuthenticatedHttpRequest
from reports.access import get_report_round, get_sheet_assessment
from reports.formats.xlsx import write_score_sheet
from reports.forms.ranking import RankingFilterForm
from reports.selectors.compare import categories_with_caps
from reports.selectors.sheet import score_sheet
from reports.services.ranking_export import TooLargeForRequest, ranking_workbook


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ranking_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The ranking's workbook with the page's filters (in the query string, for a POST too); a
    large one is confirmed on a page of its own and its POST starts the job."""
    round = get_report_round(request.user, pk)
    categories = categories_with_caps(round)
    form = RankingFilterForm(request.user, categories, request.GET)
    page = reverse("reports:ranking", args=[round.pk])
    if not form.is_valid():
        # Links from the page carry valid filters; a hand-made one goes to the page, which says what is wrong.
        return redirect(page + "?" + request.GET.urlencode())
    query = form.query()
    back = page + ("?" + query if query else "")
    export = ranking_workbook(user=request.user, round=round, categories=categories, filters=form.ranking_kwargs(),
                              next_url=back, start=request.method == "POST")
    if isinstance(export, Job):
        return redirect("jobs:job", export.pk)
    if isinstance(export, TooLargeForRequest):
        return render(request, "reports/export_confirm.html", {"round": round, "export": export, "back": back})
    return xlsx_attachment(export.write, filename=export.filename)


@login_required
@require_safe
def sheet_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    assessment = get_sheet_assessment(request.user, pk)
    # As on the assessment page: the unit sees its result once approved, and never who scored it.
    parts = visible_parts(request.user, assessment)
    show_evaluators, show_result = parts.reviews, parts.result
    data = score_sheet(assessment, named=show_evaluators)
    filename = _("%(organization)s_%(round)s_评分表.xlsx") % {
        "organization": assessment.organization.name, "round": assessment.round,
    }
    return xlsx_attachment(
        lambda target: write_score_sheet(data, target, show_result=show_result, show_evaluators=show_evaluators),
        filename=safe_filename(filename),
    )
