"""Deploy checks of the accounts settings (run by `manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def check_admin_two_factor(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # Production turns it on by default; off there is an operator's explicit choice, said aloud.
    if settings.DEBUG or settings.KAOPING_ADMIN_2FA:
        return []
    return [
        Warning(
            "管理员两步验证已关闭（ADMIN_2FA=0）。 Two-factor sign-in for admins is off (ADMIN_2FA=0).",
            hint="生产环境请删去 ADMIN_2FA 或设为 1。 In production, unset ADMIN_2FA or set it to 1.",
            id="orgs.W001",
        )
    ]
