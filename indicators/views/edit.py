"""Admins clone, edit, publish and archive editions in the app.

Scoping: every page first resolves the edition through get_version_for_user (404 outside the
user's view), then requires the admin role (403), so an analyst never learns more than the
version list already tells them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.typing import AuthenticatedHttpRequest
from indicators.access import get_version_to_manage
from indicators.forms.versions import CloneForm
from indicators.models import IndicatorSystem, VersionStatus
from indicators.points import PointsError, format_points, parse_points
from indicators.selectors.outline import version_categories, version_items
from indicators.services.edit import CategoryRow, EditPlan, ItemRow, VersionEditInvalid, version_save_edits
from indicators.services.versions import (
    VersionNotPublishable,
    version_archive,
    version_clone,
    version_problems,
    version_publish,
)

NEW_CATEGORY = "cnew"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def version_clone_view(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    source = get_version_to_manage(request.user, code)
    if request.method != "POST":
        initial = {"code": f"{source.code}-copy"[:40], "title": _("%(title)s（修订）") % {"title": source.title},
                   "year": min(source.year + 1, 2100)}
        form = CloneForm(initial=initial)
    else:
        form = CloneForm(request.POST)
        if form.is_valid():
            try:
                draft = version_clone(source=source, **form.cleaned_data, user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已复制为草稿“%(title)s”，可以开始编辑。") % {"title": draft.title})
                return redirect("indicators:version_edit", code=draft.code)
    return render(request, "indicators/version_clone.html", {"source": source, "form": form})


def _plan_from_database(system: IndicatorSystem) -> EditPlan:
    items = version_items(system)
    categories = version_categories(system)
    plan = EditPlan(total=format_points(system.total), categories=[], items=[])
    for category in categories:
        plan.categories.append(CategoryRow(key=f"c{category.pk}", number=str(category.number), name=category.name))
    for item in items:
        plan.items.append(ItemRow(
            key=f"i{item.pk}", category_key=f"c{item.category_id}", number=item.number, name=item.name,
            standard=item.standard, cap=format_points(item.cap), order=str(item.order),
        ))
    # One empty row per category and one empty category: adding works without JavaScript.
    for row in list(plan.categories):
        plan.items.append(ItemRow(key=f"inew-{row.key}", category_key=row.key))
    plan.categories.append(CategoryRow(key=NEW_CATEGORY))
    plan.items.append(ItemRow(key=f"inew-{NEW_CATEGORY}", category_key=NEW_CATEGORY))
    return plan


def _plan_from_post(data: QueryDict) -> EditPlan:
    def text(key: str, name: str) -> str:
        return data.get(f"{key}-{name}", "")

    categories = [
        CategoryRow(key=key, number=text(key, "number"), name=text(key, "name"), delete=bool(text(key, "delete")))
        for key in dict.fromkeys(data.getlist("category"))
    ]
    items = [
        ItemRow(
            key=key, category_key=text(key, "category"), number=text(key, "number"), name=text(key, "name"),
            standard=text(key, "standard"), cap=text(key, "cap"), order=text(key, "order"),
            delete=bool(text(key, "delete")),
        )
        for key in dict.fromkeys(data.getlist("item"))
    ]
    return EditPlan(total=data.get("total", ""), categories=categories, items=items)


def _subtotal(rows: list[ItemRow]) -> Decimal:
    """What the page showed before the save was refused: the caps read so far, as version_edit.js adds them."""
    total = Decimal("0")
    for row in rows:
        try:
            total += 0 if row.delete else parse_points(row.cap) or 0
        except PointsError:
            continue
    return total


def _sections(plan: EditPlan) -> list[dict[str, Any]]:
    """Categories with their item rows, in the order posted, for the table layout."""
    by_category: dict[str, list[ItemRow]] = {row.key: [] for row in plan.categories}
    for row in plan.items:
        by_category.setdefault(row.category_key, []).append(row)
    return [
        {"category": row, "items": by_category[row.key], "subtotal": _subtotal(by_category[row.key])}
        for row in plan.categories
    ]


def _edit_page(request: HttpRequest, system: IndicatorSystem, plan: EditPlan, status: int = 200) -> HttpResponse:
    sections = _sections(plan)
    context = {
        "system": system, "plan": plan, "sections": sections,
        "sum": sum((s["subtotal"] for s in sections), Decimal("0")),
        "problems": version_problems(system),
    }
    return render(request, "indicators/version_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def version_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    system = get_version_to_manage(request.user, code)
    if system.status != VersionStatus.DRAFT:
        # Rounds of past years were scored against this edition; it stays as it is.
        return render(request, "indicators/version_edit.html", {"system": system, "frozen": True}, status=403)
    if request.method != "POST":
        return _edit_page(request, system, _plan_from_database(system))
    plan = _plan_from_post(request.POST)
    try:
        version_save_edits(system=system, plan=plan, user=request.user)
    except VersionEditInvalid as invalid:
        messages.error(request, _("未保存：请按标出的提示修改后再保存。"))
        return _edit_page(request, system, invalid.plan, status=400)
    except ValidationError as error:
        # Published by someone else between loading the page and saving it.
        messages.error(request, " ".join(error.messages))
        return redirect("indicators:version_detail", code=system.code)
    messages.success(request, _("已保存“%(title)s”。") % {"title": system.title})
    return redirect("indicators:version_edit", code=system.code)


@login_required
@require_POST
def version_publish_view(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    system = get_version_to_manage(request.user, code)
    try:
        version_publish(system=system, user=request.user)
    except VersionNotPublishable as refused:
        messages.error(request, _("未发布：%(problems)s") % {"problems": "；".join(refused.problems)})
        if system.status == VersionStatus.DRAFT:
            return redirect("indicators:version_edit", code=system.code)
    else:
        messages.success(request, _("已发布“%(title)s”，此后不能再修改。") % {"title": system.title})
    return redirect("indicators:version_detail", code=system.code)


@login_required
@require_POST
def version_archive_view(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    system = get_version_to_manage(request.user, code)
    try:
        version_archive(system=system, user=request.user)
    except VersionNotPublishable as refused:
        messages.error(request, _("未归档：%(problems)s") % {"problems": "；".join(refused.problems)})
    else:
        messages.success(request, _("已归档“%(title)s”，新的考评批次不能再选用它。") % {"title": system.title})
    return redirect("indicators:version_detail", code=system.code)
