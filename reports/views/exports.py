"""Excel downloads: a round's ranking (the page's filters, every row) and one organization's score sheet.

Both stream from a temporary file through `common.downloads.xlsx_attachment`; their names, made of
organization and round names, go through `safe_filename`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessments.access import visible_parts
from assessments.selectors.outline import round_items
from common.downloads import safe_filename, xlsx_attachment
from common.typing import AuthenticatedHttpRequest
from reports.access import get_report_round, get_sheet_assessment
from reports.formats.xlsx import RankingLayout, write_ranking, write_score_sheet
from reports.forms.ranking import RankingFilterForm
from reports.selectors.compare import categories_with_caps, sorted_ranking, with_item_scores
from reports.selectors.sheet import score_sheet

# Rows fetched from the database at a time while the workbook streams.
CHUNK = 2000


@login_required
@require_safe
def ranking_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    round = get_report_round(request.user, pk)
    categories = categories_with_caps(round)
    form = RankingFilterForm(request.user, categories, request.GET)
    if not form.is_valid():
        # Links from the page carry valid filters; a hand-made one goes to the page, which says what is wrong.
        return redirect(reverse("reports:ranking", args=[round.pk]) + "?" + request.GET.urlencode())
    kwargs = form.ranking_kwargs()
    items = round_items(round)
    rows = with_item_scores(sorted_ranking(request.user, round, categories=categories, **kwargs), items)
    subtree = kwargs["subtree"]
    title = f"{round} 排名"
    if subtree is not None:
        title += f"（{subtree.name}）"
    if kwargs["include_submitted"]:
        title += "（含待审核）"
    layout = RankingLayout(title=title, categories=categories, items=items)
    filename = _("%(round)s_排名.xlsx") % {"round": f"{round}{'_' + subtree.name if subtree else ''}"}
    return xlsx_attachment(
        lambda target: write_ranking(rows.iterator(chunk_size=CHUNK), target, layout), filename=safe_filename(filename))


@login_required
@require_safe
def sheet_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    assessment = get_sheet_assessment(request.user, pk)
    # As on the assessment page: the unit sees its result once approved, and never who scored it.
    parts = visible_parts(request.user, assessment)
    show_evaluators, show_result = parts.reviews, parts.result
    data = score_sheet(assessment, named=show_evaluators)
    filename = _("%(organization)s_%(round)s_评分表.xlsx") % {
        "organization": assessment.organization.name, "round": assessment.round,
    }
    return xlsx_attachment(
        lambda target: write_score_sheet(data, target, show_result=show_result, show_evaluators=show_evaluators),
        filename=safe_filename(filename),
    )
