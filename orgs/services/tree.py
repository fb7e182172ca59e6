"""Writes to the organization tree. Each function is one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import AdminAction, AdminKind, record
from orgs.models import Organization, parent_path
from orgs.selectors.tree import parent_of
from orgs.services.history import organization_changes, organization_snapshot
from orgs.signals import organization_moved


def _check_parent(organization: Organization | None, parent: Organization | None) -> None:
    if organization is None or parent is None:
        return
    if parent.pk == organization.pk or organization.contains(parent):
        raise ValidationError(
            {"parent_code": _("不能把党组织移到它自己或它的下级组织之下。")}, code="cycle"
        )


@transaction.atomic
def organization_create(
    *, code: str, name: str, type: str, parent: Organization | None, is_active: bool = True, by: object,
) -> Organization:
    fields = {"code": code, "name": name, "type": type, "is_active": is_active}
    if parent is None:
        organization = Organization.objects.add_root(create_kwargs=fields)
    else:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        organization = Organization.objects.add_child(parent, create_kwargs=fields)
    record(
        actor=by, kind=AdminKind.ORGANIZATION, action=AdminAction.CREATE, page=organization,
        changes=organization_changes({}, organization_snapshot(organization, parent)),
    )
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, name: str, type: str, is_active: bool,
    parent: Organization | None, move: bool = True, by: object,
) -> Organization:
    """Change an organization's fields and, when `move` is set, put it under `parent`."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    old_parent = parent_of(organization)
    before = organization_snapshot(organization, old_parent)
    organization, parent = organization_place(
        organization=organization, name=name, type=type, is_active=is_active, parent=parent, move=move
    )
    changes = organization_changes(before, organization_snapshot(organization, parent if move else old_parent))
    if changes:
        record(actor=by, kind=AdminKind.ORGANIZATION, action=AdminAction.UPDATE, page=organization, changes=changes)
    return organization


def organization_place(
    *, organization: Organization, name: str, type: str, is_active: bool, parent: Organization | None,
    move: bool = True,
) -> tuple[Organization, Organization | None]:
    """The write of `organization_update`, without its history row.

    Only for the tree import, which may move a node twice on the way to where the file puts it
    and records each organization once, from the tree before to the file, in its own transaction.
    """
    if parent is not None:
        # The caller's copy may predate another move; the cycle check needs current paths.
        parent = Organization.objects.get(pk=parent.pk)
    organization.name, organization.type, organization.is_active = name, type, is_active
    organization.save(update_fields=["name", "type", "is_active"])
    if move:
        current_parent_path = parent_path(organization.path)
        new_parent_path = parent.path if parent else ""
        if current_parent_path != new_parent_path:
            _check_parent(organization, parent)
            if parent is None:
                last_root = Organization.objects.filter(depth=1).order_by("-path").first()
                Organization.objects.move(organization, last_root, "last-sibling")
            else:
                Organization.objects.move(organization, parent, "last-child")
            organization.refresh_from_db()
            organization_moved.send(
                sender=Organization, organization=organization, old_parent_path=current_parent_path,
                new_path=organization.path,
            )
    return organization, parent
