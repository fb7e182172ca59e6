"""What a restore must keep, read through the ORM and the storage API, so that a test can compare
the database it backed up with the one restored in another process.

`python -m tests.restored_data <username>` prints it as JSON for the database and MEDIA_ROOT of
the environment; `python -m tests.restored_data --tables` prints how many tables there are.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any


def _sha256(field: Any) -> str:
    with field.open("rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def observed(username: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from assessments.models import Assessment, AuditEvent, Evidence, Round
    from common.jobs.models import JobFile
    from reports.selectors.ranking import ranking

    viewer = get_user_model().objects.get(username=username)
    rankings = {
        f"{round.year} {round.title}": [
            [row.organization.code, row.rank, str(row.total), row.state]
            for row in ranking(viewer, round, include_submitted=True)
        ]
        for round in Round.objects.order_by("pk")
    }
    totals = sorted(
        [code, year, str(total), str(self_total), state]
        for code, year, total, self_total, state in Assessment.objects.values_list(
            "organization__code", "round__year", "total", "self_total", "state")
    )
    audit = [
        [str(value) for value in row]
        for row in AuditEvent.objects.order_by("pk").values_list(
            "pk", "assessment__organization__code", "sheet_id", "item__number", "actor__username", "at", "action",
            "old", "new", "note", "sheet_version")
    ]
    files = {evidence.file.name: _sha256(evidence.file) for evidence in Evidence.objects.all()}
    files |= {item.file.name: _sha256(item.file) for item in JobFile.objects.all()}
    return {"rankings": rankings, "totals": totals, "audit": audit, "files": files}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "--tables":
        from django.db import connection

        print(len(connection.introspection.table_names()))
        return
    print(json.dumps(observed(argv[0]), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
