from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from assessments.models import Assessment
from demo.accounts import REFUSAL, demo_accounts_allowed, ensure_demo_accounts
from demo.dalian import ensure_dalian_tree, grow_to
from demo.rounds import TITLE, build_closed_round, build_open_round, demo_users
from indicators.models import IndicatorSystem

DEMO_WARNING = (
    "警告：DEBUG 未开启，--demo 正在创建密码公开的演示账号（含超级管理员 admin）。"
    "这台服务器只能用于演示，切勿存放真实数据。"
)


class Command(BaseCommand):
    help = (
        "Build the demo Dalian organization tree and the demo accounts (idempotent) and print "
        "the accounts with their passwords. --orgs N grows the tree to N organizations. "
        "Refused with DEBUG off unless --demo is given: the passwords are public."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orgs", type=int, default=0, help="grow the tree to this many organizations")
        parser.add_argument(
            "--years", type=int, default=3, help="closed, approved rounds for this many past years (default 3)"
        )
        parser.add_argument(
            "--demo", action="store_true",
            help="create the demo accounts even with DEBUG off (a demonstration server, never production)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Checked before anything is written: a refused run leaves no demo tree behind either.
        if not demo_accounts_allowed(demo=options["demo"]):
            raise CommandError(REFUSAL)
        if options["demo"] and not settings.DEBUG:
            self.stderr.write(self.style.WARNING(DEMO_WARNING))
        added = ensure_dalian_tree()
        if options["orgs"]:
            added += grow_to(options["orgs"])
        if added:
            self.stdout.write(f"党组织：新增 {added} 个 (organizations added)")
        accounts = ensure_demo_accounts(demo=options["demo"])
        system = IndicatorSystem.objects.filter(code="dalian-2010").first()
        if system is None:
            raise CommandError("缺少指标体系大纲：请先运行 manage.py loaddata dalian_2010。")
        this_year = timezone.localdate().year
        users = demo_users()
        evaluators = [users["evaluator"], users["evaluator2"]]
        for year in range(this_year - options["years"], this_year):
            before = Assessment.objects.filter(round__year=year, round__title=TITLE.format(year=year)).count()
            built = build_closed_round(year, system, evaluators, users["approver"])
            if built:
                added = Assessment.objects.filter(round=built).count() - before
                self.stdout.write(f"考评批次：{year} 年（已审核，新增 {added} 个考评）")
        if build_open_round(this_year, system):
            self.stdout.write(f"考评批次：{this_year} 年（进行中）")
        self.stdout.write("演示账号 (demo accounts):")
        for account in accounts:
            scope = f"（{account.organization_code}）" if account.organization_code else ""
            self.stdout.write(
                f"  {account.description:<8} 用户名 {account.username:<11} 密码 {account.password:<18} {account.full_name}{scope}"
            )
