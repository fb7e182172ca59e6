from reports.charts import bars, heat_color, label_width, line, radar


def test_charts_are_self_contained_svg():
    for svg in (
        radar("类别得分率", ["组织领导", "学习内容", "制度体系"], {"甲": [90, 80, 70]}),
        line("历年得分率", ["2024", "2025"], {"总分": [88.5, 91]}),
        bars("总分分布", ["80-85", "85-90"], [3, 5], whole_numbers=True),
    ):
        assert svg.startswith("<svg") and "<script" not in svg
        assert "http://" not in svg.split("xmlns", 1)[0] and "kozea.github.io" not in svg


def test_chinese_labels_are_measured_as_wide_characters():
    assert label_width("学习") == 24 and label_width("ab") < 24


def test_small_counts_get_whole_number_ticks():
    svg = bars("分布", ["a", "b"], [1, 2], whole_numbers=True)
    assert ">0.5<" not in svg and ">2<" in svg


def test_heat_colors_run_from_weak_to_strong():
    assert heat_color(None) == "#f1f1f1"
    assert heat_color(50) != heat_color(100)
