"""Bulk entry from Excel: an evaluator downloads their units of a round as one file and uploads it back."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from assessments.bulk_excel import XLSX_CONTENT_TYPE, write_scores
from assessments.models import Round, Sheet, SheetKind
from assessments.services.bulk import bulk_import, max_bytes, review_sheets, template_rows, writable_sheets

# A bad file of a few hundred rows can hold thousands of problems; the first ones show the way.
PROBLEMS_SHOWN = 200


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("填好的 Excel 文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
        error_messages={"required": gettext_lazy("请选择要上传的文件。"), "empty": gettext_lazy("文件是空的，请重新选择。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("使用本页下载的模板，最大 %(limit)s。") % {"limit": filesizeformat(max_bytes())}


def _round_for_evaluator(user: Any, pk: int) -> Round:
    """The round, if the user holds review sheets in it; 404 otherwise, whoever they are."""
    mine = Sheet.objects.filter(assessment__round=OuterRef("pk"), kind=SheetKind.REVIEW, evaluator=user)
    round = Round.objects.select_related("indicator_system").filter(pk=pk).filter(Exists(mine)).first()
    if round is None:
        raise Http404("no sheets of this user in this round")
    return round


@login_required
@require_GET
def bulk_template(request: HttpRequest, pk: int) -> FileResponse:
    round = _round_for_evaluator(request.user, pk)
    columns, rows = template_rows(round=round, user=request.user)
    evaluator = request.user.get_full_name() or request.user.get_username()
    about = [
        ("考评批次", str(round)),
        ("指标体系", round.indicator_system.title),
        ("考评员", evaluator),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    # To a temporary file, not to memory; FileResponse streams it and deletes it afterwards.
    target = tempfile.TemporaryFile()
    write_scores(columns, rows, target, about=about, round_id=round.pk, user_id=request.user.pk)
    target.seek(0)
    filename = _("%(round)s_我的评分.xlsx") % {"round": f"{round.year}{round.title}"}
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _page(request: HttpRequest, round: Round, form: BulkUploadForm, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "round": round,
        "form": form,
        "writable": writable_sheets(round, request.user).count(),
        "assigned": review_sheets(round, request.user).count(),
        **extra,
    }
    return render(request, "assessments/bulk_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request: HttpRequest, pk: int) -> HttpResponse:
    round = _round_for_evaluator(request.user, pk)
    if request.method == "GET":
        return _page(request, round, BulkUploadForm())
    form = BulkUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, round, form, status=400)
    upload = form.cleaned_data["file"]
    result, problems = bulk_import(round=round, user=request.user, upload=upload)
    if result is None:
        return _page(
            request, round, form, status=400,
            problems=problems[:PROBLEMS_SHOWN], problem_count=len(problems), file_name=upload.name,
        )
    kept = _("下载模板后系统中另有 %(kept_fields)s 处修改，文件里没有改动这些格子，已保留系统中的值。") % asdict(
        result) if result.kept_fields else ""
    if result.changed_sheets:
        messages.success(request, _(
            "导入完成：%(changed_sheets)s 个党组织的 %(changed_items)s 项评分已更新，"
            "%(unchanged_sheets)s 个党组织没有变化。"
        ) % asdict(result) + kept)
    elif kept:
        messages.info(request, _("文件中没有您改动过的格子，没有写入任何内容。") + kept)
    else:
        messages.info(request, _("文件中没有需要写入的修改：没有改动的格子不会覆盖系统中的值。"))
    return redirect("assessments:bulk_upload", pk=round.pk)


urlpatterns: list[URLPattern] = [
    path("rounds/<int:pk>/my-scores.xlsx", bulk_template, name="bulk_template"),
    path("rounds/<int:pk>/my-scores/upload/", bulk_upload, name="bulk_upload"),
]
