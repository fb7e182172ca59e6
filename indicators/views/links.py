"""Recording the lineage of an edition's items: which earlier item each one continues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.audit import page_context
from common.typing import AuthenticatedHttpRequest
from indicators.access import get_version_for_user, require_version_manager
from indicators.forms.links import ItemLinkForm
from indicators.selectors.lineage import earlier_items, link_of_version, links_of_version, source_chain
from indicators.selectors.outline import version_items
from indicators.services.links import item_link_add, item_link_remove


@login_required
@require_http_methods(["GET", "POST"])
def version_links(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    require_version_manager(request.user)
    system = get_version_for_user(request.user, code)
    chain = source_chain(system)
    later = version_items(system)
    earlier = earlier_items(chain)
    form = ItemLinkForm(later=later, earlier=earlier)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "remove":
        link = link_of_version(system, request.POST.get("link"))
        if link is not None:
            item_link_remove(link=link, user=request.user)
            messages.success(request, _("已删除沿革关系。"))
        return redirect("indicators:version_links", code=system.code)
    if request.method == "POST":
        form = ItemLinkForm(request.POST, later=later, earlier=earlier)
        if form.is_valid():
            try:
                item_link_add(
                    earlier=form.cleaned_data["earlier"], later=form.cleaned_data["later"],
                    kind=form.cleaned_data["kind"], user=request.user,
                )
            except ValidationError as error:  # the same link was saved since the form was checked
                form.add_error(None, error)
            else:
                messages.success(request, _("已保存沿革关系。"))
                return redirect("indicators:version_links", code=system.code)
        status = 400
    return render(request, "indicators/version_links.html", {
        "system": system, "chain": chain, "form": form, "links": links_of_version(system), **page_context(system)},
        status=status)
