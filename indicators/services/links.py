"""Writes to the lineage links between items of different editions (子项目沿革).

Links describe history, not an edition's content, so a published edition takes them too. Each
change is recorded on the page of the newer edition, as the earlier items its item continues,
before and after.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import AdminAction
from indicators.models import Item, ItemLink
from indicators.services.history import links_of, record_link_change


@transaction.atomic
def item_link_add(*, earlier: Item, later: Item, kind: str, user: Any) -> ItemLink:
    later = Item.objects.select_for_update().select_related("system").get(pk=later.pk)
    if ItemLink.objects.filter(earlier=earlier, later=later).exists():
        raise ValidationError(
            {"earlier": _("这两个子项目之间已经有沿革关系，如需修改请先删除原来的。")}, code="duplicate"
        )
    before = links_of(later)
    link = ItemLink.objects.create(earlier=earlier, later=later, kind=kind)
    record_link_change(later=later, user=user, action=AdminAction.ADD, before=before)
    return link


@transaction.atomic
def item_link_remove(*, link: ItemLink, user: Any) -> None:
    later = Item.objects.select_for_update().select_related("system").get(pk=link.later_id)
    before = links_of(later)
    ItemLink.objects.filter(pk=link.pk).delete()
    record_link_change(later=later, user=user, action=AdminAction.REMOVE, before=before)
