"""What the administrative history says about a round: its settings, participants and assignments.

The round services call these inside their own transaction, after the change. Every row shows
on the round's page, so `page` is always the round; `target` is the text of what changed as it
read at the time (organizations are renamed, people leave).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import Round, Sheet
from common.audit import AdminAction, AdminKind, Change, changes_between, event, field_label, record, record_all
from common.people import display_name
from indicators.points import format_points

_ROUND_FIELDS = (
    "year", "title", "indicator_system", "deadline", "state", "merge_method", "disagreement_threshold",
    "approvers", "previous", "closed_at",
)
ROUND_LABELS = {name: field_label(Round, name) for name in _ROUND_FIELDS}
EVALUATOR = field_label(Sheet, "evaluator")
LEAD = field_label(Sheet, "is_lead")


def organization_text(name: str, code: str) -> str:
    return f"{name}（{code}）"


def assignment_text(evaluator: str, organization: str) -> str:
    return f"{evaluator} → {organization}"


def round_snapshot(round: Round) -> dict[str, Any]:
    """The round's settings as its history shows them (choices by their Chinese label)."""
    system = round.indicator_system
    with translation.override("zh-hans"):
        return {
            "year": round.year,
            "title": round.title,
            "indicator_system": f"{system.title}（{system.code}）",
            "deadline": round.deadline,
            "state": round.get_state_display(),
            "merge_method": round.get_merge_method_display(),
            "disagreement_threshold": format_points(round.disagreement_threshold),
            "approvers": "、".join(sorted(display_name(user) for user in round.approvers.all())),
            "previous": str(round.previous) if round.previous_id else "",
            "closed_at": round.closed_at,
        }


def record_round(
    *, round: Round, user: Any, action: AdminAction, before: dict[str, Any] | None = None, note: str = ""
) -> bool:
    """Record what changed in the round's settings since `before` (None: it was just created)."""
    changes = changes_between(before or {}, round_snapshot(round), ROUND_LABELS)
    if not changes and before is not None:
        return False
    record(
        actor=user, kind=AdminKind.ROUND, action=action, page=round, target=str(round), changes=changes, note=note
    )
    return True


def record_participants(
    *, round: Round, user: Any, organizations: Iterable[tuple[str, str]], action: AdminAction,
    note: str = "", changes: Iterable[Change] = (),
) -> int:
    """One row per organization (name, code) that joined or left the round."""
    changes = list(changes)
    return record_all(
        event(
            actor=user, kind=AdminKind.PARTICIPANT, action=action, page=round,
            target=organization_text(name, code), changes=changes, note=note,
        )
        for name, code in organizations
    )


def record_assignments(
    *, round: Round, user: Any, rows: Iterable[tuple[str, str, list[Change]]], action: AdminAction, note: str = ""
) -> int:
    """One row per assignment: (evaluator's name, organization text, its changes)."""
    return record_all(
        event(
            actor=user, kind=AdminKind.ASSIGNMENT, action=action, page=round,
            target=assignment_text(evaluator, organization), changes=changes, note=note,
        )
        for evaluator, organization, changes in rows
    )


def added(evaluator: str, lead: bool) -> list[Change]:
    changes = [Change("evaluator", EVALUATOR, "", evaluator)]
    if lead:
        changes.append(Change("is_lead", LEAD, "", evaluator))
    return changes


def copied_note(previous: Round) -> str:
    with translation.override("zh-hans"):
        return _("沿用自“%(round)s”。") % {"round": previous}
