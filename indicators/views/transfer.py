"""Comparing editions, recording their lineage, and moving an edition in and out as a file.

Included first by indicators/urls.py: "diff/" and "import/" would otherwise be read as the
code of an edition by "<slug:code>/".
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from common.audit import page_context
from common.xlsx import XLSX_CONTENT_TYPE
from indicators.access import can_manage_versions, get_version_for_user, versions_for_user
from indicators.diff import version_diff
from indicators.models import IndicatorSystem, Item, ItemLink, LinkKind
from indicators.services_links import item_link_add, item_link_remove
from indicators.validators import validate_half_point, validate_version_code
from indicators.version_excel import write_version
from indicators.version_import import MAX_IMPORT_BYTES, fixture_records, parse_upload, version_import

PROBLEMS_SHOWN = 200


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_versions(request.user):
        raise PermissionDenied("indicator version managers only")


# --- Diff -------------------------------------------------------------------------------------

@login_required
@require_safe
def version_diff_view(request: HttpRequest) -> HttpResponse:
    versions = list(versions_for_user(request.user).order_by("year", "code"))
    a_code, b_code = request.GET.get("a", ""), request.GET.get("b", "")
    diff = None
    if a_code and b_code:
        diff = version_diff(get_version_for_user(request.user, a_code), get_version_for_user(request.user, b_code))
    return render(request, "indicators/version_diff.html", {
        "versions": versions, "a_code": a_code, "b_code": b_code, "diff": diff})


# --- Lineage links ----------------------------------------------------------------------------

def source_chain(system: IndicatorSystem) -> list[IndicatorSystem]:
    """The editions this one was cloned from, nearest first (a cycle of hand-set sources ends it)."""
    chain: list[IndicatorSystem] = []
    seen = {system.pk}
    current = system.source
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.source
    return chain


class ItemLinkForm(forms.Form):
    later = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("本版本子项目"))
    earlier = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("早期版本子项目"))
    kind = forms.ChoiceField(choices=LinkKind.choices, label=gettext_lazy("关系"))

    def __init__(self, *args: Any, later: QuerySet[Item], earlier: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["later"].queryset = later
        self.fields["earlier"].queryset = earlier
        self.fields["later"].error_messages["invalid_choice"] = _("请选择本版本中的子项目。")
        self.fields["earlier"].error_messages["invalid_choice"] = _("请选择来源版本中的子项目。")
        self.fields["earlier"].label_from_instance = lambda item: f"{item.system.title} · {item.number} {item.name}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("later") and data.get("earlier"):
            if ItemLink.objects.filter(earlier=data["earlier"], later=data["later"]).exists():
                self.add_error("earlier", _("这两个子项目之间已经有沿革关系，如需修改请先删除原来的。"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def version_links(request: HttpRequest, code: str) -> HttpResponse:
    _require_manager(request)
    system = get_version_for_user(request.user, code)
    chain = source_chain(system)
    later = Item.objects.filter(system=system).order_by("category__number", "order", "id")
    earlier = (
        Item.objects.filter(system__in=[s.pk for s in chain]).select_related("system")
        .order_by("-system__year", "system__code", "category__number", "order", "id")
    )
    form = ItemLinkForm(later=later, earlier=earlier)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "remove":
        link = ItemLink.objects.filter(pk=request.POST.get("link") or 0, later__system=system).first()
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
    links = (
        ItemLink.objects.filter(later__system=system)
        .select_related("earlier__system", "later").order_by("later__category__number", "later__order", "pk")
    )
    return render(request, "indicators/version_links.html", {
        "system": system, "chain": chain, "form": form, "links": links, **page_context(system)}, status=status)


# --- Export -----------------------------------------------------------------------------------

def _file_name(system: IndicatorSystem, extension: str) -> str:
    return f"{system.title}_{system.code}.{extension}"


@login_required
@require_safe
def version_export_xlsx(request: HttpRequest, code: str) -> FileResponse:
    system = get_version_for_user(request.user, code)
    # A temporary file rather than memory; FileResponse streams it and closes (deletes) it.
    target = tempfile.TemporaryFile()
    write_version(system, target)
    target.seek(0)
    # FileResponse writes a non-ASCII name as filename*=utf-8''… (RFC 6266 / 5987).
    return FileResponse(target, as_attachment=True, filename=_file_name(system, "xlsx"), content_type=XLSX_CONTENT_TYPE)


@login_required
@require_safe
def version_export_json(request: HttpRequest, code: str) -> HttpResponse:
    system = get_version_for_user(request.user, code)
    body = json.dumps(fixture_records(system), ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, _file_name(system, "json"))
    return response


# --- Import -----------------------------------------------------------------------------------

class VersionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.json," + XLSX_CONTENT_TYPE + ",application/json"}),
    )
    code = forms.SlugField(label=gettext_lazy("版本编码"), max_length=40)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    year = forms.IntegerField(label=gettext_lazy("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    total = forms.DecimalField(
        label=gettext_lazy("总分"), initial=Decimal("100"), max_digits=6, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), validate_half_point],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel 工作簿（.xlsx，官方表格格式）或 JSON 文件（.json，与导出格式相同），最大 %(limit)s。") % {
            "limit": filesizeformat(MAX_IMPORT_BYTES)}
        self.fields["code"].error_messages["invalid"] = _("版本编码只能包含字母、数字、下划线和连字符。")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        validate_version_code(code)
        if IndicatorSystem.objects.filter(code=code).exists():
            raise ValidationError(_("版本编码“%(code)s”已被使用。") % {"code": code})
        return code


@login_required
@require_http_methods(["GET", "POST"])
def version_import_view(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method == "GET":
        return render(request, "indicators/version_import.html", {"form": VersionImportForm()})
    form = VersionImportForm(request.POST, request.FILES)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        upload = form.cleaned_data["file"]
        version, problems = parse_upload(upload)
        if version is not None and not problems:
            try:
                system = version_import(
                    version=version, code=form.cleaned_data["code"], title=form.cleaned_data["title"],
                    year=form.cleaned_data["year"], total=form.cleaned_data["total"], user=request.user,
                    file_name=upload.name or "")
            except ValidationError as error:  # the code was taken since the form was checked
                form.add_error(None, error)
            else:
                messages.success(request, _("已导入为草稿版本“%(title)s”，请检查后发布。") % {"title": system.title})
                return redirect("indicators:version_detail", code=system.code)
        context |= {"problems": problems[:PROBLEMS_SHOWN], "problem_count": len(problems), "file_name": upload.name}
    return render(request, "indicators/version_import.html", context, status=400)


urlpatterns: list[URLPattern] = [
    path("diff/", version_diff_view, name="version_diff"),
    path("import/", version_import_view, name="version_import"),
    path("<slug:code>/links/", version_links, name="version_links"),
    path("<slug:code>/export.xlsx", version_export_xlsx, name="version_export_xlsx"),
    path("<slug:code>/export.json", version_export_json, name="version_export_json"),
]
