"""The JSON fixture shape of an edition (natural keys, no primary keys), as in fixtures/dalian_2010.json.

`outline_fixture` turns the official text into the fixture that loads the outline as a published
edition; `fixture_records` writes a stored edition in the same shape, which the import reads back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from indicators.formats.seed_text import SeedOutline

if TYPE_CHECKING:  # scripts/build_outline_fixture.py runs this module without Django set up
    from indicators.models import IndicatorSystem

SYSTEM_MODEL, CATEGORY_MODEL, ITEM_MODEL = "indicators.indicatorsystem", "indicators.category", "indicators.item"

class Edition(TypedDict):
    """outline_fixture's keyword arguments for one edition."""

    code: str
    year: int
    description: str


DALIAN_2010: Edition = {
    "code": "dalian-2010",
    "year": 2010,
    "description": "依据《大连市学习型党组织建设指标体系大纲（试行）》原文录入：7 个考评项目，32 个子项目，满分 100 分。",
}


def outline_fixture(outline: SeedOutline, *, code: str, year: int, description: str = "") -> list[dict[str, Any]]:
    total = sum(item.cap for category in outline.categories for item in category.items)
    rows: list[dict[str, Any]] = [
        {
            "model": SYSTEM_MODEL,
            "fields": {
                "code": code,
                "title": outline.title,
                "year": year,
                "status": "published",
                "total": f"{total:.1f}",
                "description": description,
                "published_at": None,
            },
        }
    ]
    rows.extend(
        {
            "model": CATEGORY_MODEL,
            "fields": {"system": [code], "number": category.number, "name": category.name},
        }
        for category in outline.categories
    )
    rows.extend(
        {
            "model": ITEM_MODEL,
            "fields": {
                "system": [code],
                "category": [code, category.number],
                "number": item.number,
                "name": item.name,
                "standard": item.standard,
                "cap": f"{item.cap:.1f}",
                "order": order,
            },
        }
        for category in outline.categories
        for order, item in enumerate(category.items, start=1)
    )
    return rows


def fixture_records(system: IndicatorSystem) -> list[dict[str, Any]]:
    """The edition in the shape of fixtures/dalian_2010.json (see outline_fixture)."""
    code = system.code
    records: list[dict[str, Any]] = [{
        "model": SYSTEM_MODEL,
        "fields": {
            "code": code,
            "title": system.title,
            "year": system.year,
            "status": system.status,
            "total": f"{system.total:.1f}",
            "description": system.description,
            "published_at": system.published_at.isoformat() if system.published_at else None,
        },
    }]
    categories = list(system.categories.in_outline_order())
    records.extend(
        {"model": CATEGORY_MODEL, "fields": {"system": [code], "number": c.number, "name": c.name}}
        for c in categories
    )
    items = system.items.select_related("category").in_outline_order()
    records.extend(
        {
            "model": ITEM_MODEL,
            "fields": {
                "system": [code],
                "category": [code, item.category.number],
                "number": item.number,
                "name": item.name,
                "standard": item.standard,
                "cap": f"{item.cap:.1f}",
                "order": item.order,
            },
        }
        for item in items
    )
    return records
