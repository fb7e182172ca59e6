"""Was any saved score lost? The load clients' log held against the audit trail and the stored totals.

A lost update is any of:
- missing: a client was told "saved" for a field it changed, and no audit event wrote that value
  (nor was the value already there);
- unintended: an audit event wrote a score or reason that no client meant to change (a stale
  value sent back, overwriting whoever had written the field before);
- unseen: an event replaced a value other than the one stored just before it, so its writer
  never saw the change it overwrote.
Stored sheet totals must also equal `compute_totals` of the stored scores, the assessment's
merged total the merge of its review sheets, and every stored score the last value audited.

    python -m loadtest.verify --manifest RUN/manifest.json --log-dir RUN/log [--summary RUN/summary.json]

needs the load database in DATABASE_URL; exits 1 on any 5xx, lost update or mismatch, or when
nothing was saved at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from loadtest.clientlog import read_logs

# The server stamps an event inside the request; the client's clock brackets the request. Same
# machine, same clock: the slack only absorbs rounding.
SLACK_SECONDS = 0.5
EXAMPLES = 5


@dataclass(frozen=True)
class Change:
    """One field a client meant to write in one save; `accepted`: told "saved" (else: no answer)."""

    sheet: int
    item: int
    field: str
    value: str
    actor: str
    t0: float
    t1: float
    accepted: bool = True


@dataclass(frozen=True)
class Event:
    id: int
    sheet: int
    item: int
    field: str
    old: str
    new: str
    actor: str
    version: int
    at: float
    baseline: bool = False  # written before the load run (the seed)


@dataclass
class Findings:
    missing: list[Change] = field(default_factory=list)
    unintended: list[Event] = field(default_factory=list)
    unseen: list[tuple[Event, Event]] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.missing) + len(self.unintended) + len(self.unseen)


def changes_from_log(records: list[dict[str, Any]]) -> tuple[list[Change], Counter]:
    """The changes of saves told "saved" or never answered, and a count of every outcome."""
    results = {r["id"]: r for r in records if r["type"] == "result"}
    outcomes: Counter = Counter()
    changes: list[Change] = []
    for attempt in (r for r in records if r["type"] == "attempt"):
        result = results.get(attempt["id"])
        outcome = result["outcome"] if result else "unanswered"
        outcomes[f"{attempt['via']} {outcome}"] += 1
        if result and result["status"] >= 500:
            outcomes["5xx"] += 1
        if outcome not in ("saved", "unanswered"):
            continue
        changes.extend(
            Change(
                sheet=change.get("sheet", attempt["sheet"]), item=change["item"], field=change["field"],
                value=change["value"], actor=attempt["actor"], t0=attempt["t0"],
                t1=result["t1"] if result else float("inf"), accepted=result is not None,
            )
            for change in attempt["changes"]
        )
    for error in (r for r in records if r["type"] == "error"):
        outcomes[f"{error['request']} failed"] += 1
        if error["status"] >= 500:
            outcomes["5xx"] += 1
    return changes, outcomes


def find_lost_updates(changes: list[Change], events: list[Event], slack: float = SLACK_SECONDS) -> Findings:
    findings = Findings()
    history: dict[tuple[int, int, str], list[Event]] = defaultdict(list)
    for event in sorted(events, key=lambda e: (e.version, e.id)):
        history[(event.sheet, event.item, event.field)].append(event)
    for trail in history.values():
        findings.unseen += [(before, after) for before, after in pairwise(trail) if after.old != before.new]

    used: set[int] = set()
    for change in sorted(changes, key=lambda c: (c.t0, c.t1)):
        trail = history.get((change.sheet, change.item, change.field), [])
        window = [e for e in trail if change.t0 - slack <= e.at <= change.t1 + slack]
        match = next((e for e in window if not e.baseline and e.id not in used
                      and e.new == change.value and e.actor == change.actor), None)
        if match is not None:
            used.add(match.id)
            continue
        before = [e for e in trail if e.at < change.t0 - slack]
        already = (before[-1].new if before else "") == change.value or any(e.new == change.value for e in window)
        if change.accepted and not already:
            findings.missing.append(change)
    findings.unintended = [e for e in events if not e.baseline and e.id not in used]
    return findings


# --- the database side ---------------------------------------------------------------------

def load_events(round_id: int, audit_after: int) -> list[Event]:
    from assessments.models import AuditAction, AuditEvent

    rows = AuditEvent.objects.filter(
        assessment__round_id=round_id, action__in=[AuditAction.SCORE, AuditAction.REASON]
    ).values_list("id", "sheet_id", "item_id", "action", "old", "new", "actor__username", "sheet_version", "at")
    return [Event(pk, sheet, item, action, old, new, actor or "", version or 0, at.timestamp(), pk <= audit_after)
            for pk, sheet, item, action, old, new, actor, version, at in rows]


def stored_mismatches(sheet_ids: set[int], events: list[Event]) -> list[str]:
    """Totals that are not the one function's sum, and scores that are not what the audit says."""
    from assessments.models import Score, Sheet

    sheets = list(Sheet.objects.filter(assessment__sheets__in=sheet_ids).distinct()
                  .select_related("assessment__round__indicator_system"))
    stored: dict[int, dict[int, Any]] = defaultdict(dict)
    for score in Score.objects.filter(sheet__in=sheets):
        stored[score.sheet_id][score.item_id] = score
    return _audit_mismatches(sheet_ids, events, stored) + _total_mismatches(sheets, stored)


def _audit_mismatches(sheet_ids: set[int], events: list[Event], stored: dict[int, dict[int, Any]]) -> list[str]:
    from indicators.points import format_points

    last = {}
    for event in sorted(events, key=lambda e: (e.version, e.id)):
        last[(event.sheet, event.item, event.field)] = event.new
    problems = []
    for (sheet_id, item_id, name), value in last.items():
        row = stored[sheet_id].get(item_id)
        now = "" if row is None else (format_points(row.score) if name == "score" else row.reason)
        if sheet_id in sheet_ids and now != value:
            problems.append(f"sheet {sheet_id} item {item_id}: {name} is {now!r}, the audit trail says {value!r}")
    return problems


def _total_mismatches(sheets: list[Any], stored: dict[int, dict[int, Any]]) -> list[str]:
    from assessments.merge import merge_scores
    from assessments.models import SheetKind
    from assessments.selectors.outline import outline_items
    from assessments.totals import compute_totals

    problems = []
    by_assessment: dict[int, list[Any]] = defaultdict(list)
    for sheet in sheets:
        by_assessment[sheet.assessment_id].append(sheet)
    items_of: dict[int, list[Any]] = {}
    for assessment_id, of_assessment in by_assessment.items():
        assessment = of_assessment[0].assessment
        system = assessment.round.indicator_system
        items = items_of[system.pk] = items_of.get(system.pk) or outline_items(system)
        for sheet in of_assessment:
            totals = compute_totals(items, {i: row.score for i, row in stored[sheet.pk].items()})
            if (sheet.total, sheet.scored_count) != (totals.total, totals.scored):
                problems.append(f"sheet {sheet.pk}: stored total {sheet.total} ({sheet.scored_count} items), "
                                f"its scores add up to {totals.total} ({totals.scored} items)")
            # An assessment whose self-assessment was never saved has no self total yet.
            self_total = totals.total if totals.scored else None
            if sheet.kind == SheetKind.SELF and assessment.self_total not in (self_total, totals.total):
                problems.append(f"assessment {assessment_id}: self total {assessment.self_total}, "
                                f"its self-assessment adds up to {totals.total}")
        reviews = [stored[s.pk] for s in of_assessment if s.kind == SheetKind.REVIEW]
        lead = next((stored[s.pk] for s in of_assessment if s.is_lead), {})
        merged = {}
        for item in items:
            scores = [rows[item.id].score for rows in reviews if item.id in rows and rows[item.id].score is not None]
            value = merge_scores(assessment.round.merge_method, scores, getattr(lead.get(item.id), "score", None))
            if value is not None:
                merged[item.id] = value
        expected = compute_totals(items, merged).total if merged else None
        if reviews and assessment.total != expected:
            problems.append(f"assessment {assessment_id}: stored total {assessment.total}, "
                            f"its review sheets merge to {expected}")
    return problems


def verify(manifest: dict[str, Any], log_dir: Path) -> dict[str, Any]:
    records = read_logs(log_dir)
    changes, outcomes = changes_from_log(records)
    events = load_events(manifest["round"], manifest["audit_after"])
    findings = find_lost_updates(changes, events)
    touched = {c.sheet for c in changes} | {e.sheet for e in events if not e.baseline}
    mismatches = stored_mismatches(touched, events)
    return {
        "saves_ok": outcomes["form saved"] + outcomes["excel saved"],
        "excel_saves_ok": outcomes["excel saved"],
        "conflicts": outcomes["form conflict"] + outcomes["excel conflict"],
        "undecided": outcomes["form undecided"],
        "invalid": outcomes["form invalid"] + outcomes["excel invalid"],
        "errors": outcomes["form error"] + outcomes["excel error"] + sum(
            n for key, n in outcomes.items() if key.endswith(" failed")),
        "unanswered": outcomes["form unanswered"] + outcomes["excel unanswered"],
        "5xx": outcomes["5xx"],
        "lost_updates": findings.lost,
        "lost_missing": len(findings.missing),
        "lost_unintended": len(findings.unintended),
        "lost_unseen": len(findings.unseen),
        "mismatches": len(mismatches),
        "examples": [f"told saved, not written: {c.actor} {c.field} {c.value!r} on sheet {c.sheet} item {c.item}"
                     for c in findings.missing[:EXAMPLES]]
        + [f"meant by no one: {_event(e)}" for e in findings.unintended[:EXAMPLES]]
        + [f"overwrote unseen: {_event(b)}, after {_event(a)}" for a, b in findings.unseen[:EXAMPLES]]
        + mismatches[:EXAMPLES],
    }


def _event(e: Event) -> str:
    return f"sheet {e.sheet} v{e.version} item {e.item} {e.field} {e.old!r} → {e.new!r} by {e.actor}"


def passed(summary: dict[str, Any]) -> bool:
    # A run in which nothing was saved proves nothing.
    return summary["saves_ok"] > 0 and summary["5xx"] == 0 and summary["lost_updates"] == 0 and summary["mismatches"] == 0


def report(summary: dict[str, Any]) -> str:
    lines = [
        f"saves ok            {summary['saves_ok']} (Excel {summary['excel_saves_ok']})",
        f"conflicts reported  {summary['conflicts']}",
        f"undecided re-sends  {summary['undecided']} (conflict page sent back without a choice: refused)",
        f"invalid (400)       {summary['invalid']}",
        f"5xx                 {summary['5xx']}",
        f"other failures      {summary['errors']}  unanswered {summary['unanswered']}",
        f"lost updates        {summary['lost_updates']} (told saved but not written {summary['lost_missing']}, "
        f"written but meant by no one {summary['lost_unintended']}, overwrote unseen {summary['lost_unseen']})",
        f"total mismatches    {summary['mismatches']}",
    ]
    lines += [f"  e.g. {example}" for example in summary["examples"]]
    lines.append("verdict             " + ("PASS" if passed(summary) else "FAIL"))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--summary", type=Path)
    args = parser.parse_args()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    summary = verify(json.loads(args.manifest.read_text()), args.log_dir)
    if args.summary:
        args.summary.write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    print(report(summary))
    return 0 if passed(summary) else 1


if __name__ == "__main__":
    sys.exit(main())
