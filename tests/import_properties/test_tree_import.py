"""Arbitrary workbooks through the organization tree import page.

Every file is either applied exactly as its rows say (the tree afterwards equals an oracle
computed from the rows here, independently of orgs.services.tree_import) or refused with a problems table
and the tree left byte for byte as it was; never a 500 (the test client raises it).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orgs.models import Organization, OrgType
from tests import xlsx_bombs
from tests.factories import build_tree
from tests.import_properties.cells import (
    EXAMPLES,
    SHEET_NAMES,
    WORD,
    free_text,
    is_formula,
    odd_values,
    text_of,
    workbook_bytes,
)
from tests.import_properties.raw_sheets import sheet_xml, with_sheet
from tests.worlds import tree_state

pytestmark = pytest.mark.django_db
RUNS = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
RAW_RUNS = settings(RUNS, max_examples=max(EXAMPLES * 5 // 8, 1))
IMPORT = reverse("orgs:tree_import")
COLUMNS = ("编码", "名称", "类型", "上级编码", "是否有效")
LABELS = {"市委": "city", "区市县委": "district", "部门党委": "department", "基层党委": "committee",
          "党工委": "working", "党总支": "general_branch", "党支部": "branch"}
ACTIVE = {"是": True, "否": False, "1": True, "0": False, "true": True, "false": False, "": True}
EXISTING = ("BROOT", "BD000", "BD001", "BD000B0000", "BD000B0001", "BD001B0000", "BD001B0001")
NEW = ("N1", "N2", "N3", "n-4.x_5", "1001")
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_DEPTH = Organization._meta.get_field("path").max_length // Organization.steplen
TOO_LONG_PATH = re.compile(f"[0-9A-Z]{{{MAX_DEPTH * Organization.steplen + 1},}}")


class Rollback(Exception):
    """Ends an example's transaction, so that every example starts from the same tree."""


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """(good values only, mostly good values): a clean file, and one with a fault here and there."""
    return good, st.integers(0, 9).flatmap(lambda n: bad if n == 0 else good)


LEAVES = EXISTING[3:]
codes = mostly(
    # Without faults, only organizations without children move: no loop can form.
    st.one_of(st.sampled_from(LEAVES + NEW), st.sampled_from(NEW).map(lambda c: f" {c}\u3000"), st.just(1001)),
    st.one_of(st.sampled_from(EXISTING), st.sampled_from(["", "-AB", "A B", "new", "Import", "中文", "A/B", "X" * 33, "'=N1"]),
              odd_values(), free_text(6)),
)
names = mostly(
    st.one_of(WORD, WORD.map(lambda w: f"  {w}\t"), st.just("党" * 200), st.just("'=SUM(A1)"), st.builds(
        str.__add__, WORD, free_text(30))),
    st.one_of(st.just("党" * 201), odd_values(), free_text(30)),
)
types = mostly(st.one_of(st.sampled_from(list(LABELS)), st.sampled_from(list(LABELS.values()))),
               st.one_of(st.sampled_from(["支部", "Branch", "党支部 ", ""]), odd_values()))
parents = mostly(
    st.one_of(st.sampled_from(EXISTING), st.none(), st.just("")),
    st.one_of(st.sampled_from(NEW + ("NOPE", "bd000")), odd_values()),
)
actives = mostly(st.sampled_from(["是", "否", "1", "0", "TRUE", "False", 1, 0, True, False, None, " 是 "]),
                 st.one_of(st.sampled_from(["Y", "有效", 2, "yes"]), odd_values()))


def row_values(clean: bool) -> st.SearchStrategy[dict[str, object]]:
    pick = 0 if clean else 1
    return st.fixed_dictionaries({"编码": codes[pick], "名称": names[pick], "类型": types[pick],
                                  "上级编码": parents[pick], "是否有效": actives[pick]})


@st.composite
def headers(draw) -> list[object]:
    kind = draw(st.sampled_from(["plain"] * 6 + ["shuffled", "spaced", "missing", "extra", "twice", "gap"]))
    header: list[object] = list(COLUMNS)
    if kind == "shuffled":
        header = draw(st.permutations(COLUMNS))
    elif kind == "spaced":
        header = [f" {title} " for title in header]
    elif kind == "missing":
        del header[draw(st.integers(0, 4))]
    elif kind == "extra":
        header.insert(draw(st.integers(0, 5)), draw(st.sampled_from(["备注", "名字", 3, "=A2"])))
    elif kind == "twice":
        header.append(draw(st.sampled_from(COLUMNS)))
    elif kind == "gap":
        header.insert(draw(st.integers(1, 4)), None)
    return header


@st.composite
def workbooks(draw) -> tuple[list[list[object]], list[object]]:
    clean = draw(st.integers(0, 2)) > 0
    header = list(COLUMNS) if clean else draw(headers())
    rows: list[list[object]] = []
    listed = st.lists(row_values(clean), min_size=clean, max_size=8, unique_by=lambda v: text_of(v["编码"]))
    for values in draw(listed if clean else st.lists(row_values(clean), max_size=8)):
        if clean and rows and draw(st.booleans()):
            # Under an organization earlier in the file.
            values["上级编码"] = draw(st.sampled_from([row[0] for row in rows if row]))
        if draw(st.integers(0, 5)) == 0:
            rows.append([])  # a blank row between data rows
        # A cell under each header title; a cell under an unknown title gets something too.
        rows.append([values.get(text_of(title), "x") if title is not None else None for title in header])
    if clean and draw(st.integers(0, 3)) == 0:
        # A chain reaching down to the deepest level a path holds, or one past it.
        top = draw(st.sampled_from(LEAVES))
        depth = draw(st.sampled_from([MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH - 2]))
        rows.extend([f"K{n}", f"第{n}层", "党支部", f"K{n - 1}" if n > 1 else top, "是"] for n in range(1, depth + 1))
    titles = [text_of(title) for title in header]
    filled = [row for row in rows if row]
    if not clean and "上级编码" in titles and "编码" in titles and filled and draw(st.booleans()):
        # A row whose parent is itself, or rows whose parents go round in a loop.
        loop = draw(st.lists(st.sampled_from(filled), min_size=1, max_size=3, unique_by=id))
        code_at, parent_at = titles.index("编码"), titles.index("上级编码")
        for row, next_row in zip(loop, loop[1:] + loop[:1], strict=True):
            row[parent_at] = next_row[code_at]
    if not clean and draw(st.integers(0, 9)) == 0:
        return [[], header, *rows], header  # the header on row 2: the file has none
    return [header, *rows], header


def stored() -> dict[str, tuple]:
    code_of = dict(Organization.objects.values_list("path", "code"))
    return {
        code: (name, type_, active, code_of.get(path[: -Organization.steplen]))
        for code, name, type_, active, path in Organization.objects.values_list(
            "code", "name", "type", "is_active", "path")
    }


def valid_code(code: str) -> bool:
    return bool(CODE_RE.fullmatch(code)) and len(code) <= 32 and code.lower() not in {"new", "import", "export.xlsx"}


def outcome(rows: list[list[object]], before: dict[str, tuple]) -> dict[str, tuple] | None:
    """The tree the file describes, or None when the file must be refused."""
    if any(is_formula(value) for row in rows for value in row):
        return None
    header = [text_of(value) for value in rows[0]]
    while header and not header[-1]:
        header.pop()
    titles = [title for title in header if title]
    if sorted(titles) != sorted(COLUMNS):
        return None
    at = {title: header.index(title) for title in COLUMNS}
    data = [[text_of(v) for v in row] for row in rows[1:]]
    data = [row + [""] * (len(header) - len(row)) for row in data if any(row)]
    if not data:
        return None
    after = dict(before)
    seen: set[str] = set()
    for row in data:
        code, name, type_, parent, active = (row[at[title]] for title in COLUMNS)
        if not valid_code(code) or code in seen or not name or len(name) > 200:
            return None
        if type_ not in LABELS and type_ not in OrgType.values or active.lower() not in ACTIVE:
            return None
        seen.add(code)
        after[code] = (name, LABELS.get(type_, type_), ACTIVE[active.lower()], parent or None)
    for *_fields, parent in after.values():
        if parent is not None and parent not in after:
            return None
    for code in after:
        walked = {code}
        parent = after[code][3]
        while parent is not None:
            if parent in walked:
                return None
            walked.add(parent)
            parent = after[parent][3]
        if len(walked) > MAX_DEPTH:
            return None
    return after


def assert_tree_is_sound() -> None:
    paths = dict(Organization.objects.values_list("path", "numchild"))
    children = Counter(path[: -Organization.steplen] for path in paths)
    assert {path: children.get(path, 0) for path in paths} == paths
    assert all(depth * Organization.steplen == len(path)
               for path, depth in Organization.objects.values_list("path", "depth"))


@pytest.fixture
def tree(admin_client):
    build_tree(districts=2, branches_per_district=2)
    return admin_client


@given(data=workbooks(), title=SHEET_NAMES, extra=st.booleans())
@RUNS
def test_it_imports_a_workbook_exactly_or_refuses_it_whole(tree, data, title, extra):
    rows, _header = data
    content = workbook_bytes(title, rows, extra_sheet=[["=1+1", "不读"]] if extra else None)
    try:
        with transaction.atomic():
            before_state, before = tree_state(), stored()
            expected = outcome(rows, before)
            event("refused" if expected is None else "accepted")
            with CaptureQueriesContext(connection) as queries:
                response = tree.post(IMPORT, {"file": SimpleUploadedFile("党组织.xlsx", content)})
            # SQLite stores a path longer than its column; PostgreSQL answers that write with a 500.
            assert not [q["sql"] for q in queries.captured_queries if TOO_LONG_PATH.search(q["sql"])]
            page = response.content.decode()
            if expected is None:
                assert response.status_code == 400, page
                assert "没有导入任何数据" in page
                assert response.context["problems"]
                assert tree_state() == before_state
            else:
                problems = response.context["problems"] if response.status_code == 400 else []
                assert response.status_code == 302, [tuple(p) for p in problems]
                assert stored() == expected
                assert_tree_is_sound()
            raise Rollback
    except Rollback:
        pass


@given(sheet=sheet_xml(list(COLUMNS), list(EXISTING + NEW)))
@RAW_RUNS
def test_it_answers_any_sheet_xml_with_an_import_or_a_refusal(tree, sheet):
    content = with_sheet(xlsx_bombs.workbook([list(COLUMNS)]), sheet)
    try:
        with transaction.atomic():
            before_state, before = tree_state(), stored()
            response = tree.post(IMPORT, {"file": SimpleUploadedFile("党组织.xlsx", content)})
            event(f"answered {response.status_code}")
            assert response.status_code in (302, 400)
            if response.status_code == 400:
                assert response.context["problems"]
                assert tree_state() == before_state
            else:
                assert set(stored()) >= set(before)
                assert_tree_is_sound()
            raise Rollback
    except Rollback:
        pass
