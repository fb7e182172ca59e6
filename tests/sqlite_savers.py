"""Several threads saving score sheets at once into one SQLite file, as gunicorn workers do.

The suite's own database lives in memory, so tests/test_sqlite_concurrency.py runs this in a
subprocess on a file of its own:

    python tests/sqlite_savers.py DB_PATH [--threads 8] [--saves 20] [--plain]

It prints one JSON object: saves done, conflicts, and every error ("database is locked" among
them). --plain drops the OPTIONS of config.env.SQLITE_OPTIONS, to see the failure they prevent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each thread gives up after this long, so a wedged database cannot hang the suite.
THREAD_DEADLINE_SECONDS = 90


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_path")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.db_path).resolve()}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    if args.plain:
        settings.DATABASES["default"]["OPTIONS"] = {}
    print(json.dumps(run(threads=args.threads, saves=args.saves)))
    return 0


def run(*, threads: int, saves: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import OperationalError, connection

    from assessments.models import Sheet
    from assessments.services import Entry, SheetConflict, edits_from, sheet_save, stored_values
    from indicators.models import IndicatorSystem, Item
    from orgs.models import Role
    from tests.factories import OrganizationFactory, assign, make_round, user_with_role

    call_command("migrate", verbosity=0)
    call_command("loaddata", "dalian_2010", verbosity=0)
    outline = IndicatorSystem.objects.get(code="dalian-2010")
    items = list(Item.objects.filter(system=outline))
    unit = OrganizationFactory(code="U1", name="并发测试支部")
    round = make_round(outline)
    # All sheets of one assessment: every save also rewrites the same merged results.
    sheets = [assign(round, unit, user_with_role(Role.EVALUATOR, username=f"saver{n}")) for n in range(threads)]
    connection.close()

    barrier = threading.Barrier(threads, timeout=30)
    lock = threading.Lock()
    outcome: dict[str, object] = {"saves": 0, "conflicts": 0, "locked": 0, "errors": []}

    def saver(sheet_id: int, seed: int) -> None:
        chooser = random.Random(seed)
        try:
            barrier.wait()
            for n in range(saves):
                sheet = Sheet.objects.select_related("evaluator").get(pk=sheet_id)
                chosen = chooser.sample(items, 3)
                entries = {item.id: Entry(Decimal(chooser.randrange(int(item.cap * 2))) / 2, f"第{n}次 缺材料")
                           for item in chosen}
                try:
                    sheet_save(sheet=sheet, user=sheet.evaluator, edits=edits_from(entries, stored_values(sheet)),
                               base_version=sheet.version)
                    key = "saves"
                except SheetConflict:
                    key = "conflicts"
                except OperationalError as error:
                    key = "locked" if "locked" in str(error) else "errors"
                    if key == "errors":
                        with lock:
                            outcome["errors"].append(str(error))
                with lock:
                    if key != "errors":
                        outcome[key] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=saver, args=(sheet.pk, n)) for n, sheet in enumerate(sheets)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(THREAD_DEADLINE_SECONDS)
    outcome["hung"] = sum(worker.is_alive() for worker in workers)
    return outcome


if __name__ == "__main__":
    sys.exit(main())
