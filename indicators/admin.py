from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import AdminAction
from indicators.models import Category, IndicatorSystem, Item
from indicators.points import format_points
from indicators.selectors.outline import VersionWithTotals, versions_with_totals
from indicators.services.history import record_edition, record_table_edits, table_snapshot, version_snapshot
from indicators.services.versions import VersionNotPublishable, version_archive, version_delete, version_publish


def _frozen(obj: IndicatorSystem | None) -> bool:
    return obj is not None and obj.is_frozen


class FrozenVersionInlineMixin:
    """Inlines of a published edition are shown read-only, like the edition itself."""

    def has_add_permission(self, request: HttpRequest, obj: IndicatorSystem | None = None) -> bool:
        return not _frozen(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]  # a mixin: super() is the inline it is mixed into

    def has_change_permission(self, request: HttpRequest, obj: IndicatorSystem | None = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]  # a mixin: super() is the inline it is mixed into

    def has_delete_permission(self, request: HttpRequest, obj: IndicatorSystem | None = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]  # a mixin: super() is the inline it is mixed into


class CategoryInline(FrozenVersionInlineMixin, admin.TabularInline):
    model = Category
    extra = 0
    fields = ("number", "name")


class ItemInline(FrozenVersionInlineMixin, admin.StackedInline):
    model = Item
    fk_name = "system"
    extra = 0
    fields = (("category", "number", "order", "cap"), "name", "standard")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "category":
            version_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Category.objects.filter(system_id=version_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "year", "status", "category_count", "item_count", "cap_sum", "total")
    list_filter = ("status", "year")
    search_fields = ("title", "code")
    readonly_fields = ("status", "published_at")
    inlines = [CategoryInline, ItemInline]
    actions = ["publish", "archive"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[IndicatorSystem]:
        return versions_with_totals(super().get_queryset(request))

    @admin.display(description=gettext_lazy("考评项目数"))
    def category_count(self, obj: VersionWithTotals) -> int:
        return obj.category_count

    @admin.display(description=gettext_lazy("子项目数"))
    def item_count(self, obj: VersionWithTotals) -> int:
        return obj.item_count

    @admin.display(description=gettext_lazy("分值合计"))
    def cap_sum(self, obj: VersionWithTotals) -> Any:
        return obj.cap_sum

    def has_change_permission(self, request: HttpRequest, obj: IndicatorSystem | None = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: IndicatorSystem | None = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if _frozen(obj) and request.method == "GET":
            self.message_user(
                request,
                _("此版本已发布，不能修改；如需调整分值或条文，请复制为新的试行版本后编辑。"),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Listing published editions as "not permitted" makes the bulk delete page refuse them.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(version.is_frozen for version in objs):
            perms_needed = {*perms_needed, _("已发布或已归档的指标体系版本")}
        return deleted, model_count, perms_needed, protected

    # Edits here are administrative changes like those of the app's own pages, recorded in the
    # admin's transaction: the state before is kept on the object between save_model and
    # save_related (the ModelAdmin itself is shared by every request).
    def save_model(self, request: HttpRequest, obj: IndicatorSystem, form: Any, change: bool) -> None:
        stored = IndicatorSystem.objects.filter(pk=obj.pk).first() if change else None
        obj._history_before = (version_snapshot(stored), *table_snapshot(stored)) if stored else None  # type: ignore[attr-defined]  # until save_related
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        system, before = form.instance, getattr(form.instance, "_history_before", None)
        settings, categories, items = before or (None, {}, {})
        record_edition(
            system=system, user=request.user, action=AdminAction.UPDATE if before else AdminAction.CREATE,
            before=settings,
        )
        # The total is among the settings just recorded; what follows are the rows.
        record_table_edits(
            system=system, user=request.user, total_before=format_points(system.total),
            categories_before=categories, items_before=items,
        )

    def delete_model(self, request: HttpRequest, obj: IndicatorSystem) -> None:
        version_delete(system=obj, user=request.user)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        for system in queryset:
            version_delete(system=system, user=request.user)

    @admin.action(description=gettext_lazy("发布所选草稿版本"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        self._run(request, queryset, version_publish, _("已发布：%(title)s"))

    @admin.action(description=gettext_lazy("归档所选已发布版本"), permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem]) -> None:
        self._run(request, queryset, version_archive, _("已归档：%(title)s"))

    def _run(self, request: HttpRequest, queryset: QuerySet[IndicatorSystem], action: Any, done: str) -> None:
        for system in queryset:
            try:
                action(system=system, user=request.user)
            except VersionNotPublishable as exc:
                self.message_user(
                    request, f"{system.title}：{'；'.join(exc.problems)}", messages.ERROR
                )
            else:
                self.message_user(request, done % {"title": system.title}, messages.SUCCESS)
