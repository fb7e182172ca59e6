from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from common.idle import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="kaoping_idle_clock")
