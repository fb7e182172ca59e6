from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("党组织")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from orgs.account_gate import remember_owed_password

        user_logged_in.connect(remember_owed_password, dispatch_uid="kaoping_owed_password")
