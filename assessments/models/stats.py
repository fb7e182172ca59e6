"""Report aggregates stored per round and organization, so that no report page reads every
score of a subtree.

A row holds the combinable figures (count, exact sum, min, max, cap) of one key (the total, one
category, one item, or one five-point bin of the total) over the counted assessments of one
state that lie strictly BELOW one organization. Only organizations with counted assessments
below them have rows; a subtree with itself is its row ⊕ its own assessment. Means and percents
are derived on read (sum ÷ count, mean ÷ cap), which is exact because a round's caps are fixed:
every result copies its cap from the round's published (immutable) edition.

Written by `assessments.services.report_stats`, in the transaction that changes what counts.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from assessments.models.rounds import Round
from orgs.models import Organization


class StatKind(models.IntegerChoices):
    """What a row's key names. Never shown: the pages label rows by their category or item."""

    TOTAL = 0
    CATEGORY = 1
    ITEM = 2
    BIN = 3  # the key is the bin's number


class ReportStat(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    # Deleting an organization that has rows is refused anyway: the assessments below it protect it.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The assessments' state (approved or submitted): pages count approved, or both when asked.
    group = models.CharField(max_length=10)
    kind = models.PositiveSmallIntegerField(choices=StatKind.choices)
    # The category's or item's id, the bin's number (⌊total ÷ 5⌋), 0 for the total.
    key = models.IntegerField()
    count = models.PositiveIntegerField()
    sum = models.DecimalField(max_digits=14, decimal_places=2)
    minimum = models.DecimalField(max_digits=7, decimal_places=2)
    maximum = models.DecimalField(max_digits=7, decimal_places=2)
    cap = models.DecimalField(max_digits=6, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization", "group", "kind", "key"], name="report_stat_one_per_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=StatKind.values), name="report_stat_kind_known"),
            models.CheckConstraint(
                condition=Q(count__gt=0, minimum__lte=F("maximum")), name="report_stat_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.organization_id}/{self.group}/{self.kind}:{self.key} n={self.count}"
