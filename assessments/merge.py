"""How several evaluators' scores of one item become the organization's score."""

from __future__ import annotations

import statistics
from decimal import Decimal

from assessments.models import MergeMethod
from assessments.totals import quantize


def merge_scores(method: str, scores: list[Decimal], lead: Decimal | None) -> Decimal | None:
    """The merged score, to the cent, or None while no evaluator has scored the item."""
    if method == MergeMethod.LEAD:
        return lead
    if not scores:
        return None
    if method == MergeMethod.MEDIAN:
        return quantize(Decimal(statistics.median(scores)))
    return quantize(sum(scores, Decimal("0")) / len(scores))


def spread(scores: list[Decimal]) -> Decimal:
    return max(scores) - min(scores) if len(scores) > 1 else Decimal("0")
