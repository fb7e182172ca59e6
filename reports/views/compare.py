"""Two to ten organizations of one round side by side, per category and per item, with a radar chart."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from reports.access import get_report_round
from reports.charts import radar
from reports.forms.compare import CompareForm
from reports.selectors.compare import comparison


@login_required
@require_safe
def compare_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_report_round(request.user, pk)
    # The first visit shows the chooser alone; a chooser sent empty is told what it lacks.
    form = CompareForm(request.user, request.GET if "org" in request.GET else None)
    context: dict[str, object] = {"round": round, "form": form, "result": None}
    if not form.is_bound:
        return render(request, "reports/compare.html", context)
    if not form.is_valid():
        return render(request, "reports/compare.html", context, status=400)
    include_submitted = form.cleaned_data["submitted"]
    result = comparison(request.user, round, form.cleaned_data["org"], include_submitted=include_submitted)
    if result.missing:
        names = "、".join(f"{o.name}（{o.code}）" for o in result.missing)
        message = (
            _("以下党组织在本批次没有已提交或已审核的考评结果：%(names)s。")
            if include_submitted
            else _("以下党组织在本批次没有已审核的考评结果：%(names)s。")
        )
        form.add_error("org", message % {"names": names})
        return render(request, "reports/compare.html", context, status=400)
    axes = [f"{line.number} {line.name}" for line in result.lines if line.is_category]
    context.update({
        "result": result,
        "columns": list(zip(result.organizations, result.assessments, strict=True)),
        "include_submitted": include_submitted,
        "chart": radar(_("各考评项目得分率（%）"), axes, result.radar_series()),
    })
    return render(request, "reports/compare.html", context)
