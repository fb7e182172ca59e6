"""Read the outline from the text layout of the official document.

The text is the table copied out of the document: cells are tab-indented lines, and a cell
that wrapped in the printed table (a category or item name) continues on unindented lines.
Only that layout is removed; every character of a name or a standard is kept as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

CATEGORY_LINE = re.compile(r"^\t(\d+)\.\s*$")
ITEM_LINE = re.compile(r"^\t(\d+\.\d+)\s*$")


@dataclass
class SeedItem:
    number: str
    name: str = ""
    standard: str = ""
    cap: Decimal = Decimal("0")


@dataclass
class SeedCategory:
    number: int
    name: str = ""
    items: list[SeedItem] = field(default_factory=list)


@dataclass
class SeedOutline:
    title: str
    categories: list[SeedCategory]


def parse_outline(text: str) -> SeedOutline:
    lines = text.splitlines()
    title = lines[0].strip()
    categories: list[SeedCategory] = []
    name_parts: list[str] | None = None
    cells: list[str] = []

    def finish_name() -> None:
        nonlocal name_parts
        if name_parts is None:
            return
        target = categories[-1].items[-1] if categories[-1].items else categories[-1]
        target.name = "".join(name_parts)
        name_parts = None

    for line in lines[1:]:
        awaiting_cap = len(cells) == 1
        if awaiting_cap and line.startswith("\t") and line.strip():
            # A cap such as "2.5" looks like an item number; position tells them apart.
            cells.append(line.strip())
            categories[-1].items[-1].cap = Decimal(cells[1])
        elif match := CATEGORY_LINE.match(line):
            categories.append(SeedCategory(number=int(match.group(1))))
            name_parts = []
        elif match := ITEM_LINE.match(line):
            finish_name()
            categories[-1].items.append(SeedItem(number=match.group(1)))
            name_parts, cells = [], []
        elif line.startswith("\t"):
            finish_name()
            if categories and categories[-1].items and line.strip():
                cells.append(line.strip())
                if len(cells) == 1:
                    categories[-1].items[-1].standard = cells[0]
        elif line.strip() and name_parts is not None:
            name_parts.append(line.strip())
    return SeedOutline(title=title, categories=categories)


def read_outline(path: Path) -> SeedOutline:
    return parse_outline(path.read_text(encoding="utf-8"))
