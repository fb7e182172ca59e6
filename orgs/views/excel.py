"""The organization tree as an Excel file: the blank template, the export and the import (a
large file's import runs as a background job, followed on its progress page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.downloads import xlsx_attachment
from common.typing import AuthenticatedHttpRequest
from orgs.access import require_admin
from orgs.formats.tree_excel import write_template, write_tree
from orgs.forms.tree_import import TreeImportForm
from orgs.selectors.tree import tree_rows
from orgs.services.tree_import import import_summary
from orgs.services.tree_import_jobs import tree_import_submit

# A failed import of a large file can list thousands of problems; the first ones are enough
# to show what is wrong.
PROBLEMS_SHOWN = 200


@login_required
@require_GET
def tree_template(request: AuthenticatedHttpRequest) -> FileResponse:
    return xlsx_attachment(write_template, filename=_("党组织导入模板.xlsx"))


@login_required
@require_GET
def tree_export(request: AuthenticatedHttpRequest) -> FileResponse:
    rows = tree_rows(request.user)
    today = timezone.localdate().isoformat()
    return xlsx_attachment(lambda target: write_tree(rows, target), filename=_("党组织_%(date)s.xlsx") % {"date": today})


@login_required
@require_http_methods(["GET", "POST"])
def tree_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method == "GET":
        return render(request, "orgs/import.html", {"form": TreeImportForm()})
    form = TreeImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        submitted = tree_import_submit(upload=upload, file_name=upload.name, user=request.user)
        if submitted.job is not None:
            return redirect("jobs:job", submitted.job.pk)
        result, problems = submitted.result, submitted.problems
        if result is not None:
            messages.success(request, import_summary(result))
            return redirect("orgs:tree_import")
        context = {
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "problem_count": len(problems),
            "file_name": form.cleaned_data["file"].name,
        }
        return render(request, "orgs/import.html", context, status=400)
    return render(request, "orgs/import.html", {"form": form}, status=400)

