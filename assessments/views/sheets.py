"""The score page: the official table with one sheet's scores, saved all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.access import get_assessment_for_user, get_sheet_for_user, is_reporter_for, may_edit_sheet
from assessments.forms_sheet import SheetForm, initial_for, reason_field, score_field
from assessments.models import Score, Sheet, SheetKind
from assessments.selectors import evidence_by_item, outline_categories, self_sheet_of
from assessments.services import ConcurrentEdit, WorkflowError, sheet_save, sheet_submit
from assessments.services.evidence import max_bytes, too_large_text
from assessments.totals import ItemInfo, compute_totals
from assessments.validation import browser_rules
from assessments.views.evidence import pop_refusals
from indicators.models import Category, Item


@dataclass
class Row:
    item: Item
    score: Any
    reason: Any
    stored: Score | None
    self_score: Decimal | None = None
    evidence: list[Any] = field(default_factory=list)
    evidence_error: str = ""

    @property
    def differs_from_self(self) -> bool:
        mine = self.stored.score if self.stored else None
        return self.self_score is not None and mine is not None and mine != self.self_score


@dataclass
class CategoryBlock:
    category: Category
    rows: list[Row]
    subtotal: Decimal
    cap: Decimal


def _page(
    request: HttpRequest, sheet: Sheet, form: SheetForm, categories: list[Category], *,
    conflict: ConcurrentEdit | None = None, status: int = 200,
) -> HttpResponse:
    assessment = sheet.assessment
    stored = {score.item_id: score for score in Score.objects.filter(sheet=sheet)}
    self_scores: dict[int, Decimal | None] = {}
    if sheet.kind == SheetKind.REVIEW:
        own = self_sheet_of(assessment)
        if own is not None:
            self_scores = dict(Score.objects.filter(sheet=own).values_list("item_id", "score"))
    evidence = evidence_by_item(assessment)
    evidence_refusals = pop_refusals(request, assessment)
    items = [ItemInfo(i.id, c.id, i.cap) for c in categories for i in c.items.all()]
    totals = compute_totals(items, {item_id: row.score for item_id, row in stored.items()})
    blocks = [
        CategoryBlock(
            category=category,
            rows=[
                Row(
                    item=item, score=form[score_field(item.id)], reason=form[reason_field(item.id)],
                    stored=stored.get(item.id), self_score=self_scores.get(item.id),
                    evidence=evidence.get(item.id, []), evidence_error=evidence_refusals.get(item.id, ""),
                )
                for item in category.items.all()
            ],
            subtotal=totals.by_category.get(category.id, Decimal("0")),
            cap=totals.cap_by_category.get(category.id, Decimal("0")),
        )
        for category in categories
    ]
    editable = may_edit_sheet(request.user, sheet)
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "form": form,
        "blocks": blocks,
        "totals": totals,
        "editable": editable,
        "can_upload_evidence": editable and sheet.kind == SheetKind.SELF,
        "show_self": sheet.kind == SheetKind.REVIEW,
        "conflict": conflict,
        "next_url": request.get_full_path(),
        "input_rules": browser_rules(),
        "evidence_limit": {"bytes": max_bytes(), "message": too_large_text()},
    }
    return render(request, "assessments/sheet.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_page(request: HttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    sheet = get_sheet_for_user(request.user, assessment, sheet_pk)
    categories = outline_categories(assessment.round.indicator_system)
    items = [item for category in categories for item in category.items.all()]
    if request.method == "GET":
        stored = {score.item_id: score for score in Score.objects.filter(sheet=sheet)}
        return _page(request, sheet, SheetForm(initial=initial_for(stored, sheet.version), items=items), categories)

    if not may_edit_sheet(request.user, sheet):
        if not _is_owner(request.user, sheet):
            raise PermissionDenied("sheet not editable by this user")
        # The sheet's own author, but the sheet is locked or already submitted: say so.
        messages.error(request, _("该评分表已提交或已锁定，不能再修改。"))
        return redirect(_url(sheet))
    form = SheetForm(request.POST, items=items)
    if not form.is_valid():
        messages.error(request, _("有 %(count)s 处输入需要修改，已标在对应的格子旁；您输入的内容都保留着，尚未保存。")
                       % {"count": len(form.errors)})
        return _page(request, sheet, form, categories, status=400)
    try:
        sheet = sheet_save(
            sheet=sheet, user=request.user, entries=form.entries, base_version=form.cleaned_data["version"]
        )
    except ConcurrentEdit as conflict:
        # Keep what this user typed, show what the other person changed, and let a second save
        # (now from the current version) decide.
        data = request.POST.copy()
        data["version"] = str(conflict.current_version)
        fresh = Sheet.objects.select_related("evaluator").get(pk=sheet.pk)
        fresh.assessment = assessment
        return _page(request, fresh, SheetForm(data, items=items), categories, conflict=conflict, status=409)
    if request.POST.get("action") == "submit":
        try:
            sheet_submit(sheet=sheet, user=request.user)
        except WorkflowError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_url(sheet))
        messages.success(request, _("已提交。"))
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    messages.success(request, _("已保存草稿。"))
    return redirect(_url(sheet))


def _is_owner(user: Any, sheet: Sheet) -> bool:
    if sheet.kind == SheetKind.SELF:
        return is_reporter_for(user, sheet.assessment)
    return sheet.evaluator_id == user.pk


def _url(sheet: Sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])


urlpatterns = [
    path("assessments/<int:pk>/sheets/<int:sheet_pk>/", sheet_page, name="sheet"),
]
