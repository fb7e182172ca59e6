"""Rounds (考评批次): the list and detail everyone in a round sees, and the admins' pages that
create, edit, close a round and decide who takes part and who scores whom.

Read access goes through `access.get_round_for_user` (404 outside one's rounds); every admin page asks
`access.get_round_to_manage`, which answers 403 to anyone but an admin before it looks at anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessments.access import (
    get_assessment_to_manage,
    get_round_for_user,
    get_round_to_manage,
    get_sheet_to_manage,
    sees_disagreement,
    visible_parts,
)
from assessments.forms.rounds import (
    AddOrganizationsForm,
    AssignForm,
    CloseForm,
    RoundCreateForm,
    RoundSettingsForm,
    initial_from_previous,
    initial_from_round,
)
from assessments.models import AssessmentState, MergeMethod, Round
from assessments.selectors.rounds import (
    attach_counts,
    evaluator_choices,
    newest_edition,
    participant_count,
    participant_rows,
    previous_round,
    previous_round_choices,
    round_approvers,
    round_rows,
    round_summary,
    scores_in_round,
)
from assessments.services import round_add_organizations, sheet_unassign
from assessments.services import round_close as close_round
from assessments.services.round_admin import (
    round_assign_evaluator,
    round_remove_assessment,
    round_start,
    round_update,
    sheet_make_lead,
)
from common.audit import page_context
from common.people import display_name
from common.typing import AuthenticatedHttpRequest
from orgs.access import require_admin
from orgs.scope import roles_of

PAGE_SIZE = 50


def _not_get_or_post(request: HttpRequest) -> HttpResponse | None:
    return None if request.method in ("GET", "POST") else HttpResponseNotAllowed(["GET", "POST"])


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_safe
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(round_rows(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = attach_counts(request.user, list(page.object_list))
    return render(
        request, "assessments/rounds/list.html", {"page_obj": page, "can_manage": roles_of(request.user).is_admin}
    )


def _create_initial(request: HttpRequest) -> dict[str, object]:
    newest = newest_edition()
    initial: dict[str, object] = {
        "year": timezone.localdate().year, "indicator_system": newest.pk if newest else None,
        "merge_method": MergeMethod.MEAN, "disagreement_threshold": Decimal("1.0"),
    }
    # "按所选批次填入" resubmits the form by GET with the chosen round: fill in its settings,
    # keeping a title or deadline already typed.
    previous = previous_round(request.GET.get("previous", ""))
    if previous is not None:
        initial.update(initial_from_previous(previous))
    for key in ("title", "deadline"):
        if request.GET.get(key, "").strip():
            initial[key] = request.GET[key].strip()
    return initial


@login_required
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if (refused := _not_get_or_post(request)) is not None:
        return refused
    if request.method != "POST":
        return _create_page(request, RoundCreateForm(initial=_create_initial(request)))
    form = RoundCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            round = round_start(
                year=data["year"], title=data["title"], indicator_system=data["indicator_system"],
                deadline=data["deadline"], merge_method=data["merge_method"],
                disagreement_threshold=data["disagreement_threshold"], approvers=data["approvers"],
                previous=data["previous"], user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if round.previous_id:
                count = participant_count(round)
                messages.success(
                    request,
                    _("已创建考评批次“%(round)s”，沿用了“%(previous)s”的 %(count)s 个党组织及其考评分工。")
                    % {"round": round, "previous": round.previous, "count": count},
                )
            else:
                messages.success(request, _("已创建考评批次“%(round)s”，请添加参与党组织并分配考评员。") % {"round": round})
            return redirect("assessments:round_detail", pk=round.pk)
    return _create_page(request, form)


def _create_page(request: HttpRequest, form: RoundCreateForm) -> HttpResponse:
    return render(
        request,
        "assessments/rounds/form.html",
        {
            "form": form, "previous": previous_round(str(form["previous"].value() or "")),
            "previous_choices": previous_round_choices(),
        },
    )


@login_required
@require_safe
def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk)
    query, state = request.GET.get("q", "").strip(), request.GET.get("state", "")
    rows = participant_rows(request.user, round, query=query, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    roles = roles_of(request.user)
    approvers = round_approvers(round)
    for row in page:
        row.parts = visible_parts(request.user, row)  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "assessments/rounds/detail.html",
        {
            "round": round,
            "approvers": approvers,
            "page_obj": page,
            "query": query,
            "state": state,
            "state_choices": AssessmentState.choices,
            "summary": round_summary(request.user, round),
            "can_manage": roles.is_admin,
            "show_flags": sees_disagreement(request.user, round),
            "scores_here": scores_in_round(request.user, round),
            # Who changed the round's settings and assignments is the admins' business only.
            **(page_context(round) if roles.is_admin else {}),
        },
    )


@login_required
def round_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_round_to_manage(request.user, pk)
    if (refused := _not_get_or_post(request)) is not None:
        return refused
    if request.method != "POST":
        form = RoundSettingsForm(initial=initial_from_round(round))
        return render(request, "assessments/rounds/form.html", {"form": form, "round": round})
    form = RoundSettingsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            round = round_update(
                round=round, title=data["title"], deadline=data["deadline"], merge_method=data["merge_method"],
                disagreement_threshold=data["disagreement_threshold"], approvers=data["approvers"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存考评批次“%(round)s”。") % {"round": round})
            return redirect("assessments:round_detail", pk=round.pk)
    return render(request, "assessments/rounds/form.html", {"form": form, "round": round})


@login_required
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_round_to_manage(request.user, pk)
    if (refused := _not_get_or_post(request)) is not None:
        return refused
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            close_round(round=round, user=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("考评批次“%(round)s”已结束，所有结果已冻结。") % {"round": round})
        return redirect("assessments:round_detail", pk=round.pk)
    return render(
        request, "assessments/rounds/close.html",
        {"round": round, "form": form, "summary": round_summary(request.user, round)},
    )


# --- participants and assignments -------------------------------------------------------------

Action = Callable[[HttpRequest, Round], HttpResponse | Form]


def _back(request: HttpRequest, round: Round) -> HttpResponse:
    """Back to the page the form was posted from, with its search and page kept."""
    url = reverse("assessments:round_participants", args=[round.pk])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def _add(request: HttpRequest, round: Round) -> HttpResponse | Form:
    form = AddOrganizationsForm(request.POST, prefix="add")
    if not form.is_valid():
        return form
    try:
        added = round_add_organizations(round=round, organizations=form.organizations(), user=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return form
    if added:
        messages.success(request, _("已将 %(count)s 个党组织加入本批次。") % {"count": added})
    else:
        messages.warning(request, _("没有新增党组织：所选党组织已在本批次中或已撤销。"))
    return _back(request, round)


def _assign(request: HttpRequest, round: Round) -> HttpResponse | Form:
    form = AssignForm(request.POST, prefix="assign")
    if not form.is_valid():
        return form
    evaluator = form.cleaned_data["evaluator"]
    try:
        result = round_assign_evaluator(
            round=round, organizations=form.organizations(), evaluator=evaluator,
            lead=form.cleaned_data["lead"], user=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return form
    name = display_name(evaluator)
    if result.sheets or result.leads:
        messages.success(
            request,
            _("考评员“%(name)s”：新分配 %(sheets)s 个党组织，设为主考评员 %(leads)s 个。")
            % {"name": name, "sheets": result.sheets, "leads": result.leads},
        )
    else:
        messages.warning(request, _("没有变化：考评员“%(name)s”已分配到所选党组织。") % {"name": name})
    if result.skipped_approved:
        messages.warning(
            request, _("%(count)s 个党组织的考评已审核锁定，未作更改。") % {"count": result.skipped_approved}
        )
    return _back(request, round)


def _sheet_step(request: HttpRequest, round: Round, service: Callable[..., object], done: str) -> HttpResponse:
    """A change of one posted review sheet; `done` names the evaluator and the unit on success."""
    sheet = get_sheet_to_manage(round, request.POST.get("sheet", ""))
    try:
        service(sheet=sheet, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, done % {"name": display_name(sheet.evaluator), "organization": sheet.assessment.organization.name}
        )
    return _back(request, round)


def _unassign(request: HttpRequest, round: Round) -> HttpResponse:
    return _sheet_step(request, round, sheet_unassign, _("已移除考评员“%(name)s”对“%(organization)s”的考评分工。"))


def _lead(request: HttpRequest, round: Round) -> HttpResponse:
    return _sheet_step(request, round, sheet_make_lead, _("已将“%(name)s”设为“%(organization)s”的主考评员。"))


def _remove(request: HttpRequest, round: Round) -> HttpResponse:
    assessment = get_assessment_to_manage(round, request.POST.get("assessment", ""))
    try:
        round_remove_assessment(assessment=assessment, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已将“%(name)s”移出本批次。") % {"name": assessment.organization.name})
    return _back(request, round)


ACTIONS: dict[str, Action] = {
    "add": _add, "assign": _assign, "unassign": _unassign, "lead": _lead, "remove": _remove,
}


@login_required
def round_participants(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = get_round_to_manage(request.user, pk)
    if (refused := _not_get_or_post(request)) is not None:
        return refused
    forms: dict[str, Form] = {"add": AddOrganizationsForm(prefix="add"), "assign": AssignForm(prefix="assign")}
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponse(_("未知的操作。"), status=400)
        outcome = action(request, round)
        if isinstance(outcome, HttpResponse):
            return outcome
        # A form with errors: show it again with what was typed, beside the untouched other one.
        forms[request.POST["action"]] = outcome
    query = request.GET.get("q", "").strip()
    rows = participant_rows(request.user, round, query=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/rounds/participants.html",
        {
            "round": round,
            "add_form": forms["add"],
            "assign_form": forms["assign"],
            "evaluators": evaluator_choices(),
            "page_obj": page,
            "query": query,
            **page_context(round),
        },
    )
