"""The admin-wide log of administrative changes (users, grants, organizations, rounds, editions)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from common.audit import admin_log
from common.typing import AuthenticatedHttpRequest
from orgs.access import require_admin
from orgs.forms.audit import AdminLogFilter

PAGE_SIZE = 50


@login_required
def log(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = AdminLogFilter(request.GET or None)
    if form.is_bound and form.is_valid():
        events = admin_log(**form.filters())
    elif form.is_bound:
        events = admin_log().none()  # a filter the form refuses matches nothing
    else:
        events = admin_log()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/people/audit_log.html", {"form": form, "page_obj": page})
