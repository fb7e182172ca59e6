"""Counting a job's SQL the way the quality bars count it (DESIGN.md: a save in ≤ 8 queries).

Transaction control is left out: whether a save opens the transaction (BEGIN … COMMIT) or a
savepoint inside someone else's (a test, ATOMIC_REQUESTS) says nothing about its own work, and
drivers differ in which of these statements even pass through Django's cursor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


def data_statements(captured: Iterable[Mapping[str, str]]) -> list[str]:
    """The SQL of captured queries (CaptureQueriesContext.captured_queries) that read or write data."""
    return [query["sql"] for query in captured if not _TRANSACTION_CONTROL.match(query["sql"])]
