"""Moving an edition in and out as a file: export to Excel or JSON, import as a new draft."""

from __future__ import annotations

import json
import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.xlsx import XLSX_CONTENT_TYPE
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
def version_export_xlsx(request: HttpRequest, code: str) -> FileResponse:
    system = get_version_for_user(request.user, code)
    # A temporary file rather than memory; FileResponse streams it and closes (deletes) it.
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it once streamed
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

@login_required
@require_http_methods(["GET", "POST"])
def version_import_view(request: HttpRequest) -> HttpResponse:
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
