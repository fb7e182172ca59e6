"""Evidence files (佐证材料): storing a checked upload, removing it, recording both (the checks: `assessments.formats.evidence`).

Files go through the model's FileField, that is through Django's storage API, under a generated
name (see `evidence_path`): the uploaded name is kept only as a label, so nothing a user types
ever becomes a path, and the files can move to object storage with a settings change.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.access import ensure_evidence_change
from assessments.formats.evidence import clean_name, inspect_upload, max_per_item
from assessments.models import Assessment, AuditAction, AuditEvent, Evidence
from indicators.models import Item


def _locked_assessment(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update(of=("self",)).select_related("round").get(pk=assessment.pk)


@transaction.atomic
def evidence_add(*, assessment: Assessment, item: Item, upload: UploadedFile, user: Any) -> Evidence:
    # The assessment row is the lock: two uploads at once cannot both pass the count limit,
    # and an approval waits for the upload to finish.
    assessment = _locked_assessment(assessment)
    sheet = ensure_evidence_change(user, assessment)
    if item.system_id != assessment.round.indicator_system_id:
        raise ValidationError("item outside the assessment's edition")
    kind = inspect_upload(upload)
    if Evidence.objects.filter(assessment=assessment, item=item).count() >= max_per_item():
        raise ValidationError(
            _("每个子项目最多上传 %(limit)s 个文件，请先删除不需要的文件。") % {"limit": max_per_item()},
            code="too_many",
        )
    evidence = Evidence(
        assessment=assessment, item=item, original_name=clean_name(upload.name or ""), size=cast(int, upload.size),  # an upload knows its size
        content_type=kind.content_type, uploaded_by=user,
    )
    evidence.file.save(upload.name or "", upload, save=False)
    try:
        evidence.save()
        AuditEvent.objects.create(
            assessment=assessment, sheet=sheet, item=item, actor=user, action=AuditAction.EVIDENCE,
            old="", new=evidence.original_name,
        )
    except BaseException:
        # The row is rolled back; the stored file would stay behind without this. (If a caller's
        # outer transaction rolls back later, the file does stay: an orphan, never a dangling row.)
        evidence.file.storage.delete(cast(str, evidence.file.name))  # named by the save above
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user: Any) -> None:
    assessment = _locked_assessment(evidence.assessment)
    sheet = ensure_evidence_change(user, assessment)
    current = Evidence.objects.filter(pk=evidence.pk, assessment=assessment).first()
    if current is None:
        return  # removed meanwhile (a second click): the outcome asked for already holds
    evidence = current
    storage, name = evidence.file.storage, cast(str, evidence.file.name)  # a stored row's file has a name
    AuditEvent.objects.create(
        assessment=assessment, sheet=sheet, item_id=evidence.item_id, actor=user, action=AuditAction.EVIDENCE,
        old=evidence.original_name, new="",
    )
    evidence.delete()
    # Only once the row is gone for good: a rolled-back removal must still find its file.
    transaction.on_commit(lambda: storage.delete(name))
