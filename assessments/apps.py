from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("考评")

    def ready(self) -> None:
        from assessments.access import evaluator_organizations
        from assessments.services.bulk_jobs import ScoreImport
        from assessments.services.report_stats import organization_moved, rebuild_missing
        from common.jobs.handlers import register
        from orgs.scope import register_scope_provider
        from orgs.signals import organization_moved as moved

        register(ScoreImport())
        # Evaluators and approvers see the units of their rounds in the organization pages too.
        register_scope_provider(evaluator_organizations)
        # The stored report aggregates follow the tree: a move repairs its old and new ancestors.
        moved.connect(organization_moved, dispatch_uid="kaoping_report_stats_moved")
        # A site upgraded to stored aggregates gets them for its earlier rounds at its next migrate.
        post_migrate.connect(rebuild_missing, sender=self, dispatch_uid="kaoping_report_stats_missing")
