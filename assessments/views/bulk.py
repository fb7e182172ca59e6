"""Bulk entry from Excel: an evaluator downloads their units of a round as one file and uploads it
back (a large file is imported by a background job, followed on its progress page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments.access import get_round_for_evaluator
from assessments.formats.bulk import write_scores
from assessments.forms.bulk import BulkUploadForm
from assessments.models import Round
from assessments.services.bulk import bulk_summary, review_sheets, template_rows, writable_sheets
from assessments.services.bulk_jobs import bulk_import_submit
from common.downloads import xlsx_attachment
from common.people import display_name
from common.typing import AuthenticatedHttpRequest

# A bad file of a few hundred rows can hold thousands of problems; the first ones show the way.
PROBLEMS_SHOWN = 200


@login_required
@require_GET
def bulk_template(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    round = get_round_for_evaluator(request.user, pk)
    columns, rows = template_rows(round=round, user=request.user)
    about = [
        ("考评批次", str(round)),
        ("指标体系", round.indicator_system.title),
        ("考评员", display_name(request.user)),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    filename = _("%(round)s_我的评分.xlsx") % {"round": f"{round.year}{round.title}"}
    return xlsx_attachment(
        lambda target: write_scores(columns, rows, target, about=about, round_id=round.pk, user_id=request.user.pk),
        filename=filename,
    )


def _page(request: HttpRequest, round: Round, form: BulkUploadForm, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "round": round,
        "form": form,
        "writable": writable_sheets(round, request.user).count(),
        "assigned": review_sheets(round, request.user).count(),
        **extra,
    }
    return render(request, "assessments/bulk_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_round_for_evaluator(request.user, pk)
    if request.method == "GET":
        return _page(request, round, BulkUploadForm())
    form = BulkUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, round, form, status=400)
    upload = form.cleaned_data["file"]
    submitted = bulk_import_submit(round=round, user=request.user, upload=upload, file_name=upload.name)
    if submitted.job is not None:
        return redirect("jobs:job", submitted.job.pk)
    result, problems = submitted.result, submitted.problems
    if result is None:
        return _page(
            request, round, form, status=400,
            problems=problems[:PROBLEMS_SHOWN], problem_count=len(problems), file_name=upload.name,
        )
    wrote, summary = bulk_summary(result)
    (messages.success if wrote else messages.info)(request, summary)
    return redirect("assessments:bulk_upload", pk=round.pk)
