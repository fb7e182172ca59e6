"""Writes to editions of the outline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import AdminAction
from indicators.formats.upload import ParsedVersion
from indicators.models import Category, IndicatorSystem, Item, VersionStatus
from indicators.points import format_points
from indicators.selectors.outline import version_cap_sum
from indicators.services.history import (
    contents_note,
    copied_note,
    imported_note,
    links_of,
    record_edition,
    record_link_change,
    version_snapshot,
)
from indicators.validators import validate_version_code


class VersionNotPublishable(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def version_problems(system: IndicatorSystem) -> list[str]:
    """Everything that keeps an edition from being published, as sentences for its editor."""
    problems: list[str] = []
    categories = list(system.categories.in_outline_order().with_items())
    if not categories:
        return [_("版本中还没有考评项目。")]
    expected = list(range(1, len(categories) + 1))
    if [c.number for c in categories] != expected:
        problems.append(_("考评项目序号必须从 1 起连续编号。"))
    for category in categories:
        items = sorted(category.items.all(), key=lambda i: (i.order, i.id))
        if not items:
            problems.append(_("考评项目“%(name)s”下没有子项目。") % {"name": category.name})
            continue
        wanted = [f"{category.number}.{k}" for k in range(1, len(items) + 1)]
        if [i.number for i in items] != wanted:
            problems.append(
                _("考评项目“%(name)s”的子项目应依次编号为 %(first)s…%(last)s。")
                % {"name": category.name, "first": wanted[0], "last": wanted[-1]}
            )
        problems.extend(
            _("子项目 %(number)s 缺少评分标准。") % {"number": item.number} for item in items if not item.standard.strip()
        )
    cap_sum = version_cap_sum(system)
    if cap_sum != system.total:
        params = {
            "sum": format_points(cap_sum),
            "total": format_points(system.total),
            "diff": format_points(abs(system.total - cap_sum)),
        }
        if cap_sum > system.total:
            message = _("各子项目分值合计 %(sum)s 分，超出版本总分 %(total)s 分 %(diff)s 分。")
        else:
            message = _("各子项目分值合计 %(sum)s 分，比版本总分 %(total)s 分少 %(diff)s 分。")
        problems.append(message % params)
    return problems


@transaction.atomic
def version_publish(*, system: IndicatorSystem, user: Any) -> IndicatorSystem:
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if system.status != VersionStatus.DRAFT:
        raise VersionNotPublishable([_("只有草稿版本可以发布。")])
    problems = version_problems(system)
    if problems:
        raise VersionNotPublishable(problems)
    before = version_snapshot(system)
    system.status = VersionStatus.PUBLISHED
    system.published_at = timezone.now()
    system.save(update_fields=["status", "published_at"])
    record_edition(system=system, user=user, action=AdminAction.PUBLISH, before=before)
    return system


@transaction.atomic
def version_archive(*, system: IndicatorSystem, user: Any) -> IndicatorSystem:
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if system.status != VersionStatus.PUBLISHED:
        raise VersionNotPublishable([_("只有已发布的版本可以归档。")])
    before = version_snapshot(system)
    system.status = VersionStatus.ARCHIVED
    system.save(update_fields=["status"])
    record_edition(system=system, user=user, action=AdminAction.STATE, before=before)
    return system


@transaction.atomic
def version_clone(
    *, source: IndicatorSystem, code: str, title: str, year: int, description: str = "", user: Any
) -> IndicatorSystem:
    """A draft copy of an edition; every category and item remembers the one it came from."""
    try:
        validate_version_code(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    if IndicatorSystem.objects.filter(code=code).exists():
        raise ValidationError({"code": _("版本编码“%(code)s”已被使用。") % {"code": code}}, code="duplicate")
    draft = IndicatorSystem.objects.create(
        code=code, title=title, year=year, total=source.total, description=description, source=source,
        status=VersionStatus.DRAFT,
    )
    old_categories = list(Category.objects.filter(system=source).in_outline_order())
    new_categories = Category.objects.bulk_create(
        [Category(system=draft, number=c.number, name=c.name, origin=c) for c in old_categories]
    )
    category_map = {old.pk: new for old, new in zip(old_categories, new_categories, strict=True)}
    Item.objects.bulk_create(
        [
            Item(system=draft, category=category_map[i.category_id], number=i.number, name=i.name,
                 standard=i.standard, cap=i.cap, order=i.order, origin=i)
            for i in Item.objects.filter(system=source).in_outline_order()
        ]
    )
    record_edition(system=draft, user=user, action=AdminAction.CREATE, note=copied_note(source))
    return draft


@transaction.atomic
def version_delete(*, system: IndicatorSystem, user: Any) -> None:
    """Delete a draft (the model refuses a published edition); its history stays readable."""
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    before, note, pk = version_snapshot(system), contents_note(system), system.pk
    # Links from a later edition's items to this one's go with it: that edition's history says so.
    continuing = list(
        Item.objects.filter(links_back__earlier__system=system).exclude(system=system).select_related("system")
        .distinct()
    )
    links_before = {item.pk: links_of(item) for item in continuing}
    system.delete()
    # The history is kept by the id the edition had, so that the log can still be filtered by it.
    system.pk = pk
    record_edition(system=system, user=user, action=AdminAction.DELETE, before=before, after={}, note=note)
    for item in continuing:
        record_link_change(later=item, user=user, action=AdminAction.REMOVE, before=links_before[item.pk])


@transaction.atomic
def version_import(
    *, version: ParsedVersion, code: str, title: str, year: int, total: Decimal, user: Any, file_name: str = ""
) -> IndicatorSystem:
    """Create the file's edition as a new draft; existing editions are never touched."""
    if IndicatorSystem.objects.filter(code=code).exists():
        raise ValidationError({"code": _("版本编码“%(code)s”已被使用。") % {"code": code}}, code="duplicate")
    draft = IndicatorSystem.objects.create(
        code=code, title=title, year=year, total=total, description=version.description,
        status=VersionStatus.DRAFT,
    )
    categories = Category.objects.bulk_create(
        [Category(system=draft, number=c.number, name=c.name) for c in version.categories]
    )
    Item.objects.bulk_create(
        [
            Item(system=draft, category=category, number=i.number, name=i.name, standard=i.standard,
                 cap=i.cap, order=order)
            for category, parsed in zip(categories, version.categories, strict=True)
            for order, i in enumerate(parsed.items, start=1)
        ]
    )
    record_edition(system=draft, user=user, action=AdminAction.IMPORT, note=imported_note(file_name, draft))
    return draft
