"""What the administrative history records of organizations and user accounts: which fields,
under which labels, shown how. The services snapshot before and after and record the difference."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.audit import Change, changes_between
from orgs.models import Organization, OrgType, RoleGrant

ORGANIZATION_FIELDS = {"code": _("编码"), "name": _("名称"), "type": _("类型"), "is_active": _("是否有效"),
                       "parent": _("上级党组织")}
USER_FIELDS = {"username": _("用户名"), "full_name": _("姓名"), "email": _("电子邮箱"), "is_active": _("账号启用")}


def organization_snapshot(organization: Organization, parent: Organization | None) -> dict[str, Any]:
    return organization_row_snapshot(
        code=organization.code, name=organization.name, type=organization.type, is_active=organization.is_active,
        parent=_org_label(parent),
    )


def organization_row_snapshot(*, code: str, name: str, type: str, is_active: bool, parent: str) -> dict[str, Any]:
    """The same snapshot from an import row or a stored tree row; `parent` from `org_label_of`."""
    return {"code": code, "name": name, "type": OrgType(type).label, "is_active": is_active, "parent": parent}


def org_label_of(code: str | None, name: str | None) -> str:
    return f"{name}（{code}）" if code else ""


def organization_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    return changes_between(before, after, ORGANIZATION_FIELDS)


def user_snapshot(user: User) -> dict[str, Any]:
    return {"username": user.get_username(), "full_name": user.get_full_name(), "email": user.email,
            "is_active": user.is_active}


def user_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    return changes_between(before, after, USER_FIELDS)


def user_label(user: User) -> str:
    name = user.get_full_name()
    return f"{name}（{user.get_username()}）" if name else user.get_username()


def _org_label(organization: Organization | None) -> str:
    return org_label_of(organization.code, organization.name) if organization else ""


def grant_label(grant: RoleGrant) -> str:
    # Stored in the working language, like the labels: the row says what it said when written.
    with translation.override("zh-hans"):
        return str(grant)
