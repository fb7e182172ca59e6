"""The ranking of a round within the user's scope: filters, sortable columns, pages of 50.

The rows, ranks and subtotals come from reports.selectors.ranking (stored totals, SQL RANK), so a
page costs the same few queries whether the scope holds five organizations or twenty thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessments.models import Round
from common.typing import AuthenticatedHttpRequest
from indicators.points import format_points
from reports.access import get_report_round
from reports.forms.ranking import RankingFilterForm
from reports.selectors.compare import CappedCategory, categories_with_caps, sorted_ranking
from reports.selectors.ranking import category_scores

PAGE_SIZE = 50
# Names, codes, types and ranks read from the top down; scores from the best down.
ASCENDING_FIRST = {"rank", "name", "code", "type"}


@dataclass(frozen=True)
class Header:
    label: str
    key: str
    url: str
    active: bool
    descending: bool
    cap: str = ""


def _headers(form: RankingFilterForm, categories: Sequence[CappedCategory]) -> list[Header]:
    current = form.cleaned_data["sort"]
    columns = [
        ("rank", _("排名"), ""), ("code", _("编码"), ""), ("name", _("党组织"), ""), ("type", _("类型"), ""),
        ("total", _("得分"), ""), ("percent", _("得分率"), ""),
        *((f"c{c.number}", f"{c.number} {c.name}", format_points(c.cap)) for c in categories),
    ]
    headers = []
    for key, label, cap in columns:
        active = current.lstrip("-") == key
        descending = current.startswith("-") if active else False
        # The active column's link flips its direction; another column's starts in its natural one.
        ascending = descending if active else key in ASCENDING_FIRST
        target = key if ascending else f"-{key}"
        headers.append(Header(label, key, "?" + form.query(sort=target), active, descending, cap))
    return headers


@dataclass(frozen=True)
class RowTexts:
    select: str
    type: str
    total: str
    categories: list[str]


def ranking_context(request: HttpRequest, round: Round, form: RankingFilterForm,
                    categories: Sequence[CappedCategory]) -> dict[str, object]:
    context: dict[str, object] = {"round": round, "form": form, "categories": categories, "page": None}
    if not form.is_valid():
        return context
    kwargs = form.ranking_kwargs()
    rows = sorted_ranking(request.user, round, categories=categories, **kwargs)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each row's texts prepared once here: template filters and a translated label per cell
    # were most of a page's rendering.
    select = _("选择 %(name)s 进行对比")
    for row in page.object_list:
        row.texts = RowTexts(  # type: ignore[attr-defined]  # for the template
            select=select % {"name": row.organization.name},
            type=str(row.organization.get_type_display()),
            total=format_points(row.total),
            categories=[format_points(value) or "—" for value in category_scores(row, categories)],
        )
    context.update({
        "page": page,
        "headers": _headers(form, categories),
        "filter_query": form.query(),
        "subtree": kwargs["subtree"],
        "include_submitted": kwargs["include_submitted"],
    })
    return context


@login_required
@require_safe
def ranking_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    categories = categories_with_caps(round)
    form = RankingFilterForm(request.user, categories, request.GET)
    context = ranking_context(request, round, form, categories)
    return render(request, "reports/ranking.html", context, status=200 if context["page"] is not None else 400)
