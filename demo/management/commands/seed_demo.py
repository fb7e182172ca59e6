from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.accounts import ensure_demo_accounts
from demo.dalian import ensure_dalian_tree, grow_to


class Command(BaseCommand):
    help = (
        "Build the demo Dalian organization tree and the demo accounts (idempotent) and print "
        "the accounts with their passwords. --orgs N grows the tree to N organizations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orgs", type=int, default=0, help="grow the tree to this many organizations")

    def handle(self, *args: Any, **options: Any) -> None:
        added = ensure_dalian_tree()
        if options["orgs"]:
            added += grow_to(options["orgs"])
        if added:
            self.stdout.write(f"党组织：新增 {added} 个 (organizations added)")
        accounts = ensure_demo_accounts()
        self.stdout.write("演示账号 (demo accounts):")
        for account in accounts:
            scope = f"（{account.organization_code}）" if account.organization_code else ""
            self.stdout.write(
                f"  {account.description:<8} 用户名 {account.username:<11} 密码 {account.password:<18} {account.full_name}{scope}"
            )
