"""`manage.py bench --json`: set up the bench's rounds, measure every case, assemble the keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from assessments.models import Assessment, Score
from demo.bench_cases import all_cases
from demo.bench_data import bench_data
from demo.bench_measure import HEADER, Result, line, measure
from orgs.models import Organization

# Report pages whose 240-organization figure is measured: the keys docs/benchmarks.md lists.
RANKING_PAGES = ("ranking", "ranking_deep")


def figures(trivial: Result, results: list[Result], context: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = dict(context)
    keys["trivial_page_ms"] = round(trivial.ms, 1)
    keys["trivial_page_queries"] = trivial.queries
    for result in results:
        keys.update(result.keys())
    by_name = {result.name: result for result in results}
    keys["ranking_ratio"] = max(by_name[name].ratio or 0.0 for name in RANKING_PAGES)
    keys["page_queries"] = {result.name: result.queries for result in [trivial, *results]}
    return keys


def run_json(write: Callable[[str], Any], *, repeat: int, small_size: int) -> dict[str, Any]:
    with bench_data(small_size=small_size) as data:
        context = {
            "database": connection.vendor,
            "organizations": Organization.objects.count(),
            "round_assessments": Assessment.objects.filter(round=data.round).count(),
            "small_assessments": Assessment.objects.filter(round=data.small).count(),
            "score_rows": Score.objects.count(),
            "repeat": repeat,
        }
        write("  ".join(f"{key}: {value}" for key, value in context.items()))
        trivial, cases = all_cases(data)
        write(HEADER)
        trivial_result = measure(trivial, repeat)
        write(line(trivial_result))
        results = []
        for case in cases:
            result = measure(case, repeat)
            write(line(result) + (f"  peak {result.peak_mb} MB" if result.peak_mb is not None else ""))
            results.append(result)
    return figures(trivial_result, results, context)
