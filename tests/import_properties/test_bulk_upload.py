"""Arbitrary edits of the real downloaded template through the bulk score upload page.

Every file is either applied exactly (the stored scores equal what the file says for the
cells it fills, everything else is as it was, one audit event per changed field) or refused
with a problems table and the database unchanged; never a 500 (the test client raises it).
The expected outcome is computed here from the cells written, by the rules the page states.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from assessments.formats.bulk import BASE_SHEET, item_columns
from assessments.models import AuditEvent, Score, Sheet
from assessments.selectors.outline import round_items
from assessments.services.bulk import IMPORT_NOTE
from tests.factories import fill
from tests.import_properties.cells import EXAMPLES, WORD, Formula, half_points, is_formula, odd_values, text_of
from tests.import_properties.raw_sheets import sheet_xml, with_sheet
from tests.worlds import assert_totals, bulk_world, download, post, state

pytestmark = pytest.mark.django_db
RUNS = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
RAW_RUNS = settings(RUNS, max_examples=max(EXAMPLES * 5 // 8, 1))
INVALID = object()  # a score cell the page must refuse
BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@pytest.fixture
def world(outline):
    return bulk_world(outline)


class Rollback(Exception):
    """Ends an example's transaction, so that every example starts from the same scores."""


@dataclass
class Row:
    code: object
    name: object
    scores: list[tuple[object, object]]  # (cell value, what it means: Decimal, None for blank, INVALID)
    reasons: list[object]
    extra: list[object] = field(default_factory=list)


def typed(value: Decimal) -> st.SearchStrategy[object]:
    """One valid half point, in the ways a person or a program may put it in a cell."""
    text = format(value.normalize(), "f")
    ways = [float(value), text, f" {text} ", text.translate(FULL_WIDTH), "+" + text]
    if value == value.to_integral_value():
        ways += [int(value), f"{text}."]
    else:
        ways += [text.replace(".", ","), text.lstrip("0") or "0"]
    return st.sampled_from(ways)


def score_cells(cap: Decimal, clean: bool) -> st.SearchStrategy[tuple[object, object]]:
    valid = half_points(cap).flatmap(lambda v: typed(v).map(lambda cell: (cell, v)))
    blank = st.sampled_from([None, "", "  ", "\u3000"]).map(lambda cell: (cell, None))
    if clean:
        return st.one_of(valid, blank)
    bad = st.one_of(
        st.integers(1, 20).map(lambda k: (float(cap + Decimal(k) / 2), INVALID)),
        st.sampled_from([-0.5, -1, "-1", "- 1", "优秀", "1e0", "0x1", "2..5", "NaN", "inf", True, 1e20, 10**30,
                         float("inf"), float("nan"), 0.25, "٣", "2.5\u202e"]).map(lambda cell: (cell, INVALID)),
        st.integers(0, int(cap * 4) - 1).filter(lambda n: n % 2).map(lambda n: (n / 4, INVALID)),
        odd_values().map(lambda cell: (cell, meaning(cell, cap))),
    )
    return st.one_of(valid, valid, blank, bad)


def meaning(cell: object, cap: Decimal) -> object:
    """What a cell of another kind than typed text means as a score."""
    if not text_of(cell):
        return None
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return INVALID
    value = Decimal(str(cell))
    return value if 0 <= value <= cap and value % Decimal("0.5") == 0 else INVALID


reasons = st.one_of(
    st.none(), WORD, WORD.map(lambda w: f"  {w}\n"), st.just("很" * 1000), st.just(" " + "很" * 1000 + "\u200f "),
    st.just("\u202e录记\u202c\r\n第二行"), st.just("'=不是公式"), st.just("-未见记录"),
)
bad_reasons = st.sampled_from(["很" * 1001, "a\x7fb", "a\x85b", "=A1", "\u202e", "", "  "])


def reason_meaning(cell: object) -> object:
    """The reason as stored, or INVALID."""
    text = BIDI.sub("", text_of(cell).replace("\r\n", "\n").replace("\r", "\n"))
    if CONTROL.search(text):
        return INVALID
    text = text.strip()
    return INVALID if len(text) > 1000 else text


def pair(score: object, reason: object, cap: Decimal) -> object:
    """What a score cell and its reason cell ask for: (score, reason), None to leave the item, INVALID."""
    if score is None:
        return None if not text_of(reason) else INVALID
    cleaned = reason_meaning(reason)
    if score is INVALID or cleaned is INVALID or (score < cap and not cleaned):
        return INVALID
    return score, cleaned


class Template(tuple):
    """(world, downloaded bytes, header, rows, columns), shown short in a failing example."""

    def __repr__(self) -> str:
        return "<the downloaded template>"


@pytest.fixture
def template(world):  # noqa: F811
    fill(world["sheets"][0], world["evaluator"], {"1.1": 2, "1.2": 2, "4.2": "7.5"})
    content = download(world)
    columns = item_columns(round_items(world["round"]))
    book = load_workbook(io.BytesIO(content))
    header = [cell.value for cell in book.worksheets[0][1]]
    rows = []
    for values in book.worksheets[0].iter_rows(min_row=2, values_only=True):
        scores = [(v, None if v is None else Decimal(str(v))) for v in values[2::2]]
        rows.append(Row(values[0], values[1], scores, list(values[3::2])))
    return Template((world, content, header, rows, columns))


@st.composite
def uploads(draw, template) -> tuple[list[Row], dict[int, object], list[str], bool]:
    """The template's rows edited at random, header edits, base edits, and whether it is a clean edit."""
    _world, _content, header, rows, columns = template
    clean = draw(st.integers(0, 2)) > 0
    rows = [Row(r.code, r.name, list(r.scores), list(r.reasons)) for r in rows]
    header_edits: dict[int, object] = {}
    base_edits: list[str] = []
    kinds = ["pair", "pair", "pair", "blank", "name", "drop", "swap", "pad_code"]
    if not clean:
        kinds += ["score", "reason", "code", "append", "header", "base", "formula", "extra"]
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=6)):
        if kind == "header":
            index = draw(st.integers(0, len(header) - 1))
            header_edits[index] = draw(st.sampled_from([f" {header[index]} ", "备注", "1.1 领导重视（5分）", None]))
            continue
        if kind == "base":
            base_edits.append(draw(st.sampled_from(["cell", "drop", "rename", "formula", "unhide", "row"])))
            continue
        if kind == "append":
            code = draw(st.sampled_from(["NOPE", "XG01", "GJZ01", "", "ZS01", "ZS02"]))
            rows.append(Row(code, "新增", [(None, None)] * len(columns), [None] * len(columns)))
            continue
        if not rows:
            continue
        row = draw(st.sampled_from(rows))
        at = draw(st.integers(0, len(columns) - 1))
        cap = columns[at].cap
        if kind == "pair":
            row.scores[at] = draw(score_cells(cap, clean=True))
            row.reasons[at] = draw(reasons if row.scores[at][1] is not None else st.none())
        elif kind == "blank":
            row.scores[at], row.reasons[at] = (None, None), None
        elif kind == "name":
            row.name = draw(st.one_of(WORD, odd_values().map(lambda v: "" if is_formula(v) else v)))
        elif kind == "drop":
            rows.remove(row)
        elif kind == "swap":
            rows.reverse()
        elif kind == "pad_code":
            row.code = f" {text_of(row.code)}\u3000"
        elif kind == "score":
            row.scores[at] = draw(score_cells(cap, clean=False))
        elif kind == "reason":
            row.reasons[at] = draw(st.one_of(reasons, bad_reasons))
        elif kind == "code":
            row.code = draw(st.sampled_from(["NOPE", "XG01", "GJZ01", "", "zs01", 1001, *(r.code for r in rows)]))
        elif kind == "formula":
            row.scores[at] = (Formula("=1+1"), INVALID)
        elif kind == "extra":
            row.extra = [draw(st.one_of(WORD, st.none()))]
    return rows, header_edits, base_edits, clean


def cells_of(row: Row) -> list[object]:
    cells = [row.code, row.name]
    for (score, _meaning), reason in zip(row.scores, row.reasons, strict=True):
        cells += [score, reason]
    return cells + row.extra


def written(content: bytes, rows: list[Row], header_edits: dict[int, object], base_edits: list[str]) -> bytes:
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for index, title in header_edits.items():
        sheet.cell(row=1, column=index + 1).value = title  # cell(value=None) would leave the title
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(cells_of(row))
    base = book[BASE_SHEET]
    for kind in base_edits:
        if kind == "cell":
            base.cell(row=3, column=4, value="9")  # the first unit's first score as the template knew it
        elif kind == "formula":
            base.cell(row=3, column=5, value="=1+1")
        elif kind == "row":
            base.append(["ZS09", "1", "1"])
        elif kind == "unhide":
            base.sheet_state = "visible"
        elif kind == "rename" and base.title == BASE_SHEET:
            base.title = "base"
        elif kind == "drop" and base.title in book.sheetnames:
            del book[base.title]
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


def expected(template, rows: list[Row], header_edits: dict[int, object], base_edits: list[str]) -> dict | None:
    """{code: {item index: (score, reason)}} for the cells the file fills, or None when it must be refused."""
    _world, _content, header, template_rows, columns = template
    if any(text_of(title) != header[index] for index, title in header_edits.items()):
        return None
    if set(base_edits) - {"unhide"}:
        return None
    if any(is_formula(cell) for row in rows for cell in cells_of(row)):
        return None
    data = [row for row in rows if any(text_of(cell) for cell in cells_of(row))]
    known = {text_of(row.code) for row in template_rows}
    if not data:
        return None
    found: dict[str, dict[int, tuple]] = {}
    for row in data:
        code = text_of(row.code)
        if not code or code in found or code not in known:
            return None
        found[code] = {}
        for at, ((_cell, score), reason) in enumerate(zip(row.scores, row.reasons, strict=True)):
            wanted = pair(score, reason, columns[at].cap)
            if wanted is INVALID:
                return None
            if wanted is not None:
                found[code][at] = wanted
    return found


def scores() -> dict[tuple[int, int], tuple[Decimal | None, str]]:
    return {(sheet, item): (score, reason) for sheet, item, score, reason
            in Score.objects.values_list("sheet_id", "item_id", "score", "reason") if score is not None or reason}


@given(data=st.data())
@RUNS
def test_it_applies_an_edited_template_exactly_or_refuses_it_whole(template, data):
    site, content, _header, _rows, columns = template
    rows, header_edits, base_edits, clean = data.draw(uploads(template))
    file = written(content, rows, header_edits, base_edits)
    note(f"rows: {[(cells_of(row), [m for _c, m in row.scores]) for row in rows]}")
    try:
        with transaction.atomic():
            before, before_state = scores(), state()
            versions = dict(Sheet.objects.values_list("pk", "version"))
            last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            wanted = expected(template, rows, header_edits, base_edits)
            event(f"{'clean' if clean else 'faulty'} edit, {'refused' if wanted is None else 'accepted'}")
            response = post(site, file)
            if wanted is None:
                assert response.status_code == 400
                assert "没有导入任何数据" in response.content.decode()
                assert state() == before_state
            else:
                problems = response.context["problems"] if response.status_code == 400 else []
                assert response.status_code == 302, [tuple(p) for p in problems]
                assert_applied(site, columns, wanted, before, versions, last_event)
            raise Rollback
    except Rollback:
        pass


def assert_applied(site, columns, wanted: dict, before: dict, versions: dict, last_event: int) -> None:
    sheet_of = {sheet.assessment.organization.code: sheet.pk for sheet in site["sheets"]}
    after = dict(before)
    changes = set()
    for code, cells in wanted.items():
        for at, (score, reason) in cells.items():
            key = (sheet_of[code], columns[at].item_id)
            old_score, old_reason = before.get(key, (None, ""))
            changes |= {(*key, "score")} if old_score != score else set()
            changes |= {(*key, "reason")} if old_reason != reason else set()
            after[key] = (score, reason)
    assert scores() == {key: value for key, value in after.items() if value[0] is not None or value[1]}
    events = AuditEvent.objects.filter(pk__gt=last_event)
    assert {(e.sheet_id, e.item_id, e.action) for e in events} == changes
    assert {(e.actor_id, e.note) for e in events} <= {(site["evaluator"].pk, IMPORT_NOTE)}
    changed_sheets = {sheet for sheet, _item, _action in changes}
    for pk, version in Sheet.objects.values_list("pk", "version"):
        assert version == versions[pk] + (pk in changed_sheets)
    for sheet in site["sheets"]:
        assert_totals(sheet)


@given(data=st.data())
@RAW_RUNS
def test_it_answers_any_first_sheet_xml_with_an_import_or_a_refusal(template, data):
    site, content, header, _rows, _columns = template
    file = with_sheet(content, data.draw(sheet_xml(header, ["ZS01", "ZS02", "XG01"])))
    try:
        with transaction.atomic():
            before_state = state()
            last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = post(site, file)
            event(f"answered {response.status_code}")
            assert response.status_code in (302, 400)
            if response.status_code == 400:
                assert response.context["problems"]
                assert state() == before_state
            else:
                assert set(AuditEvent.objects.filter(pk__gt=last_event).values_list("note", flat=True)) <= {IMPORT_NOTE}
                for sheet in site["sheets"]:
                    assert_totals(sheet)
            raise Rollback
    except Rollback:
        pass
