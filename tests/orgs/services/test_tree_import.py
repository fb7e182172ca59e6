"""Checking an uploaded tree file: every kind of bad file is refused whole, with a Chinese reason."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import AdminEvent
from common.upload_checks import Problem
from orgs.formats import tree_upload
from orgs.formats.tree_excel import COLUMNS
from orgs.models import Organization, OrgType, Role
from orgs.services import tree_import
from orgs.services.tree_import import ImportRejected, import_organizations, import_upload
from tests.factories import AdminFactory, OrganizationFactory, build_tree, user_with_role
from tests.worlds import tree_state, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    build_tree(districts=2, branches_per_district=2)
    return tree_state()


def rejected(upload: SimpleUploadedFile) -> list[Problem]:
    result, problems = import_upload(upload=upload, user=AdminFactory())
    assert result is None
    assert problems
    return problems


def test_it_refuses_a_file_that_is_not_an_xlsx(tree):
    problems = rejected(SimpleUploadedFile("党组织.xlsx", "编码,名称\nX,某支部\n".encode()))
    assert problems == [Problem(None, "", "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式），可以先下载本页提供的模板。")]
    assert tree_state() == tree


def test_it_refuses_a_file_over_the_size_limit(tree):
    upload = xlsx_upload([("N1", "新支部", "党支部", "BD000", "是")])
    upload.size = 6 * 1024 * 1024  # the content does not matter: the size is checked first
    assert rejected(upload) == [Problem(None, "", "文件大小为 6.0\xa0MB，超过了 5.0\xa0MB 的上限。")]
    assert tree_state() == tree


def test_it_refuses_a_file_missing_a_column(tree):
    upload = xlsx_upload([("N1", "新支部", "党支部", "BD000")], header=COLUMNS[:4])
    assert rejected(upload) == [Problem(1, "是否有效", "缺少列“是否有效”。表头应为：编码、名称、类型、上级编码、是否有效。")]
    assert tree_state() == tree


def test_it_refuses_a_file_with_a_wrong_column(tree):
    header = ("编码", "名字", "类型", "上级编码", "是否有效")
    problems = rejected(xlsx_upload([("N1", "新支部", "党支部", "BD000", "是")], header=header))
    assert Problem(1, "名字", "无法识别的列“名字”。表头应为：编码、名称、类型、上级编码、是否有效。") in problems
    assert Problem(1, "名称", "缺少列“名称”。表头应为：编码、名称、类型、上级编码、是否有效。") in problems
    assert tree_state() == tree


def test_it_refuses_a_file_without_data_rows(tree):
    assert rejected(xlsx_upload([])) == [Problem(None, "", "文件中没有数据行。")]
    assert tree_state() == tree


def test_it_refuses_a_duplicate_code(tree):
    upload = xlsx_upload([
        ("N1", "新支部甲", "党支部", "BD000", "是"),
        ("N2", "新支部乙", "党支部", "BD000", "是"),
        ("N1", "新支部丙", "党支部", "BD001", "是"),
    ])
    assert rejected(upload) == [Problem(4, "编码", "编码“N1”与第 2 行重复。")]
    assert tree_state() == tree


def test_it_refuses_an_empty_code(tree):
    upload = xlsx_upload([("N1", "新支部甲", "党支部", "BD000", "是"), (None, "新支部乙", "党支部", "BD000", "是")])
    assert rejected(upload) == [Problem(3, "编码", "编码不能为空。")]
    assert tree_state() == tree


def test_it_refuses_a_code_unfit_for_urls(tree):
    upload = xlsx_upload([("新 编码", "新支部", "党支部", "BD000", "是")])
    [problem] = rejected(upload)
    assert problem.row == 2
    assert problem.column == "编码"
    assert problem.message == "编码只能包含字母、数字、点、下划线和连字符，并以字母或数字开头。"
    assert tree_state() == tree


def test_it_refuses_an_empty_name(tree):
    upload = xlsx_upload([("N1", "  ", "党支部", "BD000", "是")])
    assert rejected(upload) == [Problem(2, "名称", "名称不能为空。")]
    assert tree_state() == tree


def test_it_refuses_an_unknown_type(tree):
    upload = xlsx_upload([("N1", "新支部", "党小组", "BD000", "是")])
    assert rejected(upload) == [Problem(
        2, "类型", "无法识别的类型“党小组”，应为：市委、区市县委、部门党委、基层党委、党工委、党总支、党支部。"
    )]
    assert tree_state() == tree


def test_it_refuses_an_unknown_parent(tree):
    upload = xlsx_upload([("N1", "新支部", "党支部", "NOWHERE", "是")])
    assert rejected(upload) == [Problem(2, "上级编码", "上级编码“NOWHERE”既不在本文件中，也不在系统中。")]
    assert tree_state() == tree


def test_it_refuses_a_row_that_is_its_own_parent(tree):
    upload = xlsx_upload([("N1", "新支部", "党支部", "N1", "是")])
    assert rejected(upload) == [Problem(2, "上级编码", "上级编码不能是它自己。")]
    assert tree_state() == tree


def test_it_refuses_a_cycle_within_the_file(tree):
    upload = xlsx_upload([
        ("A", "甲", "党总支", "C", "是"),
        ("B", "乙", "党总支", "A", "是"),
        ("C", "丙", "党总支", "B", "是"),
        ("D", "丁", "党支部", "C", "是"),
    ])
    message = "上级关系形成了循环（A → C → B → A），党组织不能位于它自己的下级之下。"
    assert rejected(upload) == [Problem(2, "上级编码", message), Problem(3, "上级编码", message), Problem(4, "上级编码", message)]
    assert tree_state() == tree


def test_it_refuses_moving_an_organization_under_its_own_descendant(tree):
    # BD000B0000 stays where it is in the database; BD000 may not become its child.
    upload = xlsx_upload([("BD000", "测试区0", "区市县委", "BD000B0000", "是")])
    assert rejected(upload) == [Problem(
        2, "上级编码", "上级关系形成了循环（BD000 → BD000B0000 → BD000），党组织不能位于它自己的下级之下。"
    )]
    assert tree_state() == tree


def chain(count: int, under: str, prefix: str = "C") -> list[tuple[str, str, str, str, str]]:
    return [(f"{prefix}{n}", f"第{n}层", "党支部", f"{prefix}{n - 1}" if n > 1 else under, "是")
            for n in range(1, count + 1)]


def test_it_refuses_organizations_deeper_than_a_path_can_hold(tree):
    # BD000B0000 is on level 3: 60 levels below it fill the 63 a 255-character path holds.
    assert import_upload(upload=xlsx_upload(chain(60, "BD000B0000")), user=AdminFactory())[1] == []
    assert Organization.objects.get(code="C60").depth == 63
    before = tree_state()
    assert rejected(xlsx_upload(chain(61, "BD000B0001", prefix="D"))) == [
        Problem(62, "上级编码", "按文件放置后，“D61”将位于第 64 级，超过了 63 级的上限。")]
    assert tree_state() == before


def test_it_refuses_a_move_that_takes_an_organizations_children_too_deep(tree):
    upload = xlsx_upload([*chain(59, "BD000B0000"), ("BD001", "测试区1", "区市县委", "C59", "是")])
    assert rejected(upload) == [Problem(61, "上级编码", "按文件放置后，“BD001B0000”将位于第 64 级，超过了 63 级的上限。")]
    assert tree_state() == tree


def test_it_never_places_an_organization_deeper_than_a_path_holds_on_the_way(tree):
    # BD000B0000 becomes a root with a chain of 61 below it: 62 levels in the end, but created
    # below BD000B0000's old place before it moved, the chain reached level 64 (PostgreSQL: a 500).
    upload = xlsx_upload([("BD000B0000", "测试区0第0支部", "党支部", "", "是"), *chain(61, "BD000B0000")])
    with CaptureQueriesContext(connection) as queries:
        result, problems = import_upload(upload=upload, user=AdminFactory())
    assert problems == []
    assert (result.created, result.moved) == (61, 1)
    assert Organization.objects.get(code="C61").depth == 62
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    too_long = re.compile(f"[0-9A-Z]{{{Organization._meta.get_field('path').max_length + 1},}}")
    assert not [query["sql"] for query in queries.captured_queries if too_long.search(query["sql"])]


def test_it_moves_branches_inside_moving_branches_to_where_the_file_says(tree):
    upload = xlsx_upload([
        ("BD000", "测试区0", "区市县委", "BD001B0000", "是"),  # takes BD000B0001 along
        ("BD000B0000", "测试区0第0支部", "党支部", "BROOT", "是"),  # leaves the moving BD000
        ("N1", "新支部", "党支部", "BD000B0001", "是"),
        ("N2", "新支部", "党支部", "BD000B0000", "否"),
    ])
    result, problems = import_upload(upload=upload, user=AdminFactory())
    assert problems == []
    assert (result.created, result.moved) == (2, 2)
    parents = dict(tree_import.load_tree())
    assert {code: parents[code].parent_code for code in ("BD000", "BD000B0000", "BD000B0001", "N1", "N2")} == {
        "BD000": "BD001B0000", "BD000B0000": "BROOT", "BD000B0001": "BD000", "N1": "BD000B0001", "N2": "BD000B0000"}
    assert Organization.objects.get(code="N1").depth == 6
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_it_refuses_an_unknown_active_value(tree):
    upload = xlsx_upload([("N1", "新支部", "党支部", "BD000", "也许")])
    assert rejected(upload) == [Problem(2, "是否有效", "无法识别的取值“也许”，请填写“是”或“否”。")]
    assert tree_state() == tree


def test_it_reports_every_problem_of_a_file_at_once(tree):
    upload = xlsx_upload([
        ("N1", "", "党支部", "BD000", "是"),
        ("N2", "新支部", "党小组", "NOWHERE", "是"),
        ("N2", "新支部", "党支部", "BD000", "是"),
    ])
    assert [(p.row, p.column) for p in rejected(upload)] == [
        (2, "名称"), (3, "类型"), (3, "上级编码"), (4, "编码"),
    ]
    assert tree_state() == tree


def test_it_reads_labels_codes_numbers_and_blank_flags():
    root = OrganizationFactory(code="R", type=OrgType.CITY)
    upload = xlsx_upload([
        ("1001", "甲", "district", "R", None),
        (1002, "乙", "党支部", 1001, "否"),
        ("X3", "丙", "党支部", "1001", 0),
        ("X4", "丁", "党支部", "1001", "TRUE"),
        ("X5", "戊", "党支部", "1001", True),
    ])
    rows, problems = tree_upload.parse_upload(upload)
    assert problems == []
    assert [(r.code, r.type, r.parent_code, r.is_active) for r in rows] == [
        ("1001", OrgType.DISTRICT, "R", True),
        ("1002", OrgType.BRANCH, "1001", False),
        ("X3", OrgType.BRANCH, "1001", False),
        ("X4", OrgType.BRANCH, "1001", True),
        ("X5", OrgType.BRANCH, "1001", True),
    ]
    assert root.code == "R"


def test_it_accepts_columns_in_any_order_and_skips_blank_rows():
    OrganizationFactory(code="R", type=OrgType.CITY)
    header = ("名称", "编码", "是否有效", "上级编码", "类型")
    upload = xlsx_upload([("甲", "A1", "是", "R", "党总支"), (), ("乙", "A2", "否", "A1", "党支部")], header=header)
    rows, problems = tree_upload.parse_upload(upload)
    assert problems == []
    assert [(r.number, r.code, r.name, r.parent_code) for r in rows] == [(2, "A1", "甲", "R"), (4, "A2", "乙", "A1")]


def test_it_refuses_a_file_with_too_many_rows(tree, monkeypatch):
    monkeypatch.setattr(tree_upload, "MAX_IMPORT_ROWS", 3)
    upload = xlsx_upload([(f"N{i}", "新支部", "党支部", "BD000", "是") for i in range(4)])
    assert rejected(upload) == [Problem(None, "", "文件超过了 3 行的上限，请分成几个文件导入。")]
    assert tree_state() == tree


def test_it_checks_again_against_the_tree_it_writes_to(tree):
    rows, problems = tree_upload.parse_upload(xlsx_upload([("N1", "新支部", "党支部", "GONE", "是")]))
    assert problems == []  # the file alone is fine; the parent vanished meanwhile
    with pytest.raises(ImportRejected) as rejection:
        import_organizations(rows=rows, user=AdminFactory())
    assert rejection.value.problems == [Problem(2, "上级编码", "上级编码“GONE”既不在本文件中，也不在系统中。")]
    assert tree_state() == tree


def test_the_service_is_for_admins_only(tree):
    rows, _ = tree_upload.parse_upload(xlsx_upload([("N1", "新支部", "党支部", "BD000", "是")]))
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BROOT"))
    with pytest.raises(PermissionDenied):
        import_organizations(rows=rows, user=analyst)
    assert tree_state() == tree


def test_a_failure_part_way_leaves_nothing_behind(tree, monkeypatch):
    rows, _ = tree_upload.parse_upload(xlsx_upload([
        ("N1", "新支部", "党支部", "BD000", "是"),
        ("BD001B0000", "测试区1第0支部", "党支部", "N1", "是"),
    ]))

    def fail(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tree_import, "organization_place", fail)
    with pytest.raises(RuntimeError):
        import_organizations(rows=rows, user=AdminFactory())
    assert tree_state() == tree
    assert not AdminEvent.objects.exists()
