from typing import Any

from django.core.management.base import BaseCommand

from demo.accounts import ensure_demo_accounts


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print them with their passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = ensure_demo_accounts()
        self.stdout.write("演示账号 (demo accounts):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<6} 用户名 {account.username:<10} 密码 {account.password}")
