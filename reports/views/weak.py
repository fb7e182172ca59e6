"""Weak items of a round across the reader's (sub)scope, and the organization × category heatmap."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from reports.access import get_report_organization, get_report_round
from reports.charts import heat_color
from reports.selectors import round_categories
from reports.selectors_rollup import PAGE_SIZE, category_stats, counted, heatmap_rows, item_rates, items_chart


@login_required
@require_safe
def weak_items(request: HttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    code = request.GET.get("org", "").strip()
    organization = get_report_organization(request.user, code) if code else None
    include_submitted = request.GET.get("submitted") == "1"
    assessments = counted(request.user, round, subtree=organization, include_submitted=include_submitted)
    categories = round_categories(round)
    rates = item_rates(assessments)
    for rate in rates:
        rate["color"] = heat_color(rate["mean_percent"])
    means = {row["category__number"]: row["mean_percent"] for row in category_stats(assessments)}
    page_obj = Paginator(heatmap_rows(assessments, categories), PAGE_SIZE).get_page(request.GET.get("page"))
    # Colours are picked per cell of the page shown (at most 50 × the categories), not per score.
    rows = [
        (row, [(value, heat_color(value)) for value in (getattr(row, f"p{c.number}") for c in categories)])
        for row in page_obj.object_list
    ]
    return render(request, "reports/weak.html", {
        "round": round,
        "organization": organization,
        "categories": categories,
        "scope_means": [(means.get(c.number), heat_color(means.get(c.number))) for c in categories],
        "rates": rates,
        "chart": items_chart(rates) if rates else "",
        "page_obj": page_obj,
        "rows": rows,
        "include_submitted": include_submitted,
    })


urlpatterns: list[URLPattern] = [
    path("rounds/<int:pk>/weak-items/", weak_items, name="weak"),
]
