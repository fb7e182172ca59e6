"""Evidence files: upload and delete (the unit's reporter), download (everyone who sees the assessment).

The upload and delete controls sit in a cell of the score table, inside the score form, so they
post through forms rendered outside it (`_evidence_forms.html`) and come back to the page they
came from. A refused file is shown on a page of its own, with the message next to the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.access import get_assessment_for_user, is_reporter_for
from assessments.models import Assessment, Evidence, LockedError
from assessments.services.evidence import (
    ACCEPT,
    allowed_types_text,
    can_change_evidence,
    evidence_add,
    evidence_remove,
    inspect_upload,
    max_bytes,
    max_per_item,
)
from indicators.models import Item

# Refusals about the file itself; the others (count limit, sheet submitted) concern the item or
# the whole sheet and are shown above the form.
FILE_ERRORS = frozenset({"file_type", "empty", "too_large", "content_mismatch"})


class EvidenceUploadForm(forms.Form):
    item = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("子项目"))
    file = forms.FileField(
        label=gettext_lazy("文件"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": gettext_lazy("请选择要上传的文件。"), "empty": gettext_lazy("文件是空的，请重新选择。")},
    )

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(
            system_id=assessment.round.indicator_system_id
        ).order_by("category__number", "order", "id")
        self.fields["item"].label_from_instance = lambda item: f"{item.number} {item.name}"
        self.fields["file"].help_text = allowed_types_text() + _("每个文件最大 %(limit)s，每个子项目最多 %(count)s 个文件。") % {
            "limit": filesizeformat(max_bytes()), "count": max_per_item()}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        inspect_upload(upload)
        return upload


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


def _evidence_for_user(user: Any, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("item", "uploaded_by").filter(pk=pk).first()
    if evidence is None:
        raise Http404("no such evidence")
    # Whoever may not see the assessment gets the same 404 as for a file that does not exist.
    evidence.assessment = get_assessment_for_user(user, evidence.assessment_id)
    return evidence


def _upload_page(request: HttpRequest, assessment: Assessment, form: EvidenceUploadForm, status: int = 200) -> HttpResponse:
    context = {
        "assessment": assessment,
        "form": form,
        "next_url": _back(request, assessment.pk),
        "can_upload": can_change_evidence(request.user, assessment),
    }
    return render(request, "assessments/evidence_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    if not is_reporter_for(request.user, assessment):
        raise PermissionDenied("only the unit's reporter uploads evidence")
    if request.method == "GET":
        form = EvidenceUploadForm(assessment=assessment, initial={"item": request.GET.get("item")})
        return _upload_page(request, assessment, form)
    form = EvidenceUploadForm(request.POST, request.FILES, assessment=assessment)
    if assessment.is_locked:
        messages.error(request, LockedError().messages[0])
        return redirect(_back(request, assessment.pk))
    if not form.is_valid():
        return _upload_page(request, assessment, form, status=400)
    item, upload = form.cleaned_data["item"], form.cleaned_data["file"]
    try:
        evidence = evidence_add(assessment=assessment, item=item, upload=upload, user=request.user)
    except LockedError as error:
        messages.error(request, error.messages[0])
        return redirect(_back(request, assessment.pk, item.pk))
    except ValidationError as error:
        form.add_error("file" if error.code in FILE_ERRORS else None, error)
        return _upload_page(request, assessment, form, status=400)
    messages.success(request, _("已上传“%(name)s”（%(number)s %(item)s）。") % {
        "name": evidence.original_name, "number": item.number, "item": item.name})
    return redirect(_back(request, assessment.pk, item.pk))


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for_user(request.user, pk)
    assessment = evidence.assessment
    if not is_reporter_for(request.user, assessment):
        raise PermissionDenied("only the unit's reporter deletes evidence")
    back = _back(request, assessment.pk, evidence.item_id)
    try:
        evidence_remove(evidence=evidence, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(back)
    messages.success(request, _("已删除“%(name)s”。") % {"name": evidence.original_name})
    return redirect(back)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = _evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("the stored file is missing") from None
    # Always an attachment with the stored type, never rendered in the page's origin: a PDF or
    # an image the browser would show inline could otherwise carry script.
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("assessments/<int:pk>/evidence/", evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", evidence_delete, name="evidence_delete"),
]
