"""Turn the official text into the fixture that loads the outline as a published edition."""

from __future__ import annotations

from typing import Any

from indicators.seed_text import SeedOutline

DALIAN_2010 = {
    "code": "dalian-2010",
    "year": 2010,
    "description": "依据《大连市学习型党组织建设指标体系大纲（试行）》原文录入：7 个考评项目，32 个子项目，满分 100 分。",
}


def outline_fixture(outline: SeedOutline, *, code: str, year: int, description: str = "") -> list[dict[str, Any]]:
    total = sum(item.cap for category in outline.categories for item in category.items)
    rows: list[dict[str, Any]] = [
        {
            "model": "indicators.indicatorsystem",
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
    for category in outline.categories:
        rows.append(
            {
                "model": "indicators.category",
                "fields": {"system": [code], "number": category.number, "name": category.name},
            }
        )
    for category in outline.categories:
        for order, item in enumerate(category.items, start=1):
            rows.append(
                {
                    "model": "indicators.item",
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
            )
    return rows
