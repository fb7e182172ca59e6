import re
from itertools import pairwise

from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reports.charts import (
    HEAT_BUCKETS,
    HeatCells,
    bars,
    heat_bucket,
    heat_color,
    label_width,
    line,
    percent_text,
    radar,
)
from tests.worlds import ROOT

CSS = ROOT / "static" / "css" / "kaoping.css"


def test_charts_are_self_contained_svg():
    for svg in (
        radar("类别得分率", ["组织领导", "学习内容", "制度体系"], {"甲": [90, 80, 70]}),
        line("历年得分率", ["2024", "2025"], {"总分": [88.5, 91]}),
        bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True),
    ):
        assert svg.startswith("<svg")
        assert "<script" not in svg
        # A strict Content-Security-Policy refuses style attributes; the <style> element gets a nonce.
        assert " style=" not in svg
        assert svg.count("<style") == 1
        assert "http://" not in svg.split("xmlns", 1)[0]
        assert "kozea.github.io" not in svg


def test_chinese_labels_are_measured_as_wide_characters():
    assert label_width("学习") == 24
    assert label_width("ab") < 24


def test_small_counts_get_whole_number_ticks():
    svg = bars("分布", ["a", "b"], [1, 2], whole_numbers=True)
    assert ">0.5<" not in svg
    assert ">2<" in svg


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def bucket_number(percent: float) -> int:
    return int(heat_bucket(percent).removeprefix("heat-"))


def test_heat_colors_run_from_weak_to_strong():
    colours = [rgb(heat_color(bucket)) for bucket in range(HEAT_BUCKETS + 1)]
    # Over the whole scale red only fades and green only grows, and every bucket is greener than
    # the one below it: green's lead over red grows at each step.
    reds, greens = [red for red, _, _ in colours], [green for _, green, _ in colours]
    assert reds == sorted(reds, reverse=True)
    assert greens == sorted(greens)
    leads = [green - red for red, green, _ in colours]
    assert all(lower < higher for lower, higher in pairwise(leads))
    # The bad end is red, the good end green.
    weakest, strongest = colours[0], colours[-1]
    assert weakest[0] > max(weakest[1], weakest[2])
    assert strongest[1] > max(strongest[0], strongest[2])
    # So a higher score gets a greener colour: the scale's bottom (60%) to its top (100%), a quarter at a time.
    buckets = [bucket_number(60 + 40 * quarter) for quarter in (0, 0.25, 0.5, 0.75, 1)]
    assert buckets == [0, 2, 5, 7, 10]
    assert all(leads[lower] < leads[higher] for lower, higher in pairwise(buckets))
    assert heat_bucket(None) == "heat-none"
    assert heat_bucket(0) == heat_bucket(60) == "heat-0"
    assert heat_bucket(100) == f"heat-{HEAT_BUCKETS}"


@given(st.floats(min_value=-10, max_value=110, allow_nan=False), st.floats(min_value=0, max_value=20))
def test_a_higher_rate_never_gets_a_weaker_bucket(percent, more):
    assert 0 <= bucket_number(percent) <= bucket_number(percent + more) <= HEAT_BUCKETS


def test_the_stylesheet_colours_every_bucket_as_heat_color_does():
    rules = dict(re.findall(r"\.table \.(heat-[\w]+) \{ background-color: (#[0-9a-f]{6}); \}", CSS.read_text()))
    assert rules == {"heat-none": "#f1f1f1"} | {f"heat-{b}": heat_color(b) for b in range(HEAT_BUCKETS + 1)}


CHART_ID = re.compile(r"chart-[0-9a-f-]{36}")


def test_a_chart_drawn_again_is_the_same_picture_under_its_own_id():
    first = bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True)
    again = bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True)
    ids = set(CHART_ID.findall(first)), set(CHART_ID.findall(again))
    # One id per chart, used by its CSS and its root element, and never shared by two charts.
    assert len(ids[0]) == len(ids[1]) == 1
    assert ids[0] != ids[1]
    assert CHART_ID.sub("chart-id", first) == CHART_ID.sub("chart-id", again)


def test_other_figures_draw_another_picture():
    drawn = {
        CHART_ID.sub("chart-id", svg)
        for svg in (
            bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True),
            bars("总分分布", ["80-85", "85-90"], [3, 6], whole_numbers=True),
            bars("总分分布", ["80-85", "85-95"], [3, 5], whole_numbers=True),
            bars("得分率", ["80-85", "85-90"], [3, 5], whole_numbers=True),
            bars("总分分布", ["80-85", "85-90"], [3, 5]),
            line("历年得分率", ["2024", "2025"], {"总分": [88.5, 91]}),
            line("历年得分率", ["2024", "2025"], {"总分": [88.5, 92]}),
            radar("类别得分率", ["组织领导", "学习内容"], {"甲": [90, 80]}),
            radar("类别得分率", ["组织领导", "学习内容"], {"乙": [90, 80]}),
        )
    }
    assert len(drawn) == 9


RATES = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False),
                  st.decimals(min_value=0, max_value=100, places=3))


@given(st.lists(RATES, max_size=8))
def test_heat_cells_read_and_print_as_the_template_filter_prints_each_rate(percents):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts = ["—" if p is None else f"{floatformat(p, 1)}%" for p in percents]
            cells = HeatCells(percents)
            assert list(cells) == [(p, text, heat_bucket(p)) for p, text in zip(percents, texts, strict=True)]
            assert [percent_text(p) for p in percents] == texts
            assert cells.html == "".join(
                f'<td class="{heat_bucket(p)}">{text}</td>' for p, text in zip(percents, texts, strict=True)
            )
