"""The demo accounts that `make run` creates and prints. Known passwords: demo use only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    full_name: str
    role: str
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin", "kaoping-admin", "系统管理员", "管理员", is_superuser=True),
    DemoAccount("viewer", "kaoping-viewer", "演示用户", "普通用户"),
)


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """Create or reset every demo account; running it again changes nothing else."""
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.first_name = account.full_name
        user.is_staff = account.is_superuser
        user.is_superuser = account.is_superuser
        user.is_active = True
        user.set_password(account.password)
        user.save()
    return list(DEMO_ACCOUNTS)
