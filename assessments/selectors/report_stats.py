"""Reads of the stored report aggregates (`ReportStat`), shared by their writer
(`assessments.services.report_stats`) and the report pages.

Both ask the same question: the figures of some organizations' stored rows ⊕ the figures of some
assessments' own results, grouped by whatever the caller needs (round and parent when writing,
nothing or the organization when reading). `figure_rows` asks it in one UNION ALL query of
pre-aggregated rows; `collect` combines the few rows per key that come back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Floor, Length, Substr

from assessments.models import Assessment, AssessmentState, CategoryResult, ItemResult, ReportStat, StatKind
from orgs.models import Organization

BIN_WIDTH = 5  # points per bin of the totals' distribution
COUNTED_STATES = (AssessmentState.APPROVED, AssessmentState.SUBMITTED)
# An assessment's own total, tagged with its bin: it counts for both the TOTAL and the BIN key.
_OWN_TOTAL = -1
CENT = Decimal("0.01")

Key = tuple[str, int, int]  # (group, kind, key)


@dataclass(frozen=True)
class Figures:
    """Combinable figures of one key: exact under ⊕, so subtrees combine without drift."""

    count: int
    sum: Decimal
    minimum: Decimal
    maximum: Decimal
    cap: Decimal

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.count + other.count, self.sum + other.sum, min(self.minimum, other.minimum),
            max(self.maximum, other.maximum), max(self.cap, other.cap),
        )

    @property
    def mean(self) -> Decimal:
        return self.sum / self.count

    @property
    def mean_percent(self) -> float:
        # The round's caps are fixed, so the mean of the rates is the rate of the mean.
        return float(self.sum * 100 / (self.count * self.cap))


Table = dict[Key, Figures]


def counted(prefix: str = "") -> Q:
    """The assessments any report may count (approved or submitted, with a total), as a filter."""
    return Q(**{f"{prefix}state__in": COUNTED_STATES, f"{prefix}total__isnull": False})


def parent_path(field: str) -> Substr:
    """The path of the parent of the organization whose path is `field` ("" for a root)."""
    return Substr(field, 1, Length(field) - Organization.steplen)


def bin_of(field: str) -> Cast:
    # Through a float, as the histogram always was: totals have two decimals, so no bin edge moves.
    return Cast(Floor(Cast(F(field), FloatField()) / BIN_WIDTH), IntegerField())


def _measures(field: str, cap: str) -> dict[str, Any]:
    return {"n": Count("pk"), "s": Sum(field), "lo": Min(field), "hi": Max(field), "c": Max(cap)}


def figure_rows(
    *, stats: QuerySet[ReportStat] | None, assessments: QuerySet[Assessment],
    by: Callable[[str], dict[str, Any]], results: bool = True,
) -> QuerySet[Any]:
    """One query: the stored rows `stats` and the own results of `assessments` (already
    filtered to what counts), pre-aggregated per `by(prefix)` (expressions on the organization's
    row reached through prefix) and per (group, kind, key). Without `results`, totals only."""
    ids = assessments.values("pk")
    parts: list[QuerySet[Any]] = []
    if stats is not None:
        parts.append(
            stats.values(**by(""), g=F("group"), k=F("kind"), key_=F("key"))
            .annotate(n=Sum("count"), s=Sum("sum"), lo=Min("minimum"), hi=Max("maximum"), c=Max("cap"))
        )
    parts.append(
        assessments.values(**by(""), g=F("state"), k=Value(_OWN_TOTAL), key_=bin_of("total"))
        .annotate(**_measures("total", "max_total"))
    )
    if results:
        for model, kind, key in ((CategoryResult, StatKind.CATEGORY, "category_id"), (ItemResult, StatKind.ITEM, "item_id")):
            parts.append(
                model.objects.filter(assessment__in=ids)
                .values(**by("assessment__"), g=F("assessment__state"), k=Value(int(kind)), key_=F(key))
                .annotate(**_measures("score", "cap"))
            )
    return parts[0].union(*parts[1:], all=True)


def _exact(value: Any) -> Decimal:
    # Scores, totals and caps have at most two decimals, so their sums are whole cents: SQLite
    # sums in floats (off by far less than half a cent at any realistic size); this undoes it.
    return Decimal(value).quantize(CENT)


def collect(rows: Iterable[dict[str, Any]], by: Sequence[str] = ()) -> dict[tuple[Any, ...], Table]:
    """The rows of `figure_rows` combined per `by` values and key. Bounded work: the rows are
    already aggregates, at most a few per key."""
    tables: dict[tuple[Any, ...], Table] = {}
    for row in rows:
        table = tables.setdefault(tuple(row[name] for name in by), {})
        figures = Figures(row["n"], _exact(row["s"]), _exact(row["lo"]), _exact(row["hi"]), _exact(row["c"]))
        keys: list[Key] = [(row["g"], row["k"], row["key_"])]
        if row["k"] == _OWN_TOTAL:
            keys = [(row["g"], StatKind.TOTAL, 0), (row["g"], StatKind.BIN, row["key_"])]
        for key in keys:
            table[key] = table[key] + figures if key in table else figures
    return tables


def merge(tables: Iterable[Table]) -> Table:
    merged: Table = {}
    for table in tables:
        for key, figures in table.items():
            merged[key] = merged[key] + figures if key in merged else figures
    return merged


def by_key(table: Table, groups: Iterable[str]) -> dict[tuple[int, int], Figures]:
    """(kind, key) → the figures over the given groups (states)."""
    wanted = set(groups)
    combined: dict[tuple[int, int], Figures] = {}
    for (group, kind, key), figures in table.items():
        if group in wanted:
            combined[kind, key] = combined[kind, key] + figures if (kind, key) in combined else figures
    return combined
