"""Reading an uploaded edition: Excel in the official layout, or a JSON fixture.

An import never touches an existing edition: this module checks the whole file first (every
problem with its row, in Chinese) and only then `services.versions.version_import` creates a new
DRAFT in one transaction. Whether the draft is complete (caps adding up to the total, numbering
without gaps) is left to `version_problems`, as for any draft an admin edits by hand: a file may
be a work in progress.

The JSON shape is that of fixtures/dalian_2010.json (natural keys, no primary keys), so an
export loads with `manage.py loaddata` and the reference fixture imports through this page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from common.upload_checks import Problem, RefusedUpload, check_size, read_upload, sorted_problems
from common.xlsx import SheetRow
from indicators.formats.excel import (
    CAP,
    CATEGORY,
    COLUMNS,
    ITEM,
    STANDARD,
)
from indicators.formats.fixture import CATEGORY_MODEL, ITEM_MODEL, SYSTEM_MODEL
from indicators.models import Category, Item
from indicators.points import parse_cap

# An edition has a few dozen items; anything near these limits is not an outline.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# Casts: both are CharFields, which always have a max_length.
CATEGORY_NAME_MAX = cast(int, Category._meta.get_field("name").max_length)
ITEM_NAME_MAX = cast(int, Item._meta.get_field("name").max_length)

_CATEGORY_CELL = re.compile(r"^(\d+)\s*[.．、]\s*(.+)$", re.S)
_ITEM_CELL = re.compile(r"^(\d+\.\d+)\s*(.*)$", re.S)
_ITEM_NUMBER = re.compile(r"^(\d+)\.(\d+)$")


@dataclass
class ParsedItem:
    row: int
    number: str
    name: str
    standard: str
    cap: Decimal


@dataclass
class ParsedCategory:
    row: int
    number: int
    name: str
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class ParsedVersion:
    categories: list[ParsedCategory]
    description: str = ""


# --- Checks shared by both formats ----------------------------------------------------------

def _cap(text: str) -> tuple[Decimal | None, str | None]:
    try:
        return parse_cap(text), None
    except ValidationError as refused:
        if refused.code in ("required", "not_a_number"):
            # A file's problem names what the file holds.
            return None, _("分值“%(value)s”不是数字。") % {"value": text}
        return None, refused.messages[0]


def _item_problems(item: ParsedItem, category_number: int, columns: dict[str, str]) -> list[Problem]:
    problems = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(item.row, columns[key], message))

    match = _ITEM_NUMBER.match(item.number)
    if not match:
        problem("number", _("子项目编号“%(number)s”格式不对，应写作“考评项目序号.子项目序号”，如“1.1”。")
                % {"number": item.number})
    elif int(match.group(1)) != category_number:
        problem("number", _("子项目编号 %(number)s 与所属考评项目的序号 %(category)s 不符。")
                % {"number": item.number, "category": category_number})
    if not item.name:
        problem("name", _("子项目名称不能为空。"))
    elif len(item.name) > ITEM_NAME_MAX:
        problem("name", _("子项目名称不能超过 %(limit)s 个字符。") % {"limit": ITEM_NAME_MAX})
    if not item.standard:
        problem("standard", _("评分标准不能为空。"))
    return problems


def _repeats(keyed: Iterable[tuple[object, int]]) -> Iterator[tuple[int, object, int]]:
    """(row, key, the key's first row) for every (key, row) whose key stood in an earlier row."""
    first_rows: dict[object, int] = {}
    for key, row in keyed:
        if key in first_rows:
            yield row, key, first_rows[key]
        else:
            first_rows[key] = row


def _duplicate_problems(version: ParsedVersion, columns: dict[str, str]) -> list[Problem]:
    categories = [(category.number, category.row) for category in version.categories]
    items = [(item.number, item.row) for category in version.categories for item in category.items]
    return [
        Problem(row, columns["category"], _("考评项目序号 %(number)s 与第 %(row)s 行重复。") % {"number": key, "row": first})
        for row, key, first in _repeats(categories)
    ] + [
        Problem(row, columns["number"], _("子项目编号 %(number)s 与第 %(row)s 行重复。") % {"number": key, "row": first})
        for row, key, first in _repeats(items)
    ]


def _content_problems(version: ParsedVersion, columns: dict[str, str]) -> list[Problem]:
    problems = []
    for category in version.categories:
        for item in category.items:
            problems.extend(_item_problems(item, category.number, columns))
    return problems + _duplicate_problems(version, columns)


# --- Excel ------------------------------------------------------------------------------------

_EXCEL_COLUMNS = {"category": CATEGORY, "number": ITEM, "name": ITEM, "standard": STANDARD, "cap": CAP}


def _header_problems(header: tuple[str, ...]) -> list[Problem]:
    if header[: len(COLUMNS)] == COLUMNS and not any(header[len(COLUMNS):]):
        return []
    return [Problem(1, "", _("表头应依次为：%(expected)s；文件中是：%(found)s。") % {
        "expected": "、".join(COLUMNS), "found": "、".join(h for h in header if h) or _("（空）")})]


def _parse_excel_rows(rows: list[SheetRow]) -> tuple[ParsedVersion, list[Problem]]:
    problems: list[Problem] = []
    categories: dict[tuple[int, str], ParsedCategory] = {}
    current: ParsedCategory | None = None
    for row in rows:
        cells = row.cells + ("",) * (len(COLUMNS) - len(row.cells))
        category_text, item_text, standard, cap_text = cells[:4]
        if category_text:
            match = _CATEGORY_CELL.match(category_text)
            if not match:
                problems.append(Problem(row.number, CATEGORY, _(
                    "考评项目应写作“序号. 名称”，如“1. 组织领导”；文件中是“%(value)s”。") % {"value": category_text}))
                current = None
                continue
            name = match.group(2).strip()
            if len(name) > CATEGORY_NAME_MAX:
                problems.append(Problem(row.number, CATEGORY, _("考评项目名称不能超过 %(limit)s 个字符。") % {
                    "limit": CATEGORY_NAME_MAX}))
            key = (int(match.group(1)), name)
            if key not in categories:
                categories[key] = ParsedCategory(row.number, key[0], name)
            current = categories[key]
        elif current is None:
            problems.append(Problem(row.number, CATEGORY, _("考评项目不能为空。")))
            continue
        item_match = _ITEM_CELL.match(item_text)
        if not item_text:
            problems.append(Problem(row.number, ITEM, _("子项目不能为空。")))
            continue
        if not item_match:
            problems.append(Problem(row.number, ITEM, _(
                "子项目应以编号开头，如“1.1 领导重视”；文件中是“%(value)s”。") % {"value": item_text}))
            continue
        cap, message = _cap(cap_text) if cap_text else (None, _("分值不能为空。"))
        if message:
            problems.append(Problem(row.number, CAP, message))
        current.items.append(ParsedItem(
            row.number, item_match.group(1), (item_match.group(2) or "").strip(), standard, cap or Decimal("0")))
    return ParsedVersion(list(categories.values())), problems


def _too_many_records() -> str:
    return _("文件中的记录超过 %(limit)s 条。") % {"limit": MAX_ROWS}


def parse_excel(upload: UploadedFile) -> tuple[ParsedVersion | None, list[Problem]]:
    try:
        _header, rows = read_upload(
            upload, max_rows=MAX_ROWS, header_problems=_header_problems,
            unreadable=_("无法读取该文件。请上传 Excel 工作簿（.xlsx 格式）。"),
            too_many_rows=_too_many_records())
    except RefusedUpload as refused:
        return None, refused.problems
    version, problems = _parse_excel_rows(rows)
    problems += _content_problems(version, _EXCEL_COLUMNS)
    return version, problems


# --- JSON fixture -----------------------------------------------------------------------------

_JSON_COLUMNS = {"category": "category", "number": "number", "name": "name", "standard": "standard", "cap": "cap"}


def _text(fields: dict[str, Any], key: str) -> str:
    value = fields.get(key, "")
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _parse_records(records: list[Any]) -> tuple[ParsedVersion, list[Problem]]:
    problems: list[Problem] = []
    description = ""
    systems = 0
    categories: dict[int, ParsedCategory] = {}
    pending_items: list[tuple[int, Any, ParsedItem]] = []
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
            problems.append(Problem(position, "", _("记录格式不对：每条记录应包含 model 和 fields。")))
            continue
        model, fields = record.get("model"), record["fields"]
        if model == SYSTEM_MODEL:
            systems += 1
            description = _text(fields, "description")
        elif model == CATEGORY_MODEL:
            number = fields.get("number")
            if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
                problems.append(Problem(position, "number", _("考评项目序号必须是正整数。")))
                continue
            name = _text(fields, "name")
            if not name:
                problems.append(Problem(position, "name", _("考评项目名称不能为空。")))
            elif len(name) > CATEGORY_NAME_MAX:
                problems.append(Problem(position, "name", _("考评项目名称不能超过 %(limit)s 个字符。") % {
                    "limit": CATEGORY_NAME_MAX}))
            if number in categories:
                problems.append(Problem(position, "number", _("考评项目序号 %(number)s 与第 %(row)s 条记录重复。") % {
                    "number": number, "row": categories[number].row}))
                continue
            categories[number] = ParsedCategory(position, number, name)
        elif model == ITEM_MODEL:
            cap, message = _cap(_text(fields, "cap"))
            if message:
                problems.append(Problem(position, "cap", message))
            item = ParsedItem(position, _text(fields, "number"), _text(fields, "name"),
                              _text(fields, "standard"), cap or Decimal("0"))
            pending_items.append((position, fields.get("category"), item))
        else:
            problems.append(Problem(position, "model", _("无法识别的记录类型“%(model)s”。") % {"model": model}))
    if systems > 1:
        problems.append(Problem(None, "", _("文件中包含 %(count)s 个指标体系版本，一次只能导入一个。") % {"count": systems}))
    for position, reference, item in pending_items:
        # A natural key: [system code, category number]; the code is the exporting system's.
        number = reference[-1] if isinstance(reference, list) and reference else None
        if not isinstance(number, int) or number not in categories:
            problems.append(Problem(position, "category", _("子项目 %(number)s 所属的考评项目在文件中不存在。") % {
                "number": item.number}))
            continue
        categories[number].items.append(item)
    return ParsedVersion(sorted(categories.values(), key=lambda c: c.number), description), problems


def parse_json(upload: UploadedFile) -> tuple[ParsedVersion | None, list[Problem]]:
    try:
        records = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None, [Problem(None, "", _("无法读取该文件。请上传 UTF-8 编码的 JSON 文件（与系统导出的格式相同）。"))]
    if not isinstance(records, list) or not records:
        return None, [Problem(None, "", _("JSON 文件应是一个记录列表，与系统导出的格式相同。"))]
    if len(records) > MAX_ROWS:
        return None, [Problem(None, "", _too_many_records())]
    version, problems = _parse_records(records)
    problems += _content_problems(version, _JSON_COLUMNS)
    return version, problems


# --- The upload ---------------------------------------------------------------------------

def parse_upload(upload: UploadedFile) -> tuple[ParsedVersion | None, list[Problem]]:
    """The edition in the file and everything wrong with it; nothing is written."""
    try:
        check_size(upload, max_bytes=MAX_IMPORT_BYTES)
    except RefusedUpload as refused:
        return None, refused.problems
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        version, problems = parse_excel(upload)
    elif name.endswith(".json"):
        version, problems = parse_json(upload)
    else:
        return None, [Problem(None, "", _("只能导入 Excel 工作簿（.xlsx）或 JSON 文件（.json）。"))]
    if version is not None and not problems and not any(c.items for c in version.categories):
        problems = [Problem(None, "", _("文件中没有子项目。"))]
    return version, sorted_problems(problems)
