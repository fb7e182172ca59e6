from indicators.requirements import requirements, split_clauses
from indicators.templatetags.outline import mark_requirements, points


def test_it_finds_the_countable_clauses():
    standard = "建立健全党组织集体学习教育制度；严格规范管理，增强学习效果，每季度集体学习不少于1次。"
    assert requirements(standard) == ["每季度集体学习不少于1次"]


def test_split_clauses_joins_back_to_the_standard():
    standard = "树立终身学习教育理念；每月自学时间不少于8小时。"
    assert "".join(piece for piece, _ in split_clauses(standard)) == standard


def test_mark_requirements_escapes_and_marks():
    html = mark_requirements("<b>每年1次</b>，其他")
    assert html == '<mark class="requirement">&lt;b&gt;每年1次&lt;/b&gt;</mark>，其他'


def test_points_prints_whole_and_half_points():
    assert [points(v) for v in ("3.0", "2.5", "100", None)] == ["3", "2.5", "100", ""]


def test_points_print_merged_means_to_the_cent():
    assert [points(v) for v in ("99.75", "2.50", "2.333", "0.00")] == ["99.75", "2.5", "2.33", "0"]
