from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from common.jobs.handlers import register
        from reports.checks import check_cjk_font
        from reports.services.print_jobs import PrintSheets
        from reports.services.ranking_export import RankingWorkbook

        register(PrintSheets())
        register(RankingWorkbook())

        # Tagged, so that `manage.py check --tag fonts` runs it alone.
        checks.register(check_cjk_font, "fonts")
