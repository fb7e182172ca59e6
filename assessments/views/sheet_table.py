"""The rows of the score table, prepared once for templates/assessments/sheet.html.

The page has 32 items × (score, reason, two hidden bases): rendering each through a BoundField
and its widget's template was a tenth of a worker's time under `make load`. Here every row gets
the plain values its inputs print (name, value, errors, the conflict to decide), and every text
the row repeats is translated once per page, so the template only prints strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from assessments.forms.sheet import SheetForm, base_field, field_name
from assessments.models import Score
from assessments.services import OtherChange
from assessments.threeway import REASON, SCORE
from assessments.totals import Totals
from assessments.validation import MAX_REASON_LENGTH, SCORE_MAX_LENGTH
from indicators.models import Category, Item
from indicators.points import format_points
from indicators.templatetags.outline import mark_requirements

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from assessments.views.sheets import Choice, Conflicts


@dataclass
class Cell:
    """One input of a row (its score or its reason) as the page prints it."""

    name: str
    id: str
    value: str
    base_name: str
    base_id: str
    base: str  # the value the page was loaded with, sent back hidden
    label: str  # the aria-label, e.g. "1.1 得分"
    errors: list[str]
    state: str  # the input's extra classes: a conflict or an error, else a change by others
    choice: Choice | None
    other: OtherChange | None


@dataclass
class Row:
    item: Item
    cap: str
    standard: SafeString
    stored: Score | None
    shown_score: str  # the stored score of a read-only page
    self_score: str
    differs: bool  # the stored score differs from the unit's own
    evidence: list[Any] = field(default_factory=list)
    evidence_error: str = ""
    score: Cell | None = None  # None on a read-only page
    reason: Cell | None = None


@dataclass
class CategoryBlock:
    category: Category
    rows: list[Row]
    subtotal: str
    cap: str


@dataclass
class Table:
    blocks: list[CategoryBlock]
    version: str  # the form's two hidden fields
    pending: str
    score_max_length: int = SCORE_MAX_LENGTH
    reason_max_length: int = MAX_REASON_LENGTH


def _cell(form: SheetForm, item: Item, kind: str, label: str, conflicts: Conflicts) -> Cell:
    key = (item.id, kind)
    name, base = field_name(key), base_field(key)
    errors = [str(error) for error in form.errors.get(name, ())]
    choice, other = conflicts.choices.get(key), conflicts.others.get(key)
    state = " is-invalid" if errors or choice else " changed-by-others" if other else ""
    return Cell(
        name=name, id="id_" + name, value=form.shown(name), base_name=base, base_id="id_" + base,
        base=form.shown(base), label=label % {"number": item.number}, errors=errors, state=state,
        choice=choice, other=other,
    )


def sheet_table(
    *, form: SheetForm, categories: list[Category], totals: Totals, stored: dict[int, Score],
    self_scores: dict[int, Decimal | None], evidence: dict[int, list[Any]], evidence_refusals: dict[int, str],
    conflicts: Conflicts, editable: bool,
) -> Table:
    # The labels' msgids are the ones the template's {% blocktranslate %} had.
    score_label, reason_label = _("%(number)s 得分"), _("%(number)s 扣分理由")

    def row(item: Item) -> Row:
        score = stored.get(item.id)
        own = self_scores.get(item.id)
        mine = score.score if score else None
        return Row(
            item=item, cap=format_points(item.cap), standard=mark_requirements(item.standard), stored=score,
            shown_score=format_points(mine) or "—", self_score=format_points(own) or "—",
            differs=own is not None and mine is not None and mine != own,
            evidence=evidence.get(item.id, []), evidence_error=evidence_refusals.get(item.id, ""),
            score=_cell(form, item, SCORE, score_label, conflicts) if editable else None,
            reason=_cell(form, item, REASON, reason_label, conflicts) if editable else None,
        )

    blocks = [
        CategoryBlock(
            category=category,
            rows=[row(item) for item in category.items.all()],
            subtotal=format_points(totals.by_category.get(category.id, Decimal("0"))),
            cap=format_points(totals.cap_by_category.get(category.id, Decimal("0"))),
        )
        for category in categories
    ]
    return Table(blocks, version=form.shown("version"), pending=form.shown("pending"))
