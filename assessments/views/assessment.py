"""One assessment at a glance: the merged result beside the self-assessment, the sheets, the
history, and the workflow steps (approve, return, reopen) for those who may take them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.access import (
    Parts,
    Step,
    allowed_steps,
    ensure_step_role,
    get_assessment_for_user,
    sees_disagreement,
    step_refusal,
    visible_parts,
)
from assessments.forms.assessment import ReasonForm
from assessments.models import Assessment, AssessmentState, ItemResult, Sheet, SheetKind
from assessments.selectors.assessment import (
    assessment_sheets,
    category_results,
    evidence_counts,
    history,
    history_without_reviews,
    item_results,
    review_scores_by_item,
    score_values,
)
from assessments.selectors.outline import outline_categories
from assessments.services import assessment_approve, assessment_reopen, assessment_return
from assessments.totals import ItemInfo, compute_totals
from common.typing import AuthenticatedHttpRequest
from indicators.models import Category, Item

HISTORY_PAGE_SIZE = 50

STATE_BADGES: dict[str, str] = {
    AssessmentState.DRAFT: "text-bg-secondary",
    AssessmentState.SUBMITTED: "text-bg-warning",
    AssessmentState.RETURNED: "text-bg-danger",
    AssessmentState.APPROVED: "text-bg-success",
}


@dataclass
class ItemRow:
    item: Item
    self_score: Decimal | None
    reviews: list[Decimal | None]
    merged: Decimal | None
    spread: Decimal
    evidence_count: int
    flagged: bool

    @property
    def differs(self) -> bool:
        return self.self_score is not None and self.merged is not None and self.self_score != self.merged

    @property
    def delta(self) -> Decimal | None:
        return self.merged - self.self_score if self.differs else None  # type: ignore[operator]  # differs: neither is None


@dataclass
class CategoryBlock:
    category: Category
    cap: Decimal
    self_score: Decimal | None
    merged: Decimal | None
    rows: list[ItemRow] = field(default_factory=list)


def _blocks(
    assessment: Assessment, categories: list[Category], self_sheet: Sheet | None,
    review_sheets: list[Sheet], show_result: bool, show_flags: bool,
) -> list[CategoryBlock]:
    """The official table's rows with every figure the page shows, in a fixed number of queries."""
    items = [ItemInfo(i.id, c.id, i.cap) for c in categories for i in c.items.all()]
    self_scores = score_values(self_sheet) if self_sheet else {}
    self_totals = compute_totals(items, self_scores)
    reviews: dict[int, dict[int, Decimal | None]] = {}
    if review_sheets:
        for item_id, pairs in review_scores_by_item(assessment).items():
            reviews[item_id] = {sheet.pk: score for sheet, score in pairs}
    results: dict[int, ItemResult] = item_results(assessment) if show_result else {}
    category_scores: dict[int, Decimal] = category_results(assessment) if show_result else {}
    evidence = evidence_counts(assessment)
    threshold = assessment.round.disagreement_threshold
    blocks = []
    for category in categories:
        # A category the unit has not scored at all shows as empty rather than as a 0.
        self_scored = any(self_scores.get(item.pk) is not None for item in category.items.all())
        block = CategoryBlock(
            category, self_totals.cap_by_category.get(category.pk, Decimal("0")),
            self_totals.by_category.get(category.pk) if self_scored else None, category_scores.get(category.pk),
        )
        for item in category.items.all():
            result = results.get(item.pk)
            spread = result.spread if result else Decimal("0")
            block.rows.append(ItemRow(
                item=item,
                self_score=self_scores.get(item.pk),
                reviews=[reviews.get(item.pk, {}).get(sheet.pk) for sheet in review_sheets],
                merged=result.score if result else None,
                spread=spread,
                evidence_count=evidence.get(item.pk, 0),
                flagged=show_flags and spread > threshold,
            ))
        blocks.append(block)
    return blocks


def _history_page(request: HttpRequest, assessment: Assessment, parts: Parts, sheets: list[Sheet]) -> Any:
    if parts.reviews:
        return Paginator(history(assessment), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    user_id = request.user.pk
    events = history_without_reviews(assessment, request.user)
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # What is left (the self-assessment, the workflow steps) does not name the other evaluators either.
    evaluators = {s.evaluator_id for s in sheets if s.kind == SheetKind.REVIEW and s.evaluator_id != user_id}
    for event in page:
        event.actor_hidden = event.actor_id in evaluators  # type: ignore[attr-defined]  # for the template
    return page


def _refused_as(refusal: Exception | None, code: str) -> bool:
    return isinstance(refusal, ValidationError) and getattr(refusal, "code", None) == code


def _render(
    request: HttpRequest, assessment: Assessment, *, status: int = 200,
    return_form: ReasonForm | None = None, reopen_form: ReasonForm | None = None,
    approve_errors: list[str] | None = None,
) -> HttpResponse:
    user = request.user
    parts = visible_parts(user, assessment)
    show_flags = sees_disagreement(user, assessment.round)
    sheets = assessment_sheets(assessment)
    self_sheet = next((s for s in sheets if s.kind == SheetKind.SELF), None)
    review_sheets = [
        s for s in sheets if s.kind == SheetKind.REVIEW and (parts.reviews or s.evaluator_id == user.pk)
    ]
    categories = outline_categories(assessment.round.indicator_system)
    blocks = _blocks(assessment, categories, self_sheet, review_sheets, parts.result, show_flags)
    item_count = sum(len(block.rows) for block in blocks)
    steps = allowed_steps(user, assessment)
    context = {
        "assessment": assessment,
        "round": assessment.round,
        "state_badge": STATE_BADGES.get(assessment.state, "text-bg-secondary"),
        "parts": parts,
        "show_flags": show_flags,
        "flagged_count": sum(row.flagged for block in blocks for row in block.rows),
        "blocks": blocks,
        "item_count": item_count,
        "sheets": ([self_sheet] if self_sheet else []) + review_sheets,
        "review_sheets": review_sheets,
        "steps": steps,
        # The approver who scored this unit is told why there is no approve button.
        "approve_refused_own": Step.APPROVE not in steps
        and _refused_as(step_refusal(user, assessment, Step.APPROVE), "own_review"),
        "return_form": return_form or ReasonForm(auto_id="return_%s"),
        "reopen_form": reopen_form or ReasonForm(auto_id="reopen_%s"),
        "approve_errors": approve_errors or [],
        "events": _history_page(request, assessment, parts, sheets),
    }
    return render(request, "assessments/assessment_detail.html", context, status=status)


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render(request, get_assessment_for_user(request.user, pk))


@login_required
@require_POST
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    try:
        assessment_approve(assessment=assessment, user=request.user)
    except ValidationError as error:
        return _render(request, assessment, status=400, approve_errors=error.messages)
    messages.success(request, _("已审核通过，考评结果已锁定。"))
    return redirect("assessments:assessment_detail", pk=pk)


def _reason_step(
    request: HttpRequest, pk: int, step: Step, service: Callable[..., Assessment], done: str
) -> HttpResponse:
    """Return and reopen: a step that takes a reason, typed into the form named after it."""
    assessment = get_assessment_for_user(request.user, pk)
    # Refuse the role before judging the form: a 403 must not depend on what was typed.
    ensure_step_role(request.user, assessment, step)
    form = ReasonForm(request.POST, auto_id=f"{step}_%s")
    if form.is_valid():
        try:
            service(assessment=assessment, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect("assessments:assessment_detail", pk=pk)
    return _render(
        request, assessment, status=400, return_form=form if step == Step.RETURN else None,
        reopen_form=form if step == Step.REOPEN else None,
    )


@login_required
@require_POST
def return_(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reason_step(request, pk, Step.RETURN, assessment_return, _("已退回考评员修改。"))


@login_required
@require_POST
def reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reason_step(request, pk, Step.REOPEN, assessment_reopen, _("已重新打开，考评员可以再次修改评分。"))
