from django.urls import URLPattern, path

from reports.views import compare, exports, index, pdf, ranking, rollup, trend, weak

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("", index.index, name="index"),
    *ranking.urlpatterns,
    *compare.urlpatterns,
    *exports.urlpatterns,
    *pdf.urlpatterns,
    *trend.urlpatterns,
    *rollup.urlpatterns,
    *weak.urlpatterns,
]
