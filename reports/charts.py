"""Charts drawn on the server as SVG with pygal, so that the page and the PDF show the same
picture and nothing is fetched from the internet (pygal's tooltip script is switched off)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache

import pygal
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from pygal.style import Style

CJK_FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"
PALETTE = ("#a4161a", "#1d4e89", "#2a9d8f", "#e9c46a", "#6d597a", "#f4a261", "#264653", "#8ab17d", "#b56576", "#457b9d")
STYLE = Style(
    font_family=CJK_FONTS,
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#ccc",
    colors=PALETTE,
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
)
COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "explicit_size": False,
    "print_values": False,
    "legend_at_bottom": True,
    "truncate_legend": -1,
    "truncate_label": -1,
}


SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)


def _svg(chart: pygal.graph.graph.Graph) -> tuple[str, str]:
    # pygal escapes labels and titles itself. Its inline config script serves only the tooltip
    # script we do not load, and would trip a strict Content-Security-Policy: drop it. The empty
    # tooltip's style attribute would too (a nonce cannot allow an attribute): the presentation
    # attribute says the same. The chart's <style> element gets the page's nonce in the template.
    svg = SCRIPT.sub("", chart.render(is_unicode=True)).replace(' style="opacity: 0"', ' opacity="0"')
    return svg, chart.uuid


Numbers = tuple[float | None, ...]


def _cached(draw: Callable[..., tuple[str, str]]) -> Callable[..., SafeString]:
    """A chart is a pure function of what it draws, and pygal takes 10–15 ms to build one: a
    report page draws the same figures for every reader until the round's results change. So the
    SVG is kept per drawing (the title, labels and numbers are its key, the language's strings
    included), a few hundred of them. Each use gets its own chart id, as a fresh drawing would,
    so that two charts on a page never share one (pygal scopes the chart's CSS to that id)."""
    cached = lru_cache(maxsize=256)(draw)

    def chart(*args: object, **kwargs: object) -> SafeString:
        svg, chart_id = cached(*args, **kwargs)
        # pygal escaped the labels; only its script was removed (_svg).
        return mark_safe(svg.replace(chart_id, str(uuid.uuid4())))  # noqa: S308

    chart.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return chart


def _floats(values: Sequence[Decimal | float | None]) -> Numbers:
    return tuple(None if v is None else float(v) for v in values)


def _series(series: Mapping[str, Sequence[Decimal | float | None]]) -> tuple[tuple[str, Numbers], ...]:
    return tuple((str(name), _floats(values)) for name, values in series.items())


@_cached
def _radar(title: str, axes: tuple[str, ...], series: tuple[tuple[str, Numbers], ...]) -> tuple[str, str]:
    chart = pygal.Radar(title=title, width=640, height=480, range=(0, 100), fill=False, dots_size=3, **COMMON)
    chart.x_labels = list(axes)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)


def radar(title: str, axes: Sequence[str], series: Mapping[str, Sequence[Decimal | float | None]]) -> SafeString:
    """Percent of the maximum per category, one polygon per organization."""
    return _radar(str(title), tuple(str(axis) for axis in axes), _series(series))


@_cached
def _line(title: str, labels: tuple[str, ...], series: tuple[tuple[str, Numbers], ...],
          y_range: tuple[float, float] | None) -> tuple[str, str]:
    chart = pygal.Line(title=title, width=720, height=400, range=y_range, dots_size=4, **COMMON)
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)


def line(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Decimal | float | None]], *,
         y_range: tuple[float, float] | None = (0, 100)) -> SafeString:
    return _line(str(title), tuple(str(label) for label in labels), _series(series), y_range)


def label_width(text: str, font_size: int = 12) -> int:
    """pygal measures every character as 0.6 em; a Chinese character takes a full em."""
    return int(sum(font_size if ord(ch) > 0x2E80 else font_size * 0.6 for ch in text))


@_cached
def _bars(title: str, labels: tuple[str, ...], numbers: Numbers, horizontal: bool,
          y_range: tuple[float, float] | None, series_name: str, whole_numbers: bool) -> tuple[str, str]:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(300, 24 * len(labels) + 120) if horizontal else 400
    options = dict(COMMON)
    if horizontal and labels:
        # Room for the longest label, so that names are not cut at the left edge.
        options["margin_left"] = max(label_width(label) for label in labels) - 40
    chart = kind(title=title, width=720, height=height, range=y_range, show_legend=bool(series_name), **options)
    chart.x_labels = list(labels)
    if whole_numbers:
        # Counts: ticks at whole numbers only (pygal would offer 0.2, 0.4 … for small counts).
        top = max((int(v) for v in numbers if v is not None), default=0)
        step = max(1, -(-top // 8))
        chart.y_labels = list(range(0, top + step + 1, step))
    chart.add(series_name or title, list(numbers))
    return _svg(chart)


def bars(title: str, labels: Sequence[str], values: Sequence[Decimal | float | None], *, horizontal: bool = False,
         y_range: tuple[float, float] | None = None, series_name: str = "", whole_numbers: bool = False) -> SafeString:
    return _bars(str(title), tuple(str(label) for label in labels), _floats(values), horizontal, y_range,
                 str(series_name), whole_numbers)


HEAT_BUCKETS = 10


def heat_bucket(percent: Decimal | float | None) -> str:
    """The heatmap class of a cell: `heat-none`, or `heat-0` (60% and below, the weakest band; the
    outline's scores cluster between 60 and 100) to `heat-10` (100%), in steps of 4 points.

    Classes rather than computed colours, because a strict Content-Security-Policy refuses
    inline style attributes; kaoping.css holds one rule per bucket, coloured by heat_color."""
    if percent is None:
        return "heat-none"
    p = max(60.0, min(100.0, float(percent)))
    return f"heat-{int((p - 60.0) // (40.0 / HEAT_BUCKETS))}"


def heat_color(bucket: int) -> str:
    """The background of a heatmap bucket, from red (weak) through yellow to green (strong)."""
    t = bucket / HEAT_BUCKETS
    if t < 0.5:
        r, g, b = 230, int(90 + 2 * t * 110), 80
    else:
        r, g, b = int(230 - (t - 0.5) * 2 * 150), 200, int(80 + (t - 0.5) * 2 * 40)
    return f"#{r:02x}{g:02x}{b:02x}"


class HeatCells(list[tuple[Decimal | float | None, str, str]]):
    """A row of heatmap cells, each (rate, text, heat class), and `html`: their <td> elements.

    A page prints some 400 of them: one string per row, joined from each rate's cached cell,
    instead of a template loop with a tag, two variables and a filter per cell."""

    def __init__(self, percents: Iterable[Decimal | float | None]) -> None:
        language = get_language()
        cells = [(percent, _heat_cell(percent, type(percent).__name__, language)) for percent in percents]
        super().__init__((percent, text, heat) for percent, (text, heat, _html) in cells)
        # Each cell's pieces were escaped by format_html (_heat_cell).
        self.html = mark_safe("".join(html for _percent, (_text, _heat, html) in cells))  # noqa: S308


def percent_text(percent: Decimal | float | None) -> str:
    """A rate as `{{ percent|floatformat:1 }}%` prints it in the active language, "—" without one."""
    return _heat_cell(percent, type(percent).__name__, get_language())[0]


# A cell is a pure function of the rate and the language, and rates repeat (half points over a
# few caps); floatformat costs a Decimal round trip and a localized format each time. The type
# is in the key because Decimal("90") == 90.0 hashes alike yet the filter reads each its own way.
@lru_cache(maxsize=4096)
def _heat_cell(percent: Decimal | float | None, kind: str, language: str | None) -> tuple[str, str, str]:
    text = "—" if percent is None else f"{floatformat(percent, 1)}%"
    heat = heat_bucket(percent)
    return text, heat, format_html('<td class="{}">{}</td>', heat, text)
