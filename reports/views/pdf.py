"""PDF downloads (the official score sheet, the ranking report) and the batch print of a subtree.

A single PDF renders inside the request (about a second). Printing a whole district takes
minutes, so its request only asks for a job (common.jobs): workers print its chunks and the job's
page shows the progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessments.access import visible_parts
from common.downloads import attachment, safe_filename
from common.typing import AuthenticatedHttpRequest
from orgs.selectors.tree import sole_scope_root
from reports.access import get_report_organization, get_report_round, get_sheet_assessment
from reports.formats.pdf import RankingFilters, ranking_pdf, ranking_title, score_sheet_pdf, sheet_title
from reports.forms.ranking import RankingFilterForm
from reports.selectors.compare import categories_with_caps
from reports.services.print_jobs import print_job_request

TRUTHY = {"1", "on", "true", "yes"}


def download_name(title: str) -> str:
    # The workbooks' rule for characters some systems refuse; the Chinese is kept.
    return safe_filename(title + ".pdf")


def pdf_response(content: bytes, title: str) -> HttpResponse:
    return attachment(content, filename=download_name(title), content_type="application/pdf")


@login_required
@require_safe
def sheet_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_sheet_assessment(request.user, pk)
    # As on the assessment page and in the workbook: the unit is not told who scored it.
    content = score_sheet_pdf(assessment, hide_evaluators=not visible_parts(request.user, assessment).reviews)
    return pdf_response(content, sheet_title(assessment.organization, assessment.round))


@login_required
@require_safe
def ranking_pdf_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    # The ranking page's own form reads the filters, so the PDF lists what the page shows.
    form = RankingFilterForm(request.user, categories_with_caps(round), request.GET)
    if not form.is_valid():
        # Links from the page carry valid filters; a hand-made one goes to the page, which says what is wrong.
        return redirect(reverse("reports:ranking", args=[round.pk]) + "?" + request.GET.urlencode())
    filters = RankingFilters(**form.ranking_kwargs())
    return pdf_response(ranking_pdf(request.user, round, filters), ranking_title(round, filters))


@login_required
@require_POST
def print_job_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask for the printing of every sheet of a subtree; workers print it."""
    round = get_report_round(request.user, pk)
    code = request.POST.get("org", "").strip()
    organization = get_report_organization(request.user, code) if code else sole_scope_root(request.user, analyst_only=True)
    if organization is None:
        messages.error(request, _("请选择要打印的党组织范围。"))
        return redirect("reports:index")
    include_submitted = request.POST.get("submitted", "") in TRUTHY
    job = print_job_request(
        user=request.user, round=round, organization=organization, include_submitted=include_submitted,
    )
    if job is None:
        messages.warning(request, _("%(organization)s在本批次中没有可打印的评分表。") % {"organization": organization.name})
        return redirect("reports:index")
    return redirect("jobs:job", job.pk)
