"""The ranking reads. Totals and subtotals come from the results stored with the scores, so every
page, workbook and PDF shows the same numbers; ranks are SQL window functions.

A page in rank order reads only the band of totals it spans (`BandIterable`): the same four
queries and the same few hundred rows on page 1 or page 400 of a city. In any other order the
rows are ranked by a window over the filtered set, ordered, sliced, and only the page's rows
fetched; then the category subtotals of just those rows, from CategoryResult by their ids. Subtotals used to be seven correlated subqueries in the
row query; PostgreSQL projects every row OFFSET skips, so a deep page ran them 10,000 × 7 times
(and its cost estimate crossed the JIT threshold). Sorting by one category joins that category's
CategoryResult row only (its unique (assessment, category) index).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Model,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Cast, Rank
from django.db.models.query import BaseIterable, ModelIterable

from assessments.models import Assessment, AssessmentState, CategoryResult, ItemResult, Round
from indicators.models import Category
from orgs.models import Organization, subtree_of
from orgs.scope import AnyUser
from reports.access import report_assessments

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PERCENT = DecimalField(max_digits=7, decimal_places=2)


class RankFields(TypedDict):
    """What every row of `ranking` carries by name; the c<number> subtotals are read with getattr."""

    rank: int
    percent: float | None


RankedAssessment: TypeAlias = "WithAnnotations[Assessment, RankFields]"
SORTS = {"rank", "-rank", "total", "-total", "percent", "-percent", "name", "-name", "code", "-code"}
# The join a category sort reads its subtotal through.
SORT_RESULT = "sort_result"


def round_categories(round: Round) -> list[Category]:
    return list(Category.objects.filter(system_id=round.indicator_system_id).in_outline_order())


def counted_states(include_submitted: bool) -> list[str]:
    return [AssessmentState.APPROVED, AssessmentState.SUBMITTED] if include_submitted else [AssessmentState.APPROVED]


def percent_of(numerator: str, denominator: str) -> ExpressionWrapper:
    """numerator × 100 ÷ denominator (a score of its cap, a total of its maximum) for display,
    as a float: every report's percentages. SQLite stores whole-number decimals as integers and
    would divide them as integers (97 of 120 → 80, not 80.83), so the division is in floats."""
    return ExpressionWrapper(
        Cast(F(numerator), FloatField()) * 100.0 / Cast(F(denominator), FloatField()), output_field=FloatField()
    )


# ---------------------------------------------------------------------------------------------
# Details fetched for the rows a query yields, one query per batch of rows, never per row


def _attach_subtotals(rows: Sequence[Model]) -> None:
    """Sets `c<category number>` on each row; a category without a stored result stays unset,
    which every reader takes as None (`category_scores`, getattr with a default)."""
    by_id = {row.pk: row for row in rows}
    found = CategoryResult.objects.filter(assessment_id__in=by_id).values_list(
        "assessment_id", "category__number", "score"
    )
    for assessment_id, number, score in found:
        setattr(by_id[assessment_id], f"c{number}", score)


# Rows given their details at a time when the whole result is read into memory anyway (a page,
# the PDF's 200): one query for them all, while an IN list stays well inside SQLite's limits.
FETCHED_BATCH = 2000


class RankedIterable(BaseIterable):
    """The ranking's rows in two steps: the ranked query selects only ids and its annotations
    (rank, percent) — the narrow rows PostgreSQL sorts in memory for the window and the order,
    where full rows spilled to disk — then each batch (a streamed iterator's chunk_size, else
    FETCHED_BATCH) is fetched by id with its organization, and given its category subtotals by
    one more query. A page of 50 costs two queries more; a streamed workbook two per chunk. Like
    prefetch_related, but onto the plain attributes the templates and PDFs read (the workbook
    reads values: `export_rows`)."""

    def __iter__(self) -> Iterator[Model]:
        queryset = self.queryset
        names = list(queryset.query.annotation_select)
        keys = queryset.values_list("pk", *names)
        size = self.chunk_size if self.chunked_fetch else FETCHED_BATCH
        ranked = keys.iterator(chunk_size=size) if self.chunked_fetch else iter(list(keys))
        batch: list[tuple[Any, ...]] = []
        for key in ranked:
            batch.append(key)
            if len(batch) >= size:
                yield from self._detailed(batch, names)
                batch = []
        if batch:
            yield from self._detailed(batch, names)

    def _detailed(self, keys: list[tuple[Any, ...]], names: list[str]) -> list[Model]:
        queryset = self.queryset
        details = queryset.model._default_manager.using(queryset.db).filter(pk__in=[key[0] for key in keys])
        # The caller's select_related and only()/defer(), nothing of its filters or order.
        details.query.select_related = queryset.query.select_related
        details.query.deferred_loading = queryset.query.deferred_loading
        by_id = {row.pk: row for row in details}
        rows = []
        for key in keys:
            row = by_id[key[0]]
            for name, value in zip(names, key[1:], strict=True):
                setattr(row, name, value)
            rows.append(row)
        _attach_subtotals(rows)
        return rows


class BandIterable(RankedIterable):
    """A page of the ranking in rank order, read through the band of totals it spans.

    The rank's window needs every row of the set in order, and ties are broken by the
    organization's path, so a page deep in a city-wide ranking joined and sorted 10,000 rows to
    keep 50 (about 60 ms at 20,000 organizations). A page in rank order is instead
      1. the totals at its positions (an index-only scan of `assessment_ranking_idx`),
      2. how many rows lie above and below the band of totals they span (one count),
      3. the band's rows — every row whose total lies in it, ties at both edges included —
         ranked by the same window over the band alone, ordered by total and path, sliced at the
         page's position within the band, with their organizations,
    and the rank is the band's plus the rows above it: 1 + how many totals are greater, as RANK
    says. The result equals the plain query's row for row (tests/reports/selectors).
    """

    base: QuerySet[Assessment]  # the ranked set's filters, no annotations, no order
    descending: bool  # rank order (highest total first), or its reverse
    ordering: tuple[Any, ...]  # the order it reads in; re-ordered (say by type), it reads plainly

    def __iter__(self) -> Iterator[Model]:
        query = self.queryset.query
        low, high = query.low_mark, query.high_mark
        if high is None or self.chunked_fetch or tuple(query.order_by) != self.ordering:
            yield from super().__iter__()
            return
        order = F("total").desc() if self.descending else F("total").asc()
        totals = cast("list[Decimal]", list(self.base.order_by(order).values_list("total", flat=True)[low:high]))
        if not totals:
            return
        top, bottom = max(totals), min(totals)
        edges = self.base.aggregate(above=Count("pk", filter=Q(total__gt=top)),
                                    below=Count("pk", filter=Q(total__lt=bottom)))
        start = low - (edges["above"] if self.descending else edges["below"])
        band = self.queryset._chain()  # type: ignore[attr-defined]  # QuerySet's own clone
        band.query.clear_limits()
        band._iterable_class = ModelIterable
        band = band.filter(total__gte=bottom, total__lte=top)[start:start + len(totals)]
        rows = list(band)
        for row in rows:
            row.rank += edges["above"]
        _attach_subtotals(rows)
        yield from rows


def _banded(queryset: QuerySet[Any], base: QuerySet[Assessment], *, descending: bool) -> QuerySet[Any]:
    bound = {"base": base, "descending": descending, "ordering": tuple(queryset.query.order_by)}
    queryset._iterable_class = type("BandIterable", (BandIterable,), bound)
    return queryset


def _ranked_rows(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # Django's own values()/values_list() choose their rows' shape the same way; _chain() keeps it
    # through the orderings, filters and slices the callers add.
    queryset._iterable_class = RankedIterable
    return queryset


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One line of the ranking workbook as plain values: `subtotals` in the order of the
    categories and `item_scores` in the order of the items `export_rows` was given (None where
    no result is stored)."""

    rank: int
    code: str
    name: str
    type: str
    state: str
    max_total: Decimal
    subtotals: list[float | None]
    item_scores: list[float | None]


def export_rows(queryset: QuerySet[RankedAssessment], *, categories: Sequence[Model], items: Sequence[Model],
                chunk_size: int) -> Iterator[ExportRow]:
    """The ranking's rows for the workbook, streamed: the ranked query's (id, rank) through a
    server-side cursor, then per `chunk_size` rows three queries of values — the row's own
    fields, its category subtotals, its item scores — straight into lists in the columns' order.

    The same two steps as RankedIterable, without its model instances: a city's workbook is
    20,000 rows, and building an Assessment and an Organization for each, then setting and
    reading back 39 attributes by name, cost more than writing their cells."""
    keys = queryset.values_list("pk", "rank").iterator(chunk_size=chunk_size)
    batch: list[tuple[int, int]] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= chunk_size:
            yield from _export_batch(queryset, batch, categories, items)
            batch = []
    if batch:
        yield from _export_batch(queryset, batch, categories, items)


def _scores_by_row(results: QuerySet[Any], ids: list[int], columns: Sequence[Model]) -> dict[int, list[Any]]:
    """{assessment id: [score per column]} from (assessment id, column id, score) rows."""
    position = {column.pk: index for index, column in enumerate(columns)}
    by_row: dict[int, list[Any]] = {pk: [None] * len(columns) for pk in ids}
    for assessment_id, column_id, score in results:
        index = position.get(column_id)
        if index is not None:
            by_row[assessment_id][index] = score
    return by_row


def _export_batch(queryset: QuerySet[Any], keys: list[tuple[int, int]], categories: Sequence[Model],
                  items: Sequence[Model]) -> Iterator[ExportRow]:
    ids = [pk for pk, _rank in keys]
    details = {
        row[0]: row[1:]
        for row in queryset.model._default_manager.using(queryset.db).filter(pk__in=ids).values_list(
            "pk", "organization__code", "organization__name", "organization__type", "state", "max_total")
    }
    # Scores as floats: openpyxl writes a Decimal through float() anyway ("%.16g"), so the cells
    # are the same, and the database's conversion is cheaper than a Decimal per value (and a
    # Decimal's comparisons in openpyxl's writer go through the numbers ABCs).
    as_float = Cast("score", FloatField())
    subtotals = _scores_by_row(CategoryResult.objects.using(queryset.db).filter(assessment_id__in=ids).values_list(
        "assessment_id", "category_id", as_float), ids, categories)
    scores = _scores_by_row(ItemResult.objects.using(queryset.db).filter(assessment_id__in=ids).values_list(
        "assessment_id", "item_id", as_float), ids, items)
    for pk, rank in keys:
        code, name, org_type, state, max_total = details[pk]
        yield ExportRow(rank, code, name, org_type, state, max_total, subtotals[pk], scores[pk])


# ---------------------------------------------------------------------------------------------


def ranked_assessments(
    user: AnyUser, round: Round, *, subtree: Organization | None = None, org_type: str = "",
    depth: int | None = None, include_submitted: bool = False,
) -> QuerySet[Assessment]:
    """The assessments `ranking` ranks, without its annotations: what counting its rows costs."""
    queryset = report_assessments(user).filter(
        round=round, total__isnull=False, state__in=counted_states(include_submitted)
    )
    if subtree is not None:
        queryset = queryset.filter(subtree_of(subtree.path, "organization__"))
    if org_type:
        queryset = queryset.filter(organization__type=org_type)
    if depth:
        queryset = queryset.filter(organization__depth=depth)
    return queryset


def ranking(
    user: AnyUser, round: Round, *, subtree: Organization | None = None, org_type: str = "",
    depth: int | None = None, include_submitted: bool = False, sort: str = "rank",
    categories: Sequence[Category] | None = None,
) -> QuerySet[RankedAssessment]:
    """The round's assessments in the user's scope, ranked by total with ties (1, 2, 2, 4).

    Each row carries `rank`, `percent` and `c<number>` (category subtotal, set once the rows are
    fetched). The rank is taken within the filtered set, so a subtree or a peer group ranks among
    itself.
    """
    queryset = ranked_assessments(user, round, subtree=subtree, org_type=org_type, depth=depth,
                                  include_submitted=include_submitted)
    annotations: dict[str, Any] = {
        "rank": Window(Rank(), order_by=F("total").desc()),
        "percent": percent_of("total", "max_total"),
    }
    sort = sort if sort in SORTS or sort.lstrip("-").startswith("c") else "rank"
    field_name = {"name": "organization__name", "code": "organization__code"}.get(sort.lstrip("-"), sort.lstrip("-"))
    if field_name.startswith("c"):
        by_number = {f"c{c.number}": c for c in (categories if categories is not None else round_categories(round))}
        category = by_number.get(field_name)
        if category is None:
            field_name = "rank"
        else:
            queryset = queryset.annotate(**{SORT_RESULT: FilteredRelation(
                "category_results", condition=Q(category_results__category=category.pk)
            )})
            field_name = f"{SORT_RESULT}__score"
    # A cast: annotate(**annotations) hides from mypy that the dict names rank and percent.
    ranked = cast("QuerySet[RankedAssessment]", queryset.select_related("organization").annotate(**annotations))
    descending = sort.startswith("-")
    if field_name == "rank":
        # The same order as the rank's (ties by path), said as the window's own key: PostgreSQL
        # then sorts once by total and only breaks ties by path (an incremental sort bounded
        # by the page), instead of sorting every row again by the computed rank. Totals are
        # never null here, so no NULLS clause that would make the keys differ.
        field_name, descending = "total", not descending
        ordering = F("total").desc() if descending else F("total").asc()
        return _banded(ranked.order_by(ordering, "organization__path"), queryset, descending=descending)
    else:
        ordering = F(field_name).desc(nulls_last=True) if descending else F(field_name).asc(nulls_last=True)
    return _ranked_rows(ranked.order_by(ordering, "organization__path"))


def category_scores(row: Assessment, categories: Sequence[Category]) -> list[Decimal | None]:
    return [getattr(row, f"c{category.number}", None) for category in categories]
