"""Comparing two editions side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from common.typing import AuthenticatedHttpRequest
from indicators.access import get_version_for_user
from indicators.selectors.diff import version_diff, versions_to_compare


@login_required
@require_safe
def version_diff_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    versions = versions_to_compare(request.user)
    a_code, b_code = request.GET.get("a", ""), request.GET.get("b", "")
    diff = None
    if a_code and b_code:
        diff = version_diff(get_version_for_user(request.user, a_code), get_version_for_user(request.user, b_code))
    return render(request, "indicators/version_diff.html", {
        "versions": versions, "a_code": a_code, "b_code": b_code, "diff": diff})
