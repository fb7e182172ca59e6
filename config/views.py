from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from indicators.access import versions_for_user
from indicators.models import VersionStatus
from orgs.models import RoleGrant


@login_required
def home(request: HttpRequest) -> HttpResponse:
    current = versions_for_user(request.user).filter(status=VersionStatus.PUBLISHED).first()
    grants = RoleGrant.objects.filter(user=request.user).select_related("organization").order_by("role", "id")
    return render(request, "home.html", {"current_version": current, "grants": grants})
