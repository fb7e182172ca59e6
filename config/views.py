from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from assessments.selectors.work import my_work
from common.jobs.selectors import recent_jobs
from common.typing import AuthenticatedHttpRequest
from indicators.access import published_versions_for_user
from orgs.selectors.people import grants_of


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start page: what waits for the user first, then the way into the tree and the outline."""
    current = published_versions_for_user(request.user).first()
    grants = grants_of(request.user)
    context = {
        "current_version": current,
        "grants": grants,
        "work": my_work(request.user),
        "jobs": recent_jobs(request.user),
        "today": timezone.localdate(),
    }
    return render(request, "home.html", context)


@login_required
@require_safe
def ping(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A signed-in page in the site's layout that reads nothing of its own: the floor that
    `manage.py bench` and `make load` measure every other page against."""
    return render(request, "ping.html")
