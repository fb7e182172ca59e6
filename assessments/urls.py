"""The assessments app's only route table.

No pattern here shadows another (`<int:pk>` never matches "new"), so the order is free.
"""

from django.urls import URLPattern, path

from assessments.views import assessment, bulk, evidence, rounds, sheets

app_name = "assessments"

urlpatterns: list[URLPattern] = [
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("rounds/<int:pk>/participants/", rounds.round_participants, name="round_participants"),
    path("assessments/<int:pk>/", assessment.detail, name="assessment_detail"),
    path("assessments/<int:pk>/approve/", assessment.approve, name="assessment_approve"),
    path("assessments/<int:pk>/return/", assessment.return_, name="assessment_return"),
    path("assessments/<int:pk>/reopen/", assessment.reopen, name="assessment_reopen"),
    path("assessments/<int:pk>/sheets/<int:sheet_pk>/", sheets.sheet_page, name="sheet"),
    path("assessments/<int:pk>/evidence/", evidence.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path("rounds/<int:pk>/my-scores.xlsx", bulk.bulk_template, name="bulk_template"),
    path("rounds/<int:pk>/my-scores/upload/", bulk.bulk_upload, name="bulk_upload"),
]
