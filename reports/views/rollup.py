"""Roll-up of one organization's descendants in a round: how many, mean, spread, distribution,
per category, and each direct child's subtree to drill into."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from orgs.selectors.tree import scope_roots
from reports.access import get_report_organization, get_report_round
from reports.selectors.ranking import round_categories
from reports.selectors.rollup import (
    category_chart,
    category_stats,
    children_page,
    histogram,
    histogram_chart,
    scope_ancestors,
    scope_figures,
    summary,
)


@login_required
@require_safe
def rollup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    code = request.GET.get("org", "").strip()
    organization = get_report_organization(request.user, code) if code else scope_roots(request.user, analyst_only=True).first()
    if organization is None:
        raise Http404("no organization in scope")
    include_submitted = request.GET.get("submitted") == "1"
    descendants = scope_figures(
        request.user, round, subtree=organization, descendants_only=True, include_submitted=include_submitted
    )
    stats = category_stats(descendants, round_categories(round))
    bins = histogram(descendants, round.indicator_system.total)
    return render(request, "reports/rollup.html", {
        "round": round,
        "organization": organization,
        "crumbs": scope_ancestors(request.user, organization),
        "summary": summary(descendants),
        "categories": stats,
        "bins": bins,
        "histogram_chart": histogram_chart(bins) if bins else "",
        "category_chart": category_chart(stats) if stats else "",
        "page_obj": children_page(request.user, round, organization, request.GET.get("page"),
                                  include_submitted=include_submitted),
        "include_submitted": include_submitted,
    })
