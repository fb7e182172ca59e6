"""The route table of the indicator editions, the only one of the app.

Order matters once: "diff/" and "import/" come before "<slug:code>/", which would otherwise
take them for the code of an edition.
"""

from django.urls import path

from indicators.views import diff, edit, links, transfer, versions

app_name = "indicators"

urlpatterns = [
    path("diff/", diff.version_diff_view, name="version_diff"),
    path("import/", transfer.version_import_view, name="version_import"),
    path("<slug:code>/links/", links.version_links, name="version_links"),
    path("<slug:code>/export.xlsx", transfer.version_export_xlsx, name="version_export_xlsx"),
    path("<slug:code>/export.json", transfer.version_export_json, name="version_export_json"),
    path("", versions.version_list, name="version_list"),
    path("<slug:code>/", versions.version_detail, name="version_detail"),
    path("<slug:code>/clone/", edit.version_clone_view, name="version_clone"),
    path("<slug:code>/edit/", edit.version_edit, name="version_edit"),
    path("<slug:code>/publish/", edit.version_publish_view, name="version_publish"),
    path("<slug:code>/archive/", edit.version_archive_view, name="version_archive"),
]
