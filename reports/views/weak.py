"""Weak items of a round across the reader's (sub)scope, and the organization × category heatmap."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from reports.access import get_report_organization, get_report_round
from reports.charts import HeatCells, percent_text
from reports.selectors.ranking import round_categories
from reports.selectors.rollup import category_stats, counted, heatmap_page, item_rates, items_chart, scope_figures

CODE_SLOT = "code-slot"


def trend_url() -> Callable[[str], str]:
    """`{% url 'reports:trend' code %}` for many codes at the cost of one reverse(): the path
    around the code is the same for all, and reverse() quotes the code as done here."""
    before, after = reverse("reports:trend", args=[CODE_SLOT]).split(CODE_SLOT)
    return lambda code: f"{before}{quote(code, safe=RFC3986_SUBDELIMS + '/~:@')}{after}"


@login_required
@require_safe
def weak_items(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    code = request.GET.get("org", "").strip()
    organization = get_report_organization(request.user, code) if code else None
    include_submitted = request.GET.get("submitted") == "1"
    figures = scope_figures(request.user, round, subtree=organization, include_submitted=include_submitted)
    categories = round_categories(round)
    rates = item_rates(figures, round)
    means = {stat.category.id: stat.mean_percent for stat in category_stats(figures, categories)}
    assessments = counted(request.user, round, subtree=organization, include_submitted=include_submitted)
    page_obj = heatmap_page(assessments, categories, request.GET.get("page"), count=figures.count)
    # Heat classes and texts are picked per shown cell (at most 50 rows × the categories), never per score.
    trend = trend_url()
    for row in page_obj.object_list:
        row.trend_url, row.percent_text = trend(row.organization.code), percent_text(row.percent)
    rows = [(row, HeatCells(row.cells)) for row in page_obj.object_list]
    return render(request, "reports/weak.html", {
        "round": round,
        "organization": organization,
        "categories": categories,
        "scope_means": HeatCells(means.get(c.id) for c in categories),
        "rates": rates,
        "chart": items_chart(rates) if rates else "",
        "page_obj": page_obj,
        "rows": rows,
        "include_submitted": include_submitted,
    })
