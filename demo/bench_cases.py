"""The pages and jobs `manage.py bench --json` measures, each with its floor (demo/bench_floors.py).

Pages go through Django's test client (middleware, sessions, templates and all), signed in as
the person who uses them: the admin for the city-wide reports, the demo evaluator for the work
list and the score page. Report pages are measured on the full round and, for the growth
ratio, the same URL on the bench's ~240-organization round (demo/bench_data.py).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.forms.sheet import initial_for, reason_field, score_field
from assessments.models import Assessment, AssessmentState, Round, Score, Sheet, SheetKind
from assessments.services.scoring import values_of
from demo import bench_floors as floors
from demo import floors as save_floors
from demo.bench_data import BenchData
from demo.bench_measure import Case
from indicators.models import Item
from indicators.points import format_points
from orgs.models import Organization

SEARCH = "支部"
DEEP_PAGE = 200
PAGE_SIZE = 50
REASON = "基准测试：按评分标准扣0.5分"


def client_for(user: Any) -> Client:
    # The test client's default "testserver" is not among the configured ALLOWED_HOSTS.
    host = next((h for h in settings.ALLOWED_HOSTS if h != "*"), "localhost").lstrip(".")
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def _approved(round: Round) -> Any:
    return Assessment.objects.filter(round=round, state=AssessmentState.APPROVED)


def deep_page(round: Round) -> int:
    """Page 200, or the last page of a ranking shorter than that."""
    pages = max(1, -(-_approved(round).count() // PAGE_SIZE))
    return min(DEEP_PAGE, pages)


def spread(round: Round, count: int) -> list[Assessment]:
    """`count` assessments spread over the round's organizations, for compare."""
    ids = list(_approved(round).order_by("organization__path").values_list("pk", flat=True))
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    return list(Assessment.objects.filter(pk__in=chosen).select_related("organization"))


def report_cases(data: BenchData, admin: Client) -> list[Case]:
    big, small = data.round, data.small
    root = Organization.objects.filter(depth=1).order_by("path").first()
    if root is None:
        raise CommandError("没有党组织数据：请先运行 seed_demo。")

    def ranking(round: Round, page: int) -> Callable[[], Any]:
        url = reverse("reports:ranking", args=[round.pk]) + (f"?page={page}" if page > 1 else "")
        return lambda: admin.get(url)

    def at(name: str, round: Round, query: str = "") -> Callable[[], Any]:
        url = reverse(name, args=[round.pk]) + query
        return lambda: admin.get(url)

    deep, small_deep = deep_page(big), deep_page(small)
    cases = [
        Case("ranking", ranking(big, 1), lambda: floors.ranking(big.pk, 0), ranking(small, 1)),
        Case("ranking_deep", ranking(big, deep), lambda: floors.ranking(big.pk, (deep - 1) * PAGE_SIZE),
             ranking(small, small_deep)),
    ]
    for count in (3, 10):
        chosen = spread(big, count)
        query = "?" + "&".join(f"org={a.organization.code}" for a in chosen)
        ids = [a.pk for a in chosen]
        cases.append(Case(f"compare_{count}", at("reports:compare", big, query),
                          lambda ids=ids: floors.compare(ids)))  # type: ignore[misc]  # bound per loop
    member = spread(big, 1)[0].organization
    trend_url = reverse("reports:trend", args=[member.code])
    cases += [
        Case("trend", lambda: admin.get(trend_url), lambda: floors.trend(member)),
        Case("rollup", at("reports:rollup", big, f"?org={root.code}"), lambda: floors.rollup(big.pk, root),
             at("reports:rollup", small, f"?org={root.code}")),
        Case("weak", at("reports:weak", big), lambda: floors.weak(big.pk, root), at("reports:weak", small)),
    ]
    return cases


def tree_cases(admin: Client, evaluator: Client, evaluator_id: int) -> list[Case]:
    tree_url = reverse("orgs:tree")
    home_url = reverse("home")
    return [
        Case("tree", lambda: admin.get(tree_url), floors.tree),
        Case("search", lambda: admin.get(tree_url, {"q": SEARCH}), lambda: floors.search(SEARCH)),
        Case("home", lambda: evaluator.get(home_url), lambda: floors.my_work(evaluator_id)),
    ]


class SheetSaves:
    """Alternating full rescoring of a sheet: every item between its cap and half a point less,
    so each save through the score page changes all 32 scores and reasons."""

    def __init__(self, data: BenchData) -> None:
        self.data = data
        self.items = list(Item.objects.filter(system=data.open_round.indicator_system).order_by("pk"))
        self.post: dict[str, Any] = {}
        self.turn = 0

    def _new(self, cap: Decimal, score: Decimal | None) -> tuple[Decimal, str]:
        return (cap - Decimal("0.5"), REASON) if score == cap else (cap, "")

    def prepare_page(self) -> None:
        """The form as the page would post it: the stored values as bases, every item retyped."""
        sheet = Sheet.objects.get(pk=self.data.page_sheet.pk)
        stored = {item_id: score for item_id, score, _r in
                  Score.objects.filter(sheet=sheet).values_list("item_id", "score", "reason")}
        values = values_of(Score.objects.filter(sheet=sheet).values_list("item_id", "score", "reason"))
        post = initial_for(values, sheet.version, self.items)
        for item in self.items:
            score, reason = self._new(item.cap, stored.get(item.id))
            post[score_field(item.id)], post[reason_field(item.id)] = format_points(score), reason
        post["action"] = "save"
        self.post = post

    def prepare_service(self) -> None:
        self.turn += 1
        self.case = save_floors.save_edits(self.data.floor_sheet.pk, self.turn)

    def service(self) -> None:
        save_floors.save_app(self.case)  # prepare_service has run: it is the case's `before`

    def floor(self) -> None:
        self.turn += 1
        save_floors.save_floor(sheet_pk=self.data.floor_sheet.pk, user_pk=self.data.evaluator.pk, n=self.turn)


def sheet_cases(data: BenchData, evaluator: Client) -> list[Case]:
    sheet = data.page_sheet
    url = reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])
    own = Sheet.objects.filter(assessment_id=sheet.assessment_id, kind=SheetKind.SELF).values_list("pk", flat=True).first()
    saves = SheetSaves(data)
    return [
        Case("sheet_get", lambda: evaluator.get(url), lambda: floors.sheet_get(sheet, own)),
        # The save itself (sheet_save, as the page's POST runs it) against the same work in one
        # hand-written transaction; then the whole POST through the view against that floor.
        Case("save", saves.service, saves.floor, before=saves.prepare_service),
        Case("save_post", lambda: evaluator.post(url, saves.post), saves.floor, before=saves.prepare_page),
    ]


class Workbooks:
    """The city's ranking workbook through its view (the job's size limit lifted, so the request
    writes it), against openpyxl write-only writing the same cells the view's workbook holds."""

    def __init__(self, round: Round, admin: Client) -> None:
        self.url = reverse("reports:ranking_xlsx", args=[round.pk])
        self.admin = admin
        self.body = b""
        self.sheets: list[tuple[str, list[tuple[Any, ...]]]] = []

    def page(self) -> Any:
        with override_settings(EXPORT_TASK_ROWS=10**9):
            response = self.admin.get(self.url)
            # A streaming response (a temporary file); streaming_content is missing from the stubs.
            self.body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        return response

    def read_cells(self) -> None:
        """The cells of the view's workbook, read back once (untimed) for the floor to write."""
        if not self.sheets:
            book = load_workbook(io.BytesIO(self.body), read_only=True)
            self.sheets = [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
            book.close()

    def floor(self) -> None:
        book = Workbook(write_only=True)
        for title, rows in self.sheets:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        with tempfile.TemporaryFile() as target:
            book.save(target)


def export_cases(data: BenchData, admin: Client) -> list[Case]:
    from weasyprint import HTML

    from reports.formats.pdf import BASE_URL, SHEET_TEMPLATE, LocalFetcher, sheet_context

    books = Workbooks(data.round, admin)
    assessment = spread(data.round, 1)[0]
    pdf_url = reverse("reports:sheet_pdf", args=[assessment.pk])
    # The very HTML the view lays out, rendered once: the floor is WeasyPrint alone, same rows, same font.
    html = render_to_string(SHEET_TEMPLATE, sheet_context(Assessment.objects.get(pk=assessment.pk)))
    return [
        Case("xlsx", books.page, books.floor, before_floor=books.read_cells, warm=False, memory=True),
        Case("pdf", lambda: admin.get(pdf_url),
             lambda: HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFetcher()).write_pdf()),
    ]


def all_cases(data: BenchData) -> tuple[Case, list[Case]]:
    """The trivial page, then every measured case."""
    admin, evaluator = client_for(data.admin), client_for(data.evaluator)
    ping = reverse("ping")
    trivial = Case("trivial_page", lambda: admin.get(ping))
    cases = (report_cases(data, admin) + tree_cases(admin, evaluator, data.evaluator.pk)
             + sheet_cases(data, evaluator) + export_cases(data, admin))
    return trivial, cases
