"""The score page: the official table with one sheet's scores, merged on save, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.access import (
    Step,
    allowed_steps,
    can_change_evidence,
    get_assessment_for_user,
    get_sheet_for_user,
    is_sheet_owner,
)
from assessments.formats.evidence import max_bytes, too_large_text
from assessments.forms.sheet import (
    MINE,
    THEIRS,
    SheetForm,
    after_conflict,
    as_text,
    base_field,
    choice_field,
    field_name,
    initial_for,
)
from assessments.models import Score, Sheet, SheetKind
from assessments.selectors.assessment import (
    evidence_by_item,
    last_changes,
    self_score_values,
    sheet_as_stored,
    sheet_scores,
)
from assessments.selectors.outline import outline_categories
from assessments.services import (
    OtherChange,
    SaveResult,
    SheetConflict,
    WorkflowError,
    sheet_save,
    sheet_submit,
    stored_values,
)
from assessments.services.scoring import values_of
from assessments.threeway import REASON, SCORE, FieldKey
from assessments.totals import ItemInfo, compute_totals
from assessments.validation import browser_rules
from assessments.views.evidence import pop_refusals
from assessments.views.sheet_table import sheet_table
from common.typing import AuthenticatedHttpRequest
from indicators.models import Category, Item


@dataclass
class Choice:
    """A conflicting field on the page: the other person's value against the user's."""

    name: str
    theirs: str
    mine: str
    change: OtherChange
    chosen: str = ""


@dataclass
class Conflicts:
    """What the page shows of others' work: the fields to decide, and the ones kept as they are."""

    choices: dict[FieldKey, Choice] = field(default_factory=dict)
    others: dict[FieldKey, OtherChange] = field(default_factory=dict)


def _page(
    request: HttpRequest, sheet: Sheet, form: SheetForm, categories: list[Category], *,
    conflicts: Conflicts | None = None, status: int = 200, stored: dict[int, Score] | None = None,
) -> HttpResponse:
    assessment = sheet.assessment
    conflicts = conflicts or Conflicts()
    stored = sheet_scores(sheet) if stored is None else stored
    self_scores = self_score_values(assessment) if sheet.kind == SheetKind.REVIEW else {}
    outline = [item for category in categories for item in category.items.all()]
    totals = compute_totals([ItemInfo(i.id, i.category_id, i.cap) for i in outline],
                            {item_id: row.score for item_id, row in stored.items()})
    steps = allowed_steps(request.user, assessment, sheet)
    editable = Step.SAVE in steps
    table = sheet_table(
        form=form, categories=categories, totals=totals, stored=stored, self_scores=self_scores,
        evidence=evidence_by_item(assessment), evidence_refusals=pop_refusals(request, assessment),
        conflicts=conflicts, editable=editable,
    )
    context = {
        "assessment": assessment,
        "sheet": sheet,
        "form": form,
        "table": table,
        "items": outline,  # for the evidence forms, which would read them again
        "totals": totals,
        "steps": steps,
        "editable": editable,
        # The controls sit on the unit's own sheet; a review sheet lists the files only.
        "can_upload_evidence": sheet.kind == SheetKind.SELF and can_change_evidence(request.user, assessment, sheet),
        "show_self": sheet.kind == SheetKind.REVIEW,
        "conflicts": conflicts,
        "next_url": request.get_full_path(),
        "input_rules": browser_rules(),
        "evidence_limit": {"bytes": max_bytes(), "message": too_large_text()},
    }
    return render(request, "assessments/sheet.html", context, status=status)


def _conflict_page_data(conflict: SheetConflict, form_data: Any) -> Conflicts:
    choices = {
        c.key: Choice(choice_field(c.key), as_text(c.key, c.theirs.value), str(form_data.get(field_name(c.key), "")),
                      c.theirs)
        for c in conflict.conflicts
    }
    others = {key: change for key, change in conflict.others.items() if key not in choices}
    return Conflicts(choices, others)


def _pending_choices(sheet: Sheet, form: SheetForm) -> Conflicts:
    """The choices a refused conflict page still asks for, with who made the other change."""
    keys = form.pending_keys()
    if not keys:
        return Conflicts()
    current = stored_values(sheet)
    by = last_changes(sheet, keys)
    return Conflicts({
        key: Choice(
            choice_field(key), as_text(key, form.data.get(base_field(key), "")), str(form.data.get(field_name(key), "")),
            OtherChange(key, current.get(key), *by.get(key, (None, None))),
            chosen=form.data.get(choice_field(key), "") if form.data.get(choice_field(key)) in (THEIRS, MINE) else "",
        )
        for key in sorted(keys)
    })


def _kept_message(result: SaveResult, items: list[Item]) -> str:
    numbers = {item.id: item.number for item in items}
    order = {item.id: index for index, item in enumerate(items)}
    labels = {SCORE: _("得分"), REASON: _("扣分理由")}
    kept = sorted(result.kept, key=lambda c: (order[c.key[0]], c.key[1] != SCORE))
    fields = "、".join(f"{numbers[c.key[0]]} {labels[c.key[1]]}" for c in kept)
    return _("在您编辑期间，他人修改了 %(count)s 处（%(fields)s），已一并保留。") % {
        "count": len(result.kept), "fields": fields}


@login_required
@require_http_methods(["GET", "POST"])
def sheet_page(request: AuthenticatedHttpRequest, pk: int, sheet_pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    sheet = get_sheet_for_user(request.user, assessment, sheet_pk)
    categories = outline_categories(assessment.round.indicator_system)
    items = [item for category in categories for item in category.items.all()]
    if request.method == "GET":
        # One read of the scores serves the form's initial values and the table alike.
        stored = sheet_scores(sheet)
        values = values_of((row.item_id, row.score, row.reason) for row in stored.values())
        form = SheetForm(initial=initial_for(values, sheet.version, items), items=items)
        return _page(request, sheet, form, categories, stored=stored)

    # Saving comes first whether the user saves or submits.
    if Step.SAVE not in allowed_steps(request.user, assessment, sheet):
        if not is_sheet_owner(request.user, sheet):
            raise PermissionDenied("sheet not editable by this user")
        # The sheet's own author, but the sheet is locked or already submitted: say so.
        messages.error(request, _("该评分表已提交或已锁定，不能再修改。"))
        return redirect(_url(sheet))
    form = SheetForm(request.POST, items=items)
    if not form.is_valid():
        messages.error(request, _("有 %(count)s 处输入需要修改，已标在对应的格子旁；您输入的内容都保留着，尚未保存。")
                       % {"count": len(form.errors)})
        return _page(request, sheet, form, categories, conflicts=_pending_choices(sheet, form), status=400)
    try:
        result = sheet_save(
            sheet=sheet, user=request.user, edits=form.edits, base_version=form.cleaned_data["version"]
        )
    except SheetConflict as conflict:
        fresh = sheet_as_stored(sheet)
        fresh.assessment = assessment
        form = SheetForm(initial=after_conflict(request.POST, conflict), items=items)
        return _page(request, fresh, form, categories, conflicts=_conflict_page_data(conflict, request.POST),
                     status=409)
    kept = _kept_message(result, items) if result.kept else ""
    if request.POST.get("action") == "submit":
        if result.kept:
            # The sheet now holds values this user has not seen: they look before it goes in.
            messages.warning(request, _("已保存，但尚未提交。") + kept + _("请核对后再提交。"))
            return redirect(_url(sheet))
        try:
            sheet_submit(sheet=result.sheet, user=request.user)
        except WorkflowError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_url(sheet))
        messages.success(request, _("已提交。"))
        return redirect("assessments:assessment_detail", pk=assessment.pk)
    if result.written:
        messages.success(request, _("已保存草稿。") + kept)
    else:
        messages.info(request, _("没有修改，无需保存。") + kept)
    return redirect(_url(sheet))


def _url(sheet: Sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])
