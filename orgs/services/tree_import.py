"""Importing the organization tree from Excel: check the whole file, then apply it in one go.

Checks come in two kinds. `orgs.formats.tree_upload.parse_upload` needs only the file (size, format,
header, cell values, duplicate codes). `tree_problems` also needs the tree in the database (unknown
parents, cycles); `import_organizations` runs it again inside its transaction, so a file is always
checked against the very tree it is applied to, even if someone changed the tree since the upload
was read.

Rows are matched to organizations by code. Organizations missing from the file are left alone:
a file may describe one district without deleting the rest of the city.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import groupby
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import AdminAction, AdminKind, event, record_all
from common.upload_checks import Problem
from orgs.access import require_admin
from orgs.formats.tree_excel import PARENT
from orgs.formats.tree_upload import ImportRow, parse_upload, sort_problems
from orgs.models import MAX_DEPTH, Organization, parent_path
from orgs.scope import AnyUser
from orgs.services.bulk import NewNode, bulk_add_nodes
from orgs.services.history import org_label_of, organization_changes, organization_row_snapshot
from orgs.services.tree import organization_place

_CYCLE_SHOWN = 6


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int  # name, type or 是否有效 changed
    moved: int  # 上级编码 changed; a row can be both updated and moved
    unchanged: int


def import_summary(result: ImportResult) -> str:
    """What an import did, for the import page and a large import's job page alike."""
    return _(
        "导入完成：新增 %(created)s 个，更新 %(updated)s 个，移动 %(moved)s 个，未变 %(unchanged)s 个。"
        "系统中有而文件中没有的党组织保持不变。"
    ) % asdict(result)


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


# --- The file against the tree ---------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    pk: int
    name: str
    type: str
    is_active: bool
    parent_code: str | None


def load_tree() -> dict[str, Stored]:
    """Every organization by code, in one query (20,000 rows take a few megabytes)."""
    code_of_path: dict[str, str] = {}
    tree: dict[str, Stored] = {}
    rows = Organization.objects.order_by("path").values_list(
        "pk", "code", "path", "name", "type", "is_active"
    )
    for pk, code, path, name, type_, is_active in rows.iterator(chunk_size=5000):
        code_of_path[path] = code
        tree[code] = Stored(pk, name, type_, is_active, code_of_path.get(parent_path(path)))
    return tree


def _final_parents(rows: list[ImportRow], tree: dict[str, Stored]) -> Callable[[str], str | None]:
    """The parent each organization will have once the file is applied."""
    in_file = {row.code: row.parent_code for row in rows}

    def parent_of(code: str) -> str | None:
        if code in in_file:
            return in_file[code]
        stored = tree.get(code)
        return stored.parent_code if stored else None

    return parent_of


def _cycles(starts: Iterable[str], parent_of: Callable[[str], str | None]) -> list[list[str]]:
    """Each loop in the parent chains from `starts`, once. Linear: every code is walked once."""
    done: set[str] = set()
    cycles = []
    for start in starts:
        trail: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in done and code not in trail:
            trail[code] = len(trail)
            code = parent_of(code)
        if code is not None and code in trail:
            chain = list(trail)
            cycles.append(chain[trail[code]:])
        done.update(trail)
    return cycles


def _cycle_text(cycle: list[str]) -> str:
    shown = cycle if len(cycle) <= _CYCLE_SHOWN else [*cycle[:_CYCLE_SHOWN], "…"]
    return " → ".join([*shown, cycle[0]])


def tree_problems(rows: list[ImportRow], tree: dict[str, Stored]) -> list[Problem]:
    """Unknown parents, and parent chains that loop once the file is applied."""
    codes = {row.code for row in rows}
    number_of = {row.code: row.number for row in rows}
    problems = [
        Problem(row.number, PARENT, _("上级编码“%(parent)s”既不在本文件中，也不在系统中。") % {"parent": row.parent_code})
        for row in rows
        if row.parent_code and row.parent_code not in codes and row.parent_code not in tree
    ]
    for cycle in _cycles((row.code for row in rows), _final_parents(rows, tree)):
        if len(cycle) == 1:
            message = _("上级编码不能是它自己。")
        else:
            message = _("上级关系形成了循环（%(chain)s），党组织不能位于它自己的下级之下。") % {
                "chain": _cycle_text(cycle)}
        problems.extend(Problem(number_of[code], PARENT, message) for code in cycle if code in number_of)
    if not any(p.column == PARENT for p in problems):  # depths are only defined without loops
        problems += _depth_problems(number_of, tree, _final_parents(rows, tree))
    return sort_problems(problems)


def _depth_problems(number_of: dict[str, int], tree: dict[str, Stored], parent_of: Callable[[str], str | None]) -> list[Problem]:
    """Organizations the file puts below MAX_DEPTH levels, on the row that puts them there: their
    own, or the row of the nearest ancestor the file adds or moves."""
    memo: dict[str, int] = {}
    deepest: dict[str, tuple[int, str]] = {}
    for code in [*number_of, *tree]:
        depth = _depth(code, parent_of, memo)
        if depth <= MAX_DEPTH:
            continue
        placed: str | None = code
        while placed is not None and placed not in number_of:
            placed = parent_of(placed)
        if placed is not None and depth > deepest.get(placed, (0, ""))[0]:
            deepest[placed] = (depth, code)
    return [
        Problem(number_of[placed], PARENT, _("按文件放置后，“%(code)s”将位于第 %(depth)s 级，超过了 %(limit)s 级的上限。") % {
            "code": code, "depth": depth, "limit": MAX_DEPTH})
        for placed, (depth, code) in deepest.items()
    ]


# --- Applying a checked file -----------------------------------------------------------------

def _depth(code: str, parent_of: Callable[[str], str | None], memo: dict[str, int]) -> int:
    trail = []
    current: str | None = code
    while current is not None and current not in memo:
        trail.append(current)
        current = parent_of(current)
    depth = memo[current] if current is not None else 0
    for walked in reversed(trail):
        depth += 1
        memo[walked] = depth
    return memo[code]


@dataclass
class _Plan:
    new: list[ImportRow]
    field_changes: list[tuple[int, ImportRow]]
    moves: list[ImportRow]  # organization_update writes their fields as well
    updated: int = 0
    unchanged: int = 0


def _plan(rows: list[ImportRow], tree: dict[str, Stored]) -> _Plan:
    plan = _Plan(new=[], field_changes=[], moves=[])
    for row in rows:
        stored = tree.get(row.code)
        if stored is None:
            plan.new.append(row)
            continue
        fields_changed = (stored.name, stored.type, stored.is_active) != (row.name, row.type, row.is_active)
        plan.updated += fields_changed
        if stored.parent_code != row.parent_code:
            plan.moves.append(row)
        elif fields_changed:
            plan.field_changes.append((stored.pk, row))
        else:
            plan.unchanged += 1
    # Parents first, in the tree as it will be: see import_organizations for why.
    parent_of = _final_parents(rows, tree)
    memo: dict[str, int] = {}
    plan.new.sort(key=lambda row: _depth(row.code, parent_of, memo))
    plan.moves.sort(key=lambda row: _depth(row.code, parent_of, memo))
    return plan


def _apply(plan: _Plan, parent_of: Callable[[str], str | None], tree: dict[str, Stored]) -> list[Organization]:
    """Write the plan so that no organization is ever placed deeper than where the file puts it
    (a path has room for MAX_DEPTH levels, on the way as at the end).

    Moves and the new nodes below a moving node go top-down by final depth, level by level: when
    a node is placed, every node above its new place already sits where the file puts it. A
    moving node inside another moving node's branch is first made a root, so that it is not
    carried along (and down) before its own turn; moving to the top only makes a branch shallower.
    """
    movers = {row.code for row in plan.moves}

    def below(code: str, parent: Callable[[str], str | None]) -> bool:
        current = parent(code)
        while current is not None and current not in movers:
            current = parent(current)
        return current is not None

    def stored_parent(code: str) -> str | None:
        return tree[code].parent_code if code in tree else None

    waiting = [row for row in plan.new if below(row.code, parent_of)]
    settled = [row for row in plan.new if not below(row.code, parent_of)]
    created: list[Organization] = []
    if settled:  # in one go, the common case: nothing above them moves
        created += bulk_add_nodes(NewNode(r.code, r.name, r.type, r.parent_code, r.is_active) for r in settled)
    if plan.field_changes:
        Organization.objects.bulk_update(
            [Organization(pk=pk, name=r.name, type=r.type, is_active=r.is_active) for pk, r in plan.field_changes],
            ["name", "type", "is_active"], batch_size=1000,
        )
    for row in plan.moves:
        if below(row.code, stored_parent):
            _place(row, parent_code=None)
    memo: dict[str, int] = {}
    steps = sorted([*((_depth(r.code, parent_of, memo), 0, r) for r in plan.moves),
                    *((_depth(r.code, parent_of, memo), 1, r) for r in waiting)], key=lambda step: step[:2])
    for _level, level_steps in groupby(steps, key=lambda step: step[0]):
        new = []
        for _same_level, is_new, row in level_steps:
            if is_new:
                new.append(NewNode(row.code, row.name, row.type, row.parent_code, row.is_active))
            else:
                _place(row, parent_code=row.parent_code)
        if new:
            created += bulk_add_nodes(new)
    return created


def _place(row: ImportRow, *, parent_code: str | None) -> None:
    parent = Organization.objects.get(code=parent_code) if parent_code else None
    organization_place(
        organization=Organization.objects.select_for_update().get(code=row.code),
        name=row.name, type=row.type, is_active=row.is_active, parent=parent,
    )


@transaction.atomic
def import_organizations(*, rows: list[ImportRow], user: AnyUser) -> ImportResult:
    """Apply rows from `parse_upload` that had no problems: all of them or, on error, none.

    Raises ImportRejected when the rows do not fit the tree, which happens when someone changed
    the tree since they were checked.
    """
    require_admin(user)
    # Two imports at once would each check against a tree the other is changing: the root
    # rows serve as the lock that makes them take turns.
    list(Organization.objects.select_for_update().filter(depth=1).values_list("pk", flat=True))
    tree = load_tree()
    problems = tree_problems(rows, tree)
    if problems:
        raise ImportRejected(problems)
    plan = _plan(rows, tree)

    created = _apply(plan, _final_parents(rows, tree), tree)
    _record_import(plan, tree, rows, created, user)
    return ImportResult(
        created=len(plan.new), updated=plan.updated, moved=len(plan.moves), unchanged=plan.unchanged
    )


IMPORT_NOTE = gettext_lazy("由党组织表导入")


def _record_import(
    plan: _Plan, tree: dict[str, Stored], rows: list[ImportRow], created: list[Organization], user: AnyUser
) -> None:
    """One history row per organization the file creates, changes or moves: from the tree before to the file."""
    names = {code: stored.name for code, stored in tree.items()} | {row.code: row.name for row in rows}
    note = str(IMPORT_NOTE)

    def snapshot(row: ImportRow) -> dict:
        return organization_row_snapshot(code=row.code, name=row.name, type=row.type, is_active=row.is_active,
                                         parent=org_label_of(row.parent_code, names.get(row.parent_code or "")))

    if any(organization.pk is None for organization in created):
        pks = dict(Organization.objects.filter(depth__gte=1).values_list("code", "pk").iterator(chunk_size=5000))
        for organization in created:
            organization.pk = pks[organization.code]
    by_code = {organization.code: organization for organization in created}
    events = [
        event(actor=user, kind=AdminKind.ORGANIZATION, action=AdminAction.IMPORT, page=by_code[row.code],
              target=f"{row.name}（{row.code}）", changes=organization_changes({}, snapshot(row)), note=note)
        for row in plan.new
    ]
    for row in [*(row for _pk, row in plan.field_changes), *plan.moves]:
        stored = tree[row.code]
        before = organization_row_snapshot(
            code=row.code, name=stored.name, type=stored.type, is_active=stored.is_active,
            parent=org_label_of(stored.parent_code, tree[stored.parent_code].name if stored.parent_code else None),
        )
        events.append(event(
            actor=user, kind=AdminKind.ORGANIZATION, action=AdminAction.IMPORT, page=Organization(pk=stored.pk),
            target=f"{row.name}（{row.code}）", changes=organization_changes(before, snapshot(row)), note=note,
        ))
    record_all(events)


def import_upload(
    *, upload: IO[bytes], user: AnyUser, progress: Callable[[int], None] | None = None,
) -> tuple[ImportResult | None, list[Problem]]:
    """Check the whole file and apply it when nothing is wrong: what the import page does, and
    the job of a large file (`progress` hears of the rows checked)."""
    rows, problems = parse_upload(upload, progress)
    if problems:
        if rows:  # report the tree's problems too, so that one round of fixes is enough
            problems = sort_problems([*problems, *tree_problems(rows, load_tree())])
        return None, problems
    try:
        return import_organizations(rows=rows, user=user), []
    except ImportRejected as rejected:
        return None, rejected.problems
