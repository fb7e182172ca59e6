from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from reports.access import require_reports
from reports.selectors.rounds import report_rounds


@login_required
@require_safe
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reports start page: the rounds that hold assessments in the user's scope."""
    require_reports(request.user)
    return render(request, "reports/index.html", {"rounds": report_rounds(request.user)})
