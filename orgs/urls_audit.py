from django.urls import URLPattern, path

from orgs.views import audit

app_name = "audit"

urlpatterns: list[URLPattern] = [
    path("", audit.log, name="log"),
]
