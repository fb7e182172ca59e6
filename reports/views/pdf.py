"""PDF downloads (the official score sheet, the ranking report) and the batch print of a subtree.

A single PDF renders inside the request (about a second). Printing a whole district takes
minutes, so its request only queues a `PrintJob`; a worker prints it and the progress page
reads the progress from the database.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessments.access import visible_parts
from common.downloads import attachment, file_attachment, safe_filename
from common.typing import AuthenticatedHttpRequest
from orgs.selectors.tree import sole_scope_root
from reports.access import get_print_job_for_user, get_report_organization, get_report_round, get_sheet_assessment
from reports.formats.pdf import RankingFilters, ranking_pdf, ranking_title, score_sheet_pdf, sheet_title
from reports.forms.ranking import RankingFilterForm
from reports.models import PrintJobState
from reports.selectors.compare import categories_with_caps
from reports.services.print_jobs import print_job_request

TRUTHY = {"1", "on", "true", "yes"}
# Seconds between reloads of the progress page while a job is queued or printing.
POLL_SECONDS = 3


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
    """Queue the printing of every sheet of a subtree; the printing itself runs in a worker."""
    round = get_report_round(request.user, pk)
    code = request.POST.get("org", "").strip()
    organization = get_report_organization(request.user, code) if code else sole_scope_root(request.user, analyst_only=True)
    if organization is None:
        messages.error(request, _("请选择要打印的党组织范围。"))
        return redirect("reports:index")
    include_submitted = request.POST.get("submitted", "") in TRUTHY
    job = print_job_request(
        user=request.user, round=round, organization=organization, include_submitted=include_submitted,
        language=get_language() or "zh-hans",
    )
    if job is None:
        messages.warning(request, _("%(organization)s在本批次中没有可打印的评分表。") % {"organization": organization.name})
        return redirect("reports:index")
    return redirect("reports:print_job", job.pk)


@login_required
@require_safe
def print_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_print_job_for_user(request.user, pk)
    response = render(request, "reports/print_job.html", {"job": job, "poll_seconds": POLL_SECONDS})
    if not job.is_finished:
        # The Refresh header reloads the page in every browser, with no script to allow.
        response["Refresh"] = str(POLL_SECONDS)
    return response


@login_required
@require_safe
def print_job_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = get_print_job_for_user(request.user, pk)
    if job.state != PrintJobState.DONE or not job.file:
        return redirect("reports:print_job", job.pk)
    title = sheet_title(job.organization, job.round)
    return file_attachment(job.file.open("rb"), filename=download_name(title), content_type="application/pdf")

