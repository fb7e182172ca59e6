"""One organization's results across the years, ranked among its peers each year."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from reports.access import get_report_organization
from reports.selectors.lineage import item_trend, method_changes
from reports.selectors.trend import organization_trend, trend_chart


@login_required
@require_safe
def trend(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    organization = get_report_organization(request.user, code)
    include_submitted = request.GET.get("submitted") == "1"
    data = organization_trend(request.user, organization, include_submitted=include_submitted)
    return render(request, "reports/trend.html", {
        "organization": organization,
        "trend": data,
        "chart": trend_chart(data) if data.years else "",
        "item_rows": item_trend(data),
        "method_changes": method_changes(data),
        "include_submitted": include_submitted,
    })
