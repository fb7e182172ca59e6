from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("党组织")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from common.jobs.handlers import register
        from orgs.account_gate import remember_owed_password
        from orgs.checks import check_admin_two_factor
        from orgs.services.tree_import_jobs import TreeImport

        register(TreeImport())
        user_logged_in.connect(remember_owed_password, dispatch_uid="kaoping_owed_password")
        checks.register(check_admin_two_factor, checks.Tags.security, deploy=True)
