"""Evidence files: upload and delete (the unit's reporter), download (everyone who sees the assessment).

The upload and delete controls sit in a cell of the score table, inside the score form, so they
post through forms rendered outside it (`_evidence_forms.html`). With script (static/js/evidence.js)
they post by fetch and ask for JSON: the answer carries the item's cell, re-rendered, with a
refusal's message in it, and the typed scores on the page are never touched. Without script the
post comes back to the score page, a refusal's message waiting in the session next to its item.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.access import (
    can_change_evidence,
    get_assessment_for_evidence,
    get_evidence_for_user,
    get_evidence_to_change,
)
from assessments.formats.evidence import max_bytes, too_large_text
from assessments.forms.evidence import EvidenceUploadForm
from assessments.models import Assessment, LockedError
from assessments.selectors.assessment import evidence_of_item, self_sheet_of
from assessments.selectors.outline import item_of_round
from assessments.services.evidence import evidence_add, evidence_remove
from common.downloads import file_attachment
from common.typing import AuthenticatedHttpRequest
from common.uploads import declared_length
from indicators.models import Item

REFUSAL_STATUS = {"too_large": 413, "locked": 409, "self_submitted": 409}
REFUSALS_KEY = "evidence_refusals"
# Room for the multipart headers, the CSRF token and the item next to the file itself.
FORM_OVERHEAD = 64 * 1024


def _back(request: HttpRequest, assessment_pk: int, item_pk: int | None = None) -> str:
    """Where to return to: the page the form was on, if it is ours; else the assessment."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = candidate
    else:
        url = reverse("assessments:assessment_detail", args=[assessment_pk])
    # Back to the row the user was working on, not to the top of a 32-row table.
    if item_pk is not None and "#" not in url:
        url += f"#evidence-{item_pk}"
    return url


def _upload_page(request: HttpRequest, assessment: Assessment, form: EvidenceUploadForm, status: int = 200) -> HttpResponse:
    context = {
        "assessment": assessment,
        "form": form,
        "next_url": _back(request, assessment.pk),
        "can_upload": can_change_evidence(request.user, assessment),
    }
    return render(request, "assessments/evidence_upload.html", context, status=status)


def _wants_json(request: HttpRequest) -> bool:
    # A browser's own form post accepts */*, which `accepts()` would read as JSON too.
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _cell(request: HttpRequest, assessment: Assessment, item: Item, error: str = "") -> str:
    context = {
        "assessment": assessment, "item": item, "evidence_list": evidence_of_item(assessment, item),
        "evidence_error": error,
        "can_upload": can_change_evidence(request.user, assessment),
    }
    return render_to_string("assessments/_evidence_cell.html", context, request=request)


def _done(request: HttpRequest, assessment: Assessment, item: Item, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "html": _cell(request, assessment, item)})
    messages.success(request, message)
    return redirect(_back(request, assessment.pk, item.pk))


def _refused(request: HttpRequest, assessment: Assessment, item: Item | None, error: ValidationError) -> HttpResponse:
    """A refusal, answered next to the item: in the JSON answer, or on the score page it came from."""
    message = error.messages[0]
    if _wants_json(request):
        body: dict[str, Any] = {"ok": False, "code": error.code, "message": message}
        if item is not None:
            body["html"] = _cell(request, assessment, item, message)
        return JsonResponse(body, status=REFUSAL_STATUS.get(error.code or "", 400))
    if item is None:
        messages.error(request, message)
        return redirect(_back(request, assessment.pk))
    refusals = request.session.get(REFUSALS_KEY, {})
    refusals.setdefault(str(assessment.pk), {})[str(item.pk)] = message
    request.session[REFUSALS_KEY] = refusals
    # The message waits next to the item on the self-assessment page, whichever page posted.
    own = self_sheet_of(assessment)
    if own is None:
        return redirect(_back(request, assessment.pk, item.pk))
    return redirect(reverse("assessments:sheet", args=[assessment.pk, own.pk]) + f"#evidence-{item.pk}")


def pop_refusals(request: HttpRequest, assessment: Assessment) -> dict[int, str]:
    """The refusals of plain (script-less) posts waiting for this assessment's score page, per item id."""
    refusals = request.session.get(REFUSALS_KEY)
    if not refusals or str(assessment.pk) not in refusals:
        return {}
    waiting = refusals.pop(str(assessment.pk))
    request.session[REFUSALS_KEY] = refusals
    return {int(item_pk): message for item_pk, message in waiting.items()}


def _oversized(request: HttpRequest) -> ValidationError | None:
    """Refuses a body too big for any accepted file, from its declared length, before it is read.

    Django's parser never reads past CONTENT_LENGTH, so this bounds the whole upload; the
    site-wide bound of common.uploads sits a little above this one, so an evidence file too big
    gets this message in its item's cell rather than the site's 413 page.
    """
    length = declared_length(request) or 0
    if length <= max_bytes() + FORM_OVERHEAD:
        return None
    return ValidationError(too_large_text(), code="too_large")


@csrf_exempt  # checked by csrf_protect below, once the size is known to be acceptable
@login_required
@require_http_methods(["GET", "POST"])
def evidence_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_evidence(request.user, pk)
    if request.method == "POST":
        # Reading request.POST (as the CSRF check does) would store the whole body first.
        oversized = _oversized(request)
        if oversized is not None:
            return _refused(request, assessment, item_of_round(assessment.round, request.GET.get("item")), oversized)
    return _evidence_upload(request, assessment)


@csrf_protect
def _evidence_upload(request: AuthenticatedHttpRequest, assessment: Assessment) -> HttpResponse:
    if request.method == "GET":
        form = EvidenceUploadForm(assessment=assessment, initial={"item": request.GET.get("item")})
        return _upload_page(request, assessment, form)
    form = EvidenceUploadForm(request.POST, request.FILES, assessment=assessment)
    valid = form.is_valid()
    item = form.cleaned_data.get("item")
    if assessment.is_locked:
        return _refused(request, assessment, item, LockedError())
    if item is None:
        if _wants_json(request):
            return _refused(request, assessment, None, ValidationError(form.errors["item"][0], code="item"))
        return _upload_page(request, assessment, form, status=400)
    if not valid:
        return _refused(request, assessment, item, form.errors.as_data()["file"][0])
    upload = form.cleaned_data["file"]
    try:
        evidence = evidence_add(assessment=assessment, item=item, upload=upload, user=request.user)
    except ValidationError as error:
        return _refused(request, assessment, item, error)
    return _done(request, assessment, item, _("已上传“%(name)s”（%(number)s %(item)s）。") % {
        "name": evidence.original_name, "number": item.number, "item": item.name})


@login_required
@require_POST
def evidence_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_to_change(request.user, pk)
    assessment = evidence.assessment
    try:
        evidence_remove(evidence=evidence, user=request.user)
    except ValidationError as error:
        return _refused(request, assessment, evidence.item, error)
    return _done(request, assessment, evidence.item, _("已删除“%(name)s”。") % {"name": evidence.original_name})


@login_required
@require_GET
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    evidence = get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("the stored file is missing") from None
    # Always an attachment with the stored type, never rendered in the page's origin: a PDF or
    # an image the browser would show inline could otherwise carry script.
    response = file_attachment(handle, filename=evidence.original_name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
