from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.models import Round
from common.typing import AuthenticatedHttpRequest
from reports.access import report_assessments, require_reports


@login_required
@require_safe
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reports start page: the rounds that hold assessments in the user's scope."""
    require_reports(request.user)
    in_scope = report_assessments(request.user).values("round_id")
    rounds = Round.objects.filter(pk__in=in_scope).select_related("indicator_system").order_by("-year", "-id")
    return render(request, "reports/index.html", {"rounds": rounds})
