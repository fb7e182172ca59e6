from decimal import Decimal

from indicators.formats.seed_text import parse_outline

SAMPLE = (
    "标题（试行）\n\n\t考评项目\n\t子项目\n\n\t1.\n\n组织\n\n领导\n\t1.1\n\n领导\n\n重视\n"
    "\t每年至少1次。 \n\t3\n\t\n\n\t\n\t1.2\n\n组织健全\n\t形成机制。\n\t2.5\n"
)


def test_it_joins_wrapped_names_and_keeps_standards():
    outline = parse_outline(SAMPLE)
    assert outline.title == "标题（试行）"
    [category] = outline.categories
    assert (category.number, category.name) == (1, "组织领导")
    first, second = category.items
    assert (first.number, first.name, first.standard, first.cap) == ("1.1", "领导重视", "每年至少1次。", Decimal("3"))
    assert (second.name, second.cap) == ("组织健全", Decimal("2.5"))
