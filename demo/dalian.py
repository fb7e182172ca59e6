"""A plausible Dalian party-organization tree for the demo: districts, streets, communities,
city departments and state-owned enterprises — a few hundred nodes, and optionally many more
for the benchmark scale."""

from __future__ import annotations

from collections.abc import Iterator

from orgs.models import Organization, OrgType
from orgs.services.bulk import NewNode, bulk_add_nodes

ROOT = "DL"

DISTRICTS = [
    ("ZS", "中山区委", ["海军广场街道", "人民路街道", "桃源街道", "青泥洼桥街道", "昆明街道", "葵英街道", "老虎滩街道"]),
    ("XG", "西岗区委", ["白云街道", "北京街道", "人民广场街道", "八一路街道", "日新街道", "香炉礁街道"]),
    ("SHK", "沙河口区委", ["春柳街道", "马栏街道", "李家街道", "星海湾街道", "南沙河口街道"]),
    ("GJZ", "甘井子区委", ["周水子街道", "椒金山街道", "泉水街道", "红旗街道", "凌水街道"]),
    ("LSK", "旅顺口区委", ["登峰街道", "市场街道", "得胜街道", "水师营街道"]),
    ("JZ", "金州区委", ["友谊街道", "拥政街道", "光明街道", "先进街道"]),
    ("PLD", "普兰店区委", ["丰荣街道", "铁西街道", "太平街道"]),
    ("WFD", "瓦房店市委", ["共济街道", "岭东街道", "铁东街道"]),
    ("ZH", "庄河市委", ["城关街道", "新华街道", "昌盛街道"]),
    ("CH", "长海县委", ["大长山岛镇", "小长山乡", "广鹿乡"]),
]
COMMUNITIES = ["民主", "同兴", "新华", "长春", "东山", "南山", "青云", "春和", "友好", "丹东"]
DEPARTMENTS = [
    ("XCB", "市委宣传部机关党委"),
    ("JYJ", "市教育局党委"),
    ("WJW", "市卫生健康委党委"),
    ("KJJ", "市科技局机关党委"),
    ("CZJ", "市财政局机关党委"),
    ("WLJ", "市文化和旅游局党委"),
]
DEPARTMENT_BRANCHES = ["办公室党支部", "业务处室党支部", "离退休干部党支部"]
ENTERPRISES = [("GANG", "大连港集团党委"), ("DT", "大连地铁集团党委"), ("RD", "大连热电集团党委")]


def dalian_nodes() -> Iterator[NewNode]:
    yield NewNode(ROOT, "中共大连市委", OrgType.CITY)
    for code, name, streets in DISTRICTS:
        district = f"{ROOT}-{code}"
        yield NewNode(district, name, OrgType.DISTRICT, ROOT)
        for s, street in enumerate(streets, start=1):
            street_code = f"{district}-S{s:02d}"
            yield NewNode(street_code, f"{street}党工委", OrgType.WORKING, district)
            for c in range(3):
                community = COMMUNITIES[(s + c) % len(COMMUNITIES)]
                yield NewNode(f"{street_code}-B{c + 1:03d}", f"{street}{community}社区党支部", OrgType.BRANCH, street_code)
    organs = f"{ROOT}-SZJG"
    yield NewNode(organs, "市直机关工委", OrgType.WORKING, ROOT)
    for code, name in DEPARTMENTS:
        department = f"{organs}-{code}"
        yield NewNode(department, name, OrgType.DEPARTMENT, organs)
        for b, branch in enumerate(DEPARTMENT_BRANCHES, start=1):
            yield NewNode(f"{department}-B{b:02d}", branch, OrgType.BRANCH, department)
    sasac = f"{ROOT}-GZW"
    yield NewNode(sasac, "市国资委党委", OrgType.DEPARTMENT, ROOT)
    for code, name in ENTERPRISES:
        enterprise = f"{sasac}-{code}"
        yield NewNode(enterprise, name, OrgType.COMMITTEE, sasac)
        for g in range(1, 3):
            general = f"{enterprise}-Z{g}"
            yield NewNode(general, f"{name.removesuffix('党委')}第{g}党总支", OrgType.GENERAL_BRANCH, enterprise)
            for b in range(1, 4):
                yield NewNode(f"{general}-B{b}", f"第{g}党总支第{b}党支部", OrgType.BRANCH, general)


def ensure_dalian_tree() -> int:
    """Build the demo tree unless it is there already; returns the number of nodes added."""
    if Organization.objects.filter(code=ROOT).exists():
        return 0
    return len(bulk_add_nodes(dalian_nodes()))


def grow_to(total: int, *, batch: int = 5000) -> int:
    """Add synthetic community branches under the streets until the tree has `total` nodes."""
    missing = total - Organization.objects.count()
    if missing <= 0:
        return 0
    streets = list(
        Organization.objects.filter(type=OrgType.WORKING, code__startswith=f"{ROOT}-")
        .exclude(code=f"{ROOT}-SZJG")
        .order_by("path")
        .values_list("code", "name")
    )
    start = Organization.objects.filter(code__startswith="DLX-").count()
    added = 0
    while added < missing:
        chunk = []
        for k in range(start + added, start + min(missing, added + batch)):
            street_code, street_name = streets[k % len(streets)]
            chunk.append(NewNode(f"DLX-{k:06d}", f"{street_name.removesuffix('党工委')}第{k}党支部", OrgType.BRANCH, street_code))
        bulk_add_nodes(chunk)
        added += len(chunk)
    return added
