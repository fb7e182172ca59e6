from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.audit import page_context
from common.typing import AuthenticatedHttpRequest
from indicators.access import can_manage_versions, get_version_for_user, versions_for_user
from indicators.selectors.outline import outline_table, versions_with_totals


@login_required
@require_safe
def version_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    versions = versions_with_totals(versions_for_user(request.user))
    return render(
        request,
        "indicators/version_list.html",
        {"versions": versions, "can_manage": can_manage_versions(request.user)},
    )


@login_required
@require_safe
def version_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    system = get_version_for_user(request.user, code)
    context: dict[str, object] = {"table": outline_table(system)}
    if can_manage_versions(request.user):
        # The history is the managers': it names who changed what, and links to the admin log.
        context |= page_context(system)
    return render(request, "indicators/version_detail.html", context)
