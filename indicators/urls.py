from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.version_list, name="version_list"),
    path("<slug:code>/", views.version_detail, name="version_detail"),
]

# Admin-only editing pages live in their own module (issue 6).
from indicators.urls_edit import urlpatterns as edit_urlpatterns  # noqa: E402

urlpatterns += edit_urlpatterns

# Comparing, lineage links, import and export (issue 6). They go first: "diff/" and "import/"
# would otherwise be taken for the code of an edition by "<slug:code>/".
from indicators import views_versions  # noqa: E402

urlpatterns[:0] = views_versions.urlpatterns
