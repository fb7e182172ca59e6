"""Several threads saving the sheets of one assessment at once, as gunicorn workers do, into one
SQLite file or one fresh PostgreSQL database.

The suite's own database lives in memory, so tests/config/test_env.py runs this in a
subprocess on a database of its own:

    python tests/sqlite_savers.py DB_PATH_OR_POSTGRES_URL [--threads 8] [--saves 20] [--plain]

It prints one JSON object: saves done, conflicts, every error ("database is locked" and
deadlocks among them), and whether the assessment's stored results still equal its sheets merged
afresh. --plain drops the OPTIONS of config.env.SQLITE_OPTIONS, to see the failure they prevent.
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
    target = args.db_path
    os.environ["DATABASE_URL"] = target if "://" in target else f"sqlite:///{Path(target).resolve()}"
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
    from django.db import DatabaseError, OperationalError, connection

    from assessments.entries import Entry
    from assessments.models import Sheet
    from assessments.services import SheetConflict, edits_from, sheet_save, stored_values
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
                except (OperationalError, DatabaseError) as error:
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
    outcome["results_match"] = _results_match(sheets[0].assessment_id)
    return outcome


def _results_match(assessment_id: int) -> bool:
    """The stored item results and total against the sheets merged again from scratch."""
    from assessments.models import Assessment, ItemResult
    from assessments.selectors.outline import outline_items
    from assessments.services import recompute_results

    assessment = Assessment.objects.select_related("round").get(pk=assessment_id)
    stored = (assessment.total, sorted(ItemResult.objects.filter(assessment=assessment).values_list("item_id", "score")))
    recompute_results(assessment, outline_items(assessment.round.indicator_system))
    assessment.refresh_from_db()
    return stored == (assessment.total, sorted(ItemResult.objects.filter(assessment=assessment).values_list("item_id", "score")))


if __name__ == "__main__":
    sys.exit(main())
