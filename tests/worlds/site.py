"""The whole site: every route, over one unit's data."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assessments.models import Sheet, SheetKind
from assessments.services.evidence import evidence_add
from common.jobs.models import Job, JobFile, JobState
from orgs.models import Role, RoleGrant
from tests.factories import (
    OrganizationFactory,
    assign,
    fill,
    make_round,
    user_with_role,
)

# --- The whole site: every route, over one unit's data ----------------------------------------

SECRET_UNIT = "机密测试支部"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def all_routes():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    return list(walk(get_resolver().url_patterns))


def site_world(outline) -> dict[str, Any]:
    """A round, an assessment, sheets, evidence, a person and a grant: something behind every URL.

    The evidence file is stored under MEDIA_ROOT, which the caller points at a temporary folder."""
    unit = OrganizationFactory(code="SECRET-1", name=SECRET_UNIT)
    evaluator = user_with_role(Role.EVALUATOR)
    reporter = user_with_role(Role.REPORTER, unit)
    round = make_round(outline, title="机密批次")
    sheet = assign(round, unit, evaluator)
    fill(sheet, evaluator, {"1.1": 2})
    own = Sheet.objects.get(assessment=sheet.assessment, kind=SheetKind.SELF)
    evidence = evidence_add(
        assessment=sheet.assessment, item=outline.items.get(number="1.1"),
        upload=SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"), user=reporter,
    )
    grant = RoleGrant.objects.get(user=reporter)
    # A finished batch print of the secret unit, with its download, asked for by its reporter.
    job = Job.objects.create(
        kind="reports.print_sheets", title=f"批量打印：{SECRET_UNIT}", requested_by=reporter, state=JobState.DONE,
        params={"round": round.pk, "organization": unit.pk, "submitted": False}, total=1,
    )
    download = JobFile(job=job, label="ZIP", filename=f"{SECRET_UNIT}.zip", content_type="application/zip")
    download.file.save("sheets.zip", ContentFile(SECRET_UNIT.encode()))
    return {
        "round": round.pk, "assessment": sheet.assessment_id, "sheet": sheet.pk, "self_sheet": own.pk,
        "evidence": evidence.pk, "code": unit.code, "user": reporter.pk, "grant": grant.pk,
        "version": outline.code, "job": job.pk, "job_file": download.pk,
    }


def url_for(name: str, params: list[str], world) -> str:
    values = []
    for param in params:
        if param == "code":
            values.append(world["version"] if name.startswith("indicators:") else world["code"])
        elif param == "sheet_pk":
            values.append(world["sheet"])
        elif name.startswith("jobs:"):
            values.append(world["job_file"] if param == "file_pk" else world["job"])
        elif param == "grant_pk":
            values.append(world["grant"])
        elif name.startswith("people:"):
            values.append(world["user"])
        elif name.startswith("assessments:evidence_d"):
            values.append(world["evidence"])
        elif name.startswith("assessments:round") or name.startswith("assessments:bulk"):
            values.append(world["round"])
        else:
            values.append(world["assessment"])
    return reverse(name, args=values)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")
