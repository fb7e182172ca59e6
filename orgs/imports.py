"""Importing the organization tree from Excel: check the whole file, then apply it in one go.

Checks come in two kinds. `parse_upload` needs only the file (size, format, header, cell values,
duplicate codes). `tree_problems` also needs the tree in the database (unknown parents, cycles);
`import_organizations` runs it again inside its transaction, so a file is always checked against
the very tree it is applied to, even if someone changed the tree since the upload was read.

Rows are matched to organizations by code. Organizations missing from the file are left alone:
a file may describe one district without deleting the rest of the city.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import AdminAction, AdminKind, event, record_all
from common.xlsx import RefusedWorkbook, SheetRow, TooManyRows, UnreadableWorkbook, read_sheet
from orgs.access import require_admin
from orgs.bulk import NewNode, bulk_add_nodes
from orgs.history import org_label_of, organization_changes, organization_row_snapshot
from orgs.models import MAX_DEPTH, Organization
from orgs.scope import AnyUser
from orgs.services import organization_place
from orgs.tree_excel import (
    ACTIVE,
    CODE,
    COLUMNS,
    NAME,
    PARENT,
    TYPE,
    type_labels,
)
from orgs.validators import RESERVED_CODES, code_validator

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Well above the 20,000 organizations the system is sized for, so a whole-tree export fits.
MAX_IMPORT_ROWS = 50_000
CODE_MAX_LENGTH = Organization._meta.get_field("code").max_length
NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length
_ACTIVE_VALUES = {"是": True, "否": False, "1": True, "0": False, "true": True, "false": False}
_CYCLE_SHOWN = 6


class Problem(NamedTuple):
    row: int | None  # None: the file as a whole
    column: str  # "" when the problem is not about one column
    message: str


@dataclass(frozen=True)
class ImportRow:
    number: int
    code: str
    name: str
    type: str
    parent_code: str | None
    is_active: bool


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int  # name, type or 是否有效 changed
    moved: int  # 上级编码 changed; a row can be both updated and moved
    unchanged: int


class ImportRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    order = {title: index for index, title in enumerate(COLUMNS)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))


# --- The file on its own ---------------------------------------------------------------------

def _header_problems(header: tuple[str, ...]) -> list[Problem]:
    problems = []
    expected = "、".join(COLUMNS)
    for index, title in enumerate(header):
        if title and title not in COLUMNS:
            problems.append(Problem(1, title, _("无法识别的列“%(title)s”。表头应为：%(expected)s。") % {
                "title": title, "expected": expected}))
        elif title and title in header[:index]:
            problems.append(Problem(1, title, _("列“%(title)s”出现了不止一次。") % {"title": title}))
    for title in COLUMNS:
        if title not in header:
            problems.append(Problem(1, title, _("缺少列“%(title)s”。表头应为：%(expected)s。") % {
                "title": title, "expected": expected}))
    return problems


def _code_problem(code: str) -> str | None:
    if not code:
        return _("编码不能为空。")
    if len(code) > CODE_MAX_LENGTH:
        return _("编码不能超过 %(limit)s 个字符。") % {"limit": CODE_MAX_LENGTH}
    try:
        code_validator(code)
    except ValidationError as error:
        return str(error.messages[0])
    if code.lower() in RESERVED_CODES:
        return _("“%(code)s”是系统保留字，不能作为编码。") % {"code": code}
    return None


def _parse_row(row: SheetRow, position: dict[str, int], types: dict[str, str]) -> tuple[ImportRow, list[Problem]]:
    def cell(title: str) -> str:
        index = position[title]
        return row.cells[index] if index < len(row.cells) else ""

    problems = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row.number, column, message))

    code, name, type_text, parent_code = cell(CODE), cell(NAME), cell(TYPE), cell(PARENT)
    if (message := _code_problem(code)) is not None:
        problem(CODE, message)
    if not name:
        problem(NAME, _("名称不能为空。"))
    elif len(name) > NAME_MAX_LENGTH:
        problem(NAME, _("名称不能超过 %(limit)s 个字符。") % {"limit": NAME_MAX_LENGTH})
    type_value = types.get(type_text, "")
    if not type_text:
        problem(TYPE, _("类型不能为空。"))
    elif not type_value:
        problem(TYPE, _("无法识别的类型“%(type)s”，应为：%(choices)s。") % {
            "type": type_text, "choices": "、".join(type_labels().values())})
    active_text = cell(ACTIVE) or "是"
    is_active = _ACTIVE_VALUES.get(active_text.lower())
    if is_active is None:
        problem(ACTIVE, _("无法识别的取值“%(value)s”，请填写“是”或“否”。") % {"value": active_text})
    parsed = ImportRow(row.number, code, name, type_value, parent_code or None, bool(is_active))
    return parsed, problems


def parse_upload(upload: UploadedFile) -> tuple[list[ImportRow], list[Problem]]:
    """The rows of an uploaded workbook, and whatever is wrong with the file on its own.

    Rows whose code is unusable or repeated are left out of the rows, so that the tree checks
    can still run on the others and the user sees every problem at once.
    """
    if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        return [], [Problem(None, "", _("文件大小为 %(size)s，超过了 %(limit)s 的上限。") % {
            "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_IMPORT_BYTES)})]
    try:
        header, sheet_rows = read_sheet(upload, max_rows=MAX_IMPORT_ROWS)
    except RefusedWorkbook as refused:
        return [], [Problem(p.row, p.letter, p.message) for p in refused.problems]
    except UnreadableWorkbook:
        return [], [Problem(None, "", _(
            "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式），可以先下载本页提供的模板。"))]
    except TooManyRows:
        return [], [Problem(None, "", _("文件超过了 %(limit)s 行的上限，请分成几个文件导入。") % {
            "limit": f"{MAX_IMPORT_ROWS:,}"})]
    problems = _header_problems(header)
    if problems:
        return [], problems
    if not sheet_rows:
        return [], [Problem(None, "", _("文件中没有数据行。"))]

    position = {title: header.index(title) for title in COLUMNS}
    types = {label: value for value, label in type_labels().items()} | {v: v for v in type_labels()}
    rows: list[ImportRow] = []
    first_row_of: dict[str, int] = {}
    for sheet_row in sheet_rows:
        row, row_problems = _parse_row(sheet_row, position, types)
        problems.extend(row_problems)
        if row.code in first_row_of:
            problems.append(Problem(row.number, CODE, _("编码“%(code)s”与第 %(row)s 行重复。") % {
                "code": row.code, "row": first_row_of[row.code]}))
        elif not any(p.column == CODE for p in row_problems):
            first_row_of[row.code] = row.number
            rows.append(row)
    return rows, _sorted(problems)


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
        tree[code] = Stored(pk, name, type_, is_active, code_of_path.get(path[: -Organization.steplen]))
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
    problems = []
    codes = {row.code for row in rows}
    number_of = {row.code: row.number for row in rows}
    for row in rows:
        if row.parent_code and row.parent_code not in codes and row.parent_code not in tree:
            problems.append(Problem(row.number, PARENT, _(
                "上级编码“%(parent)s”既不在本文件中，也不在系统中。") % {"parent": row.parent_code}))
    for cycle in _cycles((row.code for row in rows), _final_parents(rows, tree)):
        if len(cycle) == 1:
            message = _("上级编码不能是它自己。")
        else:
            message = _("上级关系形成了循环（%(chain)s），党组织不能位于它自己的下级之下。") % {
                "chain": _cycle_text(cycle)}
        problems.extend(Problem(number_of[code], PARENT, message) for code in cycle if code in number_of)
    if not any(p.column == PARENT for p in problems):  # depths are only defined without loops
        problems += _depth_problems(number_of, tree, _final_parents(rows, tree))
    return _sorted(problems)


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
                                         parent=org_label_of(row.parent_code, names.get(row.parent_code)))

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


def import_upload(*, upload: UploadedFile, user: AnyUser) -> tuple[ImportResult | None, list[Problem]]:
    """Check the whole file and apply it when nothing is wrong: what the import page does."""
    rows, problems = parse_upload(upload)
    if problems:
        if rows:  # report the tree's problems too, so that one round of fixes is enough
            problems = _sorted([*problems, *tree_problems(rows, load_tree())])
        return None, problems
    try:
        return import_organizations(rows=rows, user=user), []
    except ImportRejected as rejected:
        return None, rejected.problems
