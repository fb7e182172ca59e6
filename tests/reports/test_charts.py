import re

from hypothesis import given
from hypothesis import strategies as st

from reports.charts import HEAT_BUCKETS, bars, heat_bucket, heat_color, label_width, line, radar
from tests.worlds import ROOT

CSS = ROOT / "static" / "css" / "kaoping.css"


def test_charts_are_self_contained_svg():
    for svg in (
        radar("类别得分率", ["组织领导", "学习内容", "制度体系"], {"甲": [90, 80, 70]}),
        line("历年得分率", ["2024", "2025"], {"总分": [88.5, 91]}),
        bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True),
    ):
        assert svg.startswith("<svg") and "<script" not in svg
        # A strict Content-Security-Policy refuses style attributes; the <style> element gets a nonce.
        assert " style=" not in svg and svg.count("<style") == 1
        assert "http://" not in svg.split("xmlns", 1)[0] and "kozea.github.io" not in svg


def test_chinese_labels_are_measured_as_wide_characters():
    assert label_width("学习") == 24 and label_width("ab") < 24


def test_small_counts_get_whole_number_ticks():
    svg = bars("分布", ["a", "b"], [1, 2], whole_numbers=True)
    assert ">0.5<" not in svg and ">2<" in svg


def test_heat_colors_run_from_weak_to_strong():
    greens = [int(heat_color(bucket)[3:5], 16) for bucket in range(HEAT_BUCKETS + 1)]
    reds = [int(heat_color(bucket)[1:3], 16) for bucket in range(HEAT_BUCKETS + 1)]
    assert greens[: HEAT_BUCKETS // 2 + 1] == sorted(greens[: HEAT_BUCKETS // 2 + 1])
    assert reds[HEAT_BUCKETS // 2:] == sorted(reds[HEAT_BUCKETS // 2:], reverse=True)
    assert heat_bucket(None) == "heat-none"
    assert heat_bucket(0) == heat_bucket(60) == "heat-0" and heat_bucket(100) == f"heat-{HEAT_BUCKETS}"


@given(st.floats(min_value=-10, max_value=110, allow_nan=False), st.floats(min_value=0, max_value=20))
def test_a_higher_rate_never_gets_a_weaker_bucket(percent, more):
    def number(p):
        return int(heat_bucket(p).removeprefix("heat-"))
    assert 0 <= number(percent) <= number(percent + more) <= HEAT_BUCKETS


def test_the_stylesheet_colours_every_bucket_as_heat_color_does():
    rules = dict(re.findall(r"\.table \.(heat-[\w]+) \{ background-color: (#[0-9a-f]{6}); \}", CSS.read_text()))
    assert rules == {"heat-none": "#f1f1f1"} | {f"heat-{b}": heat_color(b) for b in range(HEAT_BUCKETS + 1)}
