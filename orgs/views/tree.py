"""Browsing the organization tree within one's scope, and the admins' edits of single nodes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.audit import page_context
from common.typing import AuthenticatedHttpRequest
from orgs.access import can_manage_organizations, get_organization_for_user, require_admin
from orgs.forms.tree import OrganizationForm
from orgs.selectors.tree import (
    attach_breadcrumbs,
    breadcrumbs,
    parent_of,
    scope_roots,
    search_organizations,
    visible_children,
    visible_descendant_count,
)
from orgs.services.tree import organization_create, organization_update

PAGE_SIZE = 50


@login_required
@require_safe
def tree(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query:
        page = Paginator(search_organizations(request.user, query), PAGE_SIZE).get_page(request.GET.get("page"))
        attach_breadcrumbs(request.user, list(page.object_list))
    else:
        page = Paginator(scope_roots(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/tree.html",
        {"page": page, "query": query, "can_manage": can_manage_organizations(request.user)},
    )


@login_required
@require_safe
def children(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The children of one node as an HTML fragment, for expanding the tree in place."""
    organization = get_organization_for_user(request.user, code)
    page = Paginator(visible_children(request.user, organization), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/_children.html", {"page": page, "parent": organization})


@login_required
@require_safe
def detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    organization = get_organization_for_user(request.user, code)
    page = Paginator(visible_children(request.user, organization), PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = can_manage_organizations(request.user)
    return render(
        request,
        "orgs/detail.html",
        {
            "organization": organization,
            "crumbs": breadcrumbs(request.user, organization),
            "page": page,
            "descendant_count": visible_descendant_count(request.user, organization),
            "can_manage": can_manage,
            # Who changed what is for the admins who manage the tree, not for everyone who sees it.
            **(page_context(organization) if can_manage else {}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = OrganizationForm(request.POST or None, initial={"parent_code": request.GET.get("parent", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = organization_create(
            code=data["code"], name=data["name"], type=data["type"],
            parent=data["parent_code"], is_active=data["is_active"], by=request.user,
        )
        messages.success(request, _("已新增党组织“%(name)s”。") % {"name": organization.name})
        return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {"form": form, "organization": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    organization = get_organization_for_user(request.user, code, manage=True)
    parent = parent_of(organization)
    initial = {
        "code": organization.code, "name": organization.name, "type": organization.type,
        "parent_code": parent.code if parent else "", "is_active": organization.is_active,
    }
    form = OrganizationForm(request.POST or None, initial=initial, instance=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = organization_update(
            organization=organization, name=data["name"], type=data["type"],
            is_active=data["is_active"], parent=data["parent_code"], by=request.user,
        )
        messages.success(request, _("已保存党组织“%(name)s”。") % {"name": organization.name})
        return redirect("orgs:detail", code=organization.code)
    return render(request, "orgs/form.html", {"form": form, "organization": organization})
