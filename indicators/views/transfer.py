"""Moving an edition in and out as a file: export to Excel or JSON, import as a new draft."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.downloads import attachment, xlsx_attachment
from common.typing import AuthenticatedHttpRequest
from indicators.access import get_version_for_user, require_version_manager
from indicators.formats.excel import write_version
from indicators.formats.fixture import fixture_records
from indicators.formats.upload import parse_upload
from indicators.forms.versions import VersionImportForm
from indicators.models import IndicatorSystem
from indicators.services.versions import version_import

PROBLEMS_SHOWN = 200


# --- Export -----------------------------------------------------------------------------------

def _file_name(system: IndicatorSystem, extension: str) -> str:
    return f"{system.title}_{system.code}.{extension}"


@login_required
@require_safe
def version_export_xlsx(request: AuthenticatedHttpRequest, code: str) -> FileResponse:
    system = get_version_for_user(request.user, code)
    return xlsx_attachment(lambda target: write_version(system, target), filename=_file_name(system, "xlsx"))


@login_required
@require_safe
def version_export_json(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    system = get_version_for_user(request.user, code)
    body = json.dumps(fixture_records(system), ensure_ascii=False, indent=2) + "\n"
    return attachment(body.encode("utf-8"), filename=_file_name(system, "json"),
                      content_type="application/json; charset=utf-8")


# --- Import -----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def version_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_version_manager(request.user)
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
