"""Recording administrative changes, and reading them back.

Services call `record` (or `record_all`) inside their own transaction, after the change, with
what changed as `Change`s; `changes_between` turns two snapshots into those. Reading goes through
`history_of` (one object's page) and `admin_log` (every change, filtered), so that the pages and
any export read the same rows the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from common.models import AdminAction, AdminEvent, AdminKind

__all__ = [
    "AdminAction", "AdminKind", "Change", "changes_between", "display", "event", "field_label", "record",
    "record_all", "history_of", "admin_log", "log_url_for", "page_context",
]


@dataclass(frozen=True)
class Change:
    field: str
    label: Any  # a lazy Chinese msgid: stored as the Chinese text, translated when shown
    old: str
    new: str

    def as_json(self) -> dict[str, str]:
        with translation.override("zh-hans"):
            label = str(self.label)
        return {"field": self.field, "label": label, "old": self.old, "new": self.new}


def display(value: Any) -> str:
    """The text a history row shows for a value, in the working language whatever the request's.

    Like the labels, a row keeps what was seen then: a choice label (a lazy msgid) or a yes/no
    written during an English request is still stored in Chinese.
    """
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    with translation.override("zh-hans"):
        if isinstance(value, bool):
            return str(_("是") if value else _("否"))
        return str(value)


def field_label(model: type[models.Model], name: str) -> Any:
    """The verbose name (a lazy msgid) of one of the model's own fields, the label its history shows."""
    # A cast: get_field may also return a reverse relation, which has no verbose name; the names
    # the apps pass are their models' own fields.
    return cast(models.Field, model._meta.get_field(name)).verbose_name


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], labels: Mapping[str, Any]
) -> list[Change]:
    """The fields of `labels` whose displayed value differs, in the order of `labels`."""
    changes = []
    for field, label in labels.items():
        old, new = display(before.get(field)), display(after.get(field))
        if old != new:
            changes.append(Change(field, label, old, new))
    return changes


def _page_key(page: models.Model) -> tuple[ContentType, str]:
    return ContentType.objects.get_for_model(page, for_concrete_model=False), str(page.pk)


def event(
    *, actor: Any, kind: AdminKind, action: AdminAction, page: models.Model | None, target: str = "",
    changes: Iterable[Change] = (), note: str = "", at: datetime.datetime | None = None,
) -> AdminEvent:
    """An unsaved event, for `record_all`. `page` None: the row shows in the log only."""
    page_type, page_id = _page_key(page) if page is not None else (None, "")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AdminEvent(
        at=at or timezone.now(), actor=actor, kind=kind, action=action, page_type=page_type, page_id=page_id,
        target=(target or (str(page) if page is not None else ""))[:300], changes=[c.as_json() for c in changes], note=note,
    )


def _require_transaction() -> None:
    # A history row written outside the change's transaction could survive a rolled-back change,
    # or be lost while the change stays: both would make the history lie.
    if not connection.in_atomic_block:
        raise RuntimeError("administrative changes are recorded inside the service's transaction")


def record(**kwargs: Any) -> AdminEvent:
    """Record one change (the arguments of `event`). Must run inside the change's transaction."""
    _require_transaction()
    entry = event(**kwargs)
    entry.save()
    return entry


def record_all(events: Iterable[AdminEvent]) -> int:
    _require_transaction()
    return len(AdminEvent.objects.bulk_create(list(events), batch_size=1000))


def history_of(page: models.Model) -> QuerySet[AdminEvent]:
    page_type, page_id = _page_key(page)
    return AdminEvent.objects.filter(page_type=page_type, page_id=page_id).select_related("actor")


def admin_log(
    *, actor_id: int | None = None, kind: str = "", since: datetime.date | None = None,
    until: datetime.date | None = None, page: tuple[int, str] | None = None,
) -> QuerySet[AdminEvent]:
    """Every change, newest first; `page` is (content type id, object id) of one object's page."""
    events = AdminEvent.objects.select_related("actor", "page_type")
    if page is not None:
        events = events.filter(page_type_id=page[0], page_id=page[1])
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if kind:
        events = events.filter(kind=kind)
    if since is not None:
        events = events.filter(at__gte=_day_start(since))
    if until is not None:
        events = events.filter(at__lt=_day_start(until + datetime.timedelta(days=1)))
    return events


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def log_url_for(page: models.Model) -> str:
    """The admin-wide log, filtered to one object's page."""
    page_type, page_id = _page_key(page)
    return f"{reverse('audit:log')}?{urlencode({'on': f'{page_type.pk}:{page_id}'})}"


def page_context(page: models.Model, *, limit: int = 20) -> dict[str, Any]:
    """What `common/_admin_history.html` expects, for an object page's view to add to its context."""
    return {"admin_events": list(history_of(page)[:limit]), "admin_log_url": log_url_for(page)}
