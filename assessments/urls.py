from django.urls import URLPattern

from assessments.views import assessment, bulk, evidence, rounds, sheets

app_name = "assessments"

urlpatterns: list[URLPattern] = [
    *rounds.urlpatterns,
    *assessment.urlpatterns,
    *sheets.urlpatterns,
    *evidence.urlpatterns,
    *bulk.urlpatterns,
]
