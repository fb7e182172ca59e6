"""The one writer of the stored report aggregates (`ReportStat`): the rule that they equal a
direct aggregate of what counts.

An organization's row holds its strict descendants' figures, so it is
    D(o) = ⊕ over the children c of o: own(c) ⊕ D(c).
A change to one assessment changes D only along its organization's ancestors; a move changes it
along the old and the new ancestors. `refresh_ancestors` recomputes exactly those organizations,
never by deltas (min and max could not be undone): one query reads, pre-aggregated, the own
results of their children and the stored rows of the children outside the set; the set is then
combined bottom up in memory (a few dozen figures per organization) and rewritten. A
transition thus costs the same five-odd queries whatever the size of the tree.

`rebuild_round` recomputes a whole round from its results (after bulk inserts, and as a task
when a round closes, a check that nothing drifted).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet

from assessments.models import Assessment, ReportStat, Round
from assessments.selectors.report_stats import COUNTED_STATES, Table, collect, counted, figure_rows, parent_path
from common.jobs.compat import task
from orgs.models import Organization

BATCH = 2000


def _by(prefix: str) -> dict[str, Any]:
    return {"r": F(f"{prefix}round_id"), "p": parent_path(f"{prefix}organization__path")}


def _recompute(*, round_ids: list[int] | None, parents: dict[str, int] | None) -> int:
    """Rewrite the rows of the organizations in `parents` (path → pk, closed under ancestors), or
    of every organization when None (then `round_ids` is required and the rows are gone)."""
    assessments = Assessment.objects.filter(counted())
    stats: QuerySet[ReportStat] | None = None
    if round_ids is not None:
        assessments = assessments.filter(round_id__in=round_ids)
    if parents is None:
        assessments = assessments.filter(organization__depth__gt=1)
    else:
        assessments = assessments.alias(parent=parent_path("organization__path")).filter(parent__in=list(parents))
        stats = (
            ReportStat.objects.alias(parent=parent_path("organization__path"))
            .filter(parent__in=list(parents)).exclude(organization__path__in=list(parents))
        )
        if round_ids is not None:
            stats = stats.filter(round_id__in=round_ids)
        old = ReportStat.objects.filter(organization_id__in=list(parents.values()))
        (old.filter(round_id__in=round_ids) if round_ids is not None else old).delete()
    rows = figure_rows(stats=stats, assessments=assessments, by=_by)
    tables = collect(rows.iterator(chunk_size=BATCH), by=("r", "p"))
    # Bottom up: a table is complete once every deeper one has been added to it.
    step = Organization.steplen
    for length in range(max((len(path) for _, path in tables), default=0), step, -step):
        for round_id, path in [key for key in tables if len(key[1]) == length]:
            up = path[:-step]
            if parents is None or up in parents:
                target = tables.setdefault((round_id, up), {})
                for key, figures in tables[round_id, path].items():
                    target[key] = target[key] + figures if key in target else figures
    pks = parents if parents is not None else _pks_of({path for _, path in tables})
    return _write((round_id, pks[path], table) for (round_id, path), table in tables.items())


def _pks_of(paths: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(paths)
    for start in range(0, len(ordered), 500):  # within every database's limit of parameters
        found.update(Organization.objects.filter(path__in=ordered[start:start + 500]).values_list("path", "pk"))
    return found


def _write(tables: Iterable[tuple[int, int, Table]]) -> int:
    rows = [
        ReportStat(
            round_id=round_id, organization_id=organization_id, group=group, kind=kind, key=key,
            count=f.count, sum=f.sum, minimum=f.minimum, maximum=f.maximum, cap=f.cap,
        )
        for round_id, organization_id, table in tables
        for (group, kind, key), f in table.items()
    ]
    ReportStat.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _ancestor_paths(paths: Iterable[str]) -> set[str]:
    step = Organization.steplen
    return {path[:end] for path in paths for end in range(step, len(path), step)}


def refresh_ancestors(*, paths: Iterable[str], round_ids: list[int] | None) -> None:
    """After a change to what counts at the organizations at `paths` (in the given rounds, or
    all): their ancestors' rows recomputed. Runs in the caller's transaction."""
    ancestors = _ancestor_paths(paths)
    if not ancestors:
        return  # a root's own assessment is read from its results, never stored
    parents = dict(Organization.objects.filter(path__in=sorted(ancestors)).values_list("path", "pk"))
    _recompute(round_ids=round_ids, parents=parents)


def is_counted(assessment: Assessment) -> bool:
    """From the row in memory: a write to an assessment that does not count costs nothing."""
    return assessment.state in COUNTED_STATES and assessment.total is not None


def assessment_changed(assessment: Assessment, *, counted_before: bool) -> None:
    """An assessment's state, total or results changed: repair its ancestors if it counts now or
    counted before. Runs in the caller's transaction."""
    if counted_before or is_counted(assessment):
        refresh_ancestors(paths=[assessment.organization.path], round_ids=[assessment.round_id])


def assessments_changed(*, assessment_ids: Iterable[int]) -> None:
    """The bulk form: every changed assessment's ancestors, each recomputed once."""
    pairs = list(Assessment.objects.filter(pk__in=list(assessment_ids)).values_list("round_id", "organization__path"))
    for round_id in {round_id for round_id, _ in pairs}:
        refresh_ancestors(paths={path for r, path in pairs if r == round_id}, round_ids=[round_id])


def organization_moved(*, old_parent_path: str, new_path: str, **_: Any) -> None:
    """orgs' `organization_moved` signal: the subtree left its old ancestors and joined new ones,
    in every round. Paths outside the moved subtree do not change in a move to a last child or
    last root, so the old parent's path still names it."""
    old = {old_parent_path} | _ancestor_paths([old_parent_path]) if old_parent_path else set()
    ancestors = old | _ancestor_paths([new_path])
    if ancestors:
        parents = dict(Organization.objects.filter(path__in=sorted(ancestors)).values_list("path", "pk"))
        _recompute(round_ids=None, parents=parents)


@transaction.atomic
def rebuild_round(*, round: Round) -> int:
    """Every stored row of the round recomputed from its results; the number of rows written."""
    ReportStat.objects.filter(round=round).delete()
    return _recompute(round_ids=[round.pk], parents=None)


@task()
def rebuild_round_task(round_id: int) -> None:
    round = Round.objects.filter(pk=round_id).first()
    if round is not None:
        rebuild_round(round=round)


def rebuild_missing(**_signal: Any) -> list[int]:
    """Rounds with counted assessments below some organization but no stored rows are rebuilt:
    rounds scored before the aggregates existed, after `migrate` upgrades a running site. Sent by
    post_migrate, so a deployment's usual `migrate` leaves no report page reading empty figures."""
    if ReportStat._meta.db_table not in connection.introspection.table_names():
        return []
    waiting = (
        Round.objects.filter(assessments__in=Assessment.objects.filter(counted(), organization__depth__gt=1))
        .exclude(pk__in=ReportStat.objects.values("round_id"))
        .distinct().order_by("pk")
    )
    rebuilt = []
    for round in waiting:
        with transaction.atomic():
            rebuild_round(round=round)
        rebuilt.append(round.pk)
    return rebuilt
