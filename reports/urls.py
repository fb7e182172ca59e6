"""The reports' only route table. No pattern here can match another's URL (each ends in its own
literal segment), so their order carries no meaning."""

from django.urls import URLPattern, path

from reports.views import compare, exports, index, pdf, ranking, rollup, trend, weak

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("", index.index, name="index"),
    path("rounds/<int:pk>/ranking/", ranking.ranking_page, name="ranking"),
    path("rounds/<int:pk>/compare/", compare.compare_page, name="compare"),
    path("rounds/<int:pk>/ranking.xlsx", exports.ranking_xlsx, name="ranking_xlsx"),
    path("assessments/<int:pk>/score-sheet.xlsx", exports.sheet_xlsx, name="sheet_xlsx"),
    path("assessments/<int:pk>/score-sheet.pdf", pdf.sheet_pdf, name="sheet_pdf"),
    path("rounds/<int:pk>/ranking.pdf", pdf.ranking_pdf_view, name="ranking_pdf"),
    path("rounds/<int:pk>/print/", pdf.print_job_start, name="print_job_start"),
    path("orgs/<str:code>/trend/", trend.trend, name="trend"),
    path("rounds/<int:pk>/rollup/", rollup.rollup, name="rollup"),
    path("rounds/<int:pk>/weak-items/", weak.weak_items, name="weak"),
]
