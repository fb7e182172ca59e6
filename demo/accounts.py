"""The demo accounts that `make run` creates and prints. Known passwords: demo use only.

Their passwords are printed in the README, so they are refused here, below every caller, unless
DEBUG is on or the caller says explicitly that demo accounts are wanted (seed_demo --demo).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from orgs.models import Organization, Role, RoleGrant

REFUSAL = (
    "DEBUG 未开启，拒绝创建演示账号（其密码公开在 README 中）：开发时请设置 DEBUG=1，"
    "确需演示数据请加 --demo；生产环境请用 manage.py createsuperuser 创建管理员。"
)


class DemoAccountsRefused(Exception):
    """Demo accounts were asked for with DEBUG off and without an explicit demo flag."""


def demo_accounts_allowed(*, demo: bool = False) -> bool:
    return bool(settings.DEBUG or demo)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    full_name: str
    role: str | None
    organization_code: str | None = None
    is_superuser: bool = False

    @property
    def description(self) -> str:
        # The approver holds no role: approving is a duty given per round.
        return str(Role(self.role).label) if self.role else "审核人"


DEMO_ACCOUNTS = (
    DemoAccount("admin", "kaoping-admin", "系统管理员", Role.ADMIN, is_superuser=True),
    DemoAccount("analyst", "kaoping-analyst", "市委宣传部 王分析", Role.ANALYST, "DL"),
    DemoAccount("analyst_zs", "kaoping-analyst", "中山区委宣传部 李分析", Role.ANALYST, "DL-ZS"),
    DemoAccount("analyst_xg", "kaoping-analyst", "西岗区委宣传部 赵分析", Role.ANALYST, "DL-XG"),
    DemoAccount("evaluator", "kaoping-evaluator", "考评员 陈考评", Role.EVALUATOR),
    DemoAccount("evaluator2", "kaoping-evaluator", "考评员 孙考评", Role.EVALUATOR),
    DemoAccount("approver", "kaoping-approver", "考评办 周审核", None),
    DemoAccount("reporter", "kaoping-reporter", "海军广场街道同兴社区 刘填报", Role.REPORTER, "DL-ZS-S01-B001"),
)


@transaction.atomic
def ensure_demo_accounts(*, demo: bool = False) -> list[DemoAccount]:
    """Create or reset every demo account and its role; running it again changes nothing else.

    Refused (DemoAccountsRefused) with DEBUG off unless demo=True. Needs the demo tree
    (demo.dalian.ensure_dalian_tree) for the accounts with an organization.
    """
    if not demo_accounts_allowed(demo=demo):
        raise DemoAccountsRefused(REFUSAL)
    User = get_user_model()
    organizations = Organization.objects.in_bulk(
        [a.organization_code for a in DEMO_ACCOUNTS if a.organization_code], field_name="code"
    )
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.first_name = account.full_name
        user.is_staff = user.is_superuser = account.is_superuser
        user.is_active = True
        user.set_password(account.password)
        user.save()
        if account.role is None:
            continue
        RoleGrant.objects.get_or_create(
            user=user, role=account.role,
            organization=organizations[account.organization_code] if account.organization_code else None,
        )
    return list(DEMO_ACCOUNTS)
