"""PDFs drawn with WeasyPrint from Django templates: the official score sheet and the ranking report.

Nothing is fetched over the network while rendering: the stylesheet comes from this machine's
static files and the charts are inline SVG, so a PDF looks the same offline, and no template or
user-typed text can make the server request a URL. Every number is read from the stored results
through `reports.selectors`, the same functions the pages and the workbooks use.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from urllib.parse import unquote, urljoin

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Avg, QuerySet
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pypdf import PdfWriter
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessments.models import Assessment, CategoryResult, Round
from common.people import display_name
from indicators.models import Category
from orgs.models import Organization, OrgType
from reports import charts
from reports.selectors.compare import categories_with_caps, sorted_ranking
from reports.selectors.ranking import category_scores, percent_of
from reports.selectors.sheet import score_sheet

# Relative URLs in the templates resolve against this origin; `.invalid` is reserved and never
# resolves, so a URL the fetcher does not serve itself cannot reach the network either.
BASE_URL = "https://kaoping.invalid/"
SHEET_TEMPLATE = "reports/pdf/score_sheet.html"
RANKING_TEMPLATE = "reports/pdf/ranking.html"
PRINT_STYLESHEET = "css/print.css"
# A ranking report is a handout for a meeting and is drawn inside the request: a few pages, not
# 20,000 rows. The full list is the Excel export's job.
RANKING_PDF_ROWS = 200
CHART_BARS = 20


class LocalFetcher(URLFetcher):
    """Serves static files (and data: URLs) from this machine and refuses everything else."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        name = static_name(url)
        handle = open_static(name) if name else None
        if handle is None:
            # WeasyPrint logs the refusal and renders on without the resource.
            raise ValueError(f"not fetched while printing: {url}")
        with handle:
            body = handle.read()
        content_type = mimetypes.guess_type(name or "")[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_name(url: str) -> str | None:
    """The static file a URL names, if it lies under STATIC_URL."""
    prefix = urljoin(BASE_URL, settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix):].split("?", 1)[0].split("#", 1)[0])
    return name or None


def open_static(name: str) -> IO[bytes] | None:
    try:
        # The app's own files first (development, tests); then the collected, hashed copies a
        # production `{% static %}` points at.
        path = finders.find(name)
        if path:
            return open(path, "rb")  # closed by the fetcher
        if staticfiles_storage.exists(name):
            return staticfiles_storage.open(name, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        # A path leaving the static directories, or a storage error: refused like an unknown file.
        return None
    return None


def css_string(text: str) -> str:
    """A CSS string literal that is safe inside <style>, where HTML escaping does not apply."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&\n\r' else ch for ch in text)
    return f'"{escaped}"'


def page_footer(label: str) -> SafeString:
    """The @page rule printing the label, "page x of y" and the printing time on every page.

    Page counters exist only in CSS, so the translated sentence is split around its placeholders.
    """
    counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    sentence = _("第 {page} 页，共 {pages} 页")
    count = " ".join(counters.get(part) or css_string(part) for part in re.split(r"(\{pages?\})", sentence) if part)
    printed = _("打印时间：%(time)s") % {"time": formats.date_format(timezone.localtime(), "DATETIME_FORMAT")}
    left, right = css_string(label), css_string(printed)
    return mark_safe(  # noqa: S308 - every piece went through css_string or is a fixed counter
        f"@page {{ @bottom-left {{ content: {left}; }} @bottom-center {{ content: {count}; }} "
        f"@bottom-right {{ content: {right}; }} }}"
    )


@dataclass(frozen=True)
class Renderer:
    """What every render reuses: WeasyPrint's font configuration (its Pango font map, whose
    loaded fonts and shaping caches are most of what a fresh one costs) and the parsed print
    stylesheet. One per thread, since Pango's font map is not shared across threads; nothing in
    it depends on a request (the stylesheet has no @font-face, so the configuration never grows)."""

    font_config: FontConfiguration
    stylesheet: CSS


_renderers = threading.local()


def renderer() -> Renderer:
    found: Renderer | None = getattr(_renderers, "renderer", None)
    if found is None:
        font_config = FontConfiguration()
        # The URL a template's {% static %} would give (the hashed copy in production), through
        # the same fetcher, so url() inside the stylesheet resolves as before.
        url = urljoin(BASE_URL, static(PRINT_STYLESHEET))
        found = Renderer(font_config, CSS(url=url, url_fetcher=LocalFetcher(), font_config=font_config))
        _renderers.renderer = found
    return found


def render_document(template: str, context: dict[str, Any], font_config: FontConfiguration | None = None) -> Document:
    """Lay out the pages; separate from writing so a batch can report progress per sheet.

    The print stylesheet is this thread's parsed copy (the templates do not link it), and the
    fonts this thread's configuration unless a batch brings its own."""
    html = render_to_string(template, context)
    shared = renderer()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=LocalFetcher()).render(
        stylesheets=[shared.stylesheet], font_config=font_config or shared.font_config,
    )


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    return render_document(template, context).write_pdf()


def combine(documents: list[Document], title: str, target: IO[bytes]) -> None:
    """One PDF from several laid-out documents, each keeping its own page numbers."""
    combined = documents[0].copy([page for document in documents for page in document.pages])
    combined.metadata.title = title
    combined.write_pdf(target)


def join_pdfs(parts: Sequence[IO[bytes]], title: str, target: IO[bytes]) -> None:
    """Concatenate PDFs written by `combine`, keeping their bookmarks. One part is copied as is;
    pypdf is needed only for a print too large to lay out in memory at once."""
    if len(parts) == 1:
        parts[0].seek(0)
        shutil.copyfileobj(parts[0], target)
        return
    writer = PdfWriter()
    for part in parts:
        part.seek(0)
        writer.append(part)
    writer.add_metadata({"/Title": title})
    writer.write(target)


# The official score sheet


def sheet_context(assessment: Assessment, *, hide_evaluators: bool = False) -> dict[str, Any]:
    return {
        "sheet": score_sheet(assessment, named=not hide_evaluators),
        "round": assessment.round,
        "organization": assessment.organization,
        "title": sheet_title(assessment.organization, assessment.round),
        "page_css": page_footer(f"{assessment.organization.name} · {assessment.round}"),
    }


def sheet_title(organization: Organization, round: Round) -> str:
    """The title of one unit's sheet, or of all the sheets of a subtree rooted at `organization`."""
    return _("%(organization)s考评评分表（%(round)s）") % {"organization": organization.name, "round": round}


def sheet_document(
    assessment: Assessment, font_config: FontConfiguration | None = None, *, hide_evaluators: bool = False
) -> Document:
    return render_document(SHEET_TEMPLATE, sheet_context(assessment, hide_evaluators=hide_evaluators), font_config)


def score_sheet_pdf(assessment: Assessment, *, hide_evaluators: bool = False) -> bytes:
    return sheet_document(assessment, hide_evaluators=hide_evaluators).write_pdf()


# The ranking report


@dataclass(frozen=True)
class RankingFilters:
    """The ranking page's filters (org, type, level, submitted, sort), already checked for scope."""

    subtree: Organization | None = None
    org_type: str = ""
    depth: int | None = None
    include_submitted: bool = False
    sort: str = "rank"


@dataclass(frozen=True)
class CategoryAverage:
    category: Category
    score: Decimal | None
    percent: Decimal | None


def category_averages(rows: QuerySet[Assessment], categories: Sequence[Category]) -> list[CategoryAverage]:
    """The mean subtotal and mean percent of each category over the ranked assessments, in SQL."""
    means: dict[int, Mapping[str, Any]] = {
        row["category_id"]: row
        for row in CategoryResult.objects.filter(assessment__in=rows.values("pk"))
        .values("category_id")
        .annotate(mean_percent=Avg(percent_of("score", "cap")), mean_score=Avg("score"))
    }
    return [
        CategoryAverage(
            category=category,
            score=_decimal(means.get(category.pk, {}).get("mean_score")),
            percent=_decimal(means.get(category.pk, {}).get("mean_percent")),
        )
        for category in categories
    ]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def ranking_context(user: User, round: Round, filters: RankingFilters) -> dict[str, Any]:
    # The page's and the workbook's read: the same rows, ranks and order as on the screen.
    categories = categories_with_caps(round)
    queryset = sorted_ranking(
        user, round, subtree=filters.subtree, org_type=filters.org_type, depth=filters.depth,
        include_submitted=filters.include_submitted, sort=filters.sort, categories=categories,
    )
    rows = list(queryset[: RANKING_PDF_ROWS + 1])
    shown = rows[:RANKING_PDF_ROWS]
    averages = category_averages(queryset, categories)
    # The chart shows the leaders whatever the table's sort, so it reads the same every time;
    # a horizontal chart draws its first bar at the bottom, so the leader comes last.
    leaders = sorted(shown, key=lambda row: row.rank)[:CHART_BARS][::-1]
    return {
        "round": round,
        "filters": filters,
        "org_type_label": OrgType(filters.org_type).label if filters.org_type else "",
        "categories": categories,
        "rows": [(row, category_scores(row, categories)) for row in shown],
        "truncated": len(rows) > RANKING_PDF_ROWS,
        "row_limit": RANKING_PDF_ROWS,
        "averages": averages,
        "title": ranking_title(round, filters),
        "page_css": page_footer(ranking_title(round, filters)),
        "generated_at": timezone.now(),
        "generated_by": display_name(user),
        "total_chart": charts.bars(
            _("总分前 %(count)s 名") % {"count": len(leaders)},
            [row.organization.name for row in leaders], [row.total for row in leaders], horizontal=True,
            y_range=(0, float(leaders[0].max_total)),
        ) if leaders else "",
        "category_chart": charts.bars(
            _("各考评项目平均得分率（%）"),
            [f"{a.category.number}. {a.category.name}" for a in averages], [a.percent for a in averages],
            y_range=(0, 100),
        ) if leaders else "",
    }


def ranking_title(round: Round, filters: RankingFilters | None = None) -> str:
    if filters is not None and filters.subtree is not None:
        return _("%(round)s排名（%(organization)s）") % {"round": round, "organization": filters.subtree.name}
    return _("%(round)s排名") % {"round": round}


def ranking_pdf(user: User, round: Round, filters: RankingFilters) -> bytes:
    return render_pdf(RANKING_TEMPLATE, ranking_context(user, round, filters))
