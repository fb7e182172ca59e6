"""The organization tree as an Excel file: the blank template, the export and the import."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import IO, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.xlsx import XLSX_CONTENT_TYPE
from orgs.access import require_admin
from orgs.imports import MAX_IMPORT_BYTES, import_upload
from orgs.models import Organization
from orgs.scope import AnyUser, visible_organizations
from orgs.selectors import scope_roots, with_parent_code
from orgs.tree_excel import TreeRow, write_template, write_tree

# A failed import of a large file can list thousands of problems; the first ones are enough
# to show what is wrong.
PROBLEMS_SHOWN = 200


class TreeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("使用本页模板的格式，最大 %(limit)s。") % {
            "limit": filesizeformat(MAX_IMPORT_BYTES)}


def _tree_rows(user: AnyUser) -> Iterator[TreeRow]:
    """The user's part of the tree in path order, so parents come before children.

    The parent code of the user's top organizations is written even when that parent lies
    outside their scope (its name already shows in their breadcrumbs): without it an admin
    importing an analyst's file would move the analyst's district to the top of the tree.
    """
    parent_of_root = dict(with_parent_code(scope_roots(user)).values_list("path", "parent_code"))
    code_of_path: dict[str, str] = {}
    rows = visible_organizations(user).order_by("path").values_list(
        "code", "name", "type", "is_active", "path"
    )
    for code, name, type_, is_active, path_ in rows.iterator(chunk_size=2000):
        parent_path = path_[: -Organization.steplen]
        parent_code = code_of_path[parent_path] if parent_path in code_of_path else parent_of_root.get(path_)
        code_of_path[path_] = code
        yield TreeRow(code, name, type_, parent_code or "", is_active)


def _attachment(write: Callable[[IO[bytes]], object], filename: str) -> FileResponse:
    # The workbook goes to a temporary file, not to memory, and FileResponse streams it out
    # in chunks and closes (deletes) it afterwards.
    target = tempfile.TemporaryFile()
    write(target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_GET
def tree_template(request: HttpRequest) -> FileResponse:
    return _attachment(write_template, _("党组织导入模板.xlsx"))


@login_required
@require_GET
def tree_export(request: HttpRequest) -> FileResponse:
    rows = _tree_rows(request.user)
    today = timezone.localdate().isoformat()
    return _attachment(lambda target: write_tree(rows, target), _("党组织_%(date)s.xlsx") % {"date": today})


@login_required
@require_http_methods(["GET", "POST"])
def tree_import(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method == "GET":
        return render(request, "orgs/import.html", {"form": TreeImportForm()})
    form = TreeImportForm(request.POST, request.FILES)
    if form.is_valid():
        result, problems = import_upload(upload=form.cleaned_data["file"], user=request.user)
        if result is not None:
            messages.success(request, _(
                "导入完成：新增 %(created)s 个，更新 %(updated)s 个，移动 %(moved)s 个，未变 %(unchanged)s 个。"
                "系统中有而文件中没有的党组织保持不变。"
            ) % asdict(result))
            return redirect("orgs:tree_import")
        context = {
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "problem_count": len(problems),
            "file_name": form.cleaned_data["file"].name,
        }
        return render(request, "orgs/import.html", context, status=400)
    return render(request, "orgs/import.html", {"form": form}, status=400)


urlpatterns: list[URLPattern] = [
    path("import/", tree_import, name="tree_import"),
    path("import/template.xlsx", tree_template, name="tree_template"),
    path("export.xlsx", tree_export, name="tree_export"),
]
