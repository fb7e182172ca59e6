"""The party-organization tree and who may do what in it.

The tree is a django-treebeard materialised path: a subtree is one `path LIKE 'prefix%'` query
and the ancestors of a node are one `path IN (...)` query, at any depth. That reading of the path
is written here once: `parent_path`, `path_within` (and `Organization.contains`), `subtree_of`
with `children_of` and `descendants_of` as filters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from orgs.validators import code_validator


class OrgType(models.TextChoices):
    CITY = "city", _("市委")
    DISTRICT = "district", _("区市县委")
    DEPARTMENT = "department", _("部门党委")
    COMMITTEE = "committee", _("基层党委")
    WORKING = "working", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


class Organization(MP_Node):
    """A node of the party-organization tree (市委 → 区市县/部门党委 → 党工委/党总支 → 党支部)."""

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=200)
    type = models.CharField(_("类型"), max_length=20, choices=OrgType.choices)
    # Merged or dissolved organizations stay, so that their past assessments keep their owner.
    is_active = models.BooleanField(_("是否有效"), default=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="organization_code_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="organization_name_not_empty"),
            models.CheckConstraint(condition=Q(type__in=OrgType.values), name="organization_type_known"),
        ]
        indexes = [
            models.Index(fields=["name"], name="organization_name_idx"),
            # One level of a subtree: the tree's roots (depth 1, an admin's scope) and a node's
            # children (depth d + 1 under its path, in path order). The path alone does not narrow
            # a city's subtree (it is every row); the pattern operator class lets PostgreSQL turn
            # the path's LIKE prefix into a range of this index (other databases ignore it).
            models.Index(fields=["depth", "path"], name="organization_depth_path_idx",
                         opclasses=["int4_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_paths(self) -> list[str]:
        return [self.path[:end] for end in range(self.steplen, len(self.path), self.steplen)]

    def contains(self, other: Organization) -> bool:
        """Whether `other` is this organization or one below it."""
        return path_within(other.path, self.path)


def parent_path(path: str) -> str:
    """The path of the parent of the node at `path`; "" for a root."""
    return path[: -Organization.steplen]


def path_within(path: str, root: str) -> bool:
    """Whether the node at `path` is the node at `root` or one below it."""
    return path.startswith(root)


def subtree_of(path: str, prefix: str = "") -> Q:
    """The organization at `path` and every one below it, as a filter on the Organization at
    `prefix` ("organization__" from an assessment)."""
    return Q(**{f"{prefix}path__startswith": path})


def children_of(organization: Organization, prefix: str = "") -> Q:
    return subtree_of(organization.path, prefix) & Q(**{f"{prefix}depth": organization.depth + 1})


def descendants_of(organization: Organization, prefix: str = "") -> Q:
    """Every organization below this one, itself not included."""
    return subtree_of(organization.path, prefix) & Q(**{f"{prefix}depth__gt": organization.depth})


# treebeard spends `steplen` characters of the path per level: deeper nodes do not fit the column
# (PostgreSQL refuses the write, SQLite stores a path longer than the schema says).
MAX_DEPTH = Organization._meta.get_field("path").max_length // Organization.steplen


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    ANALYST = "analyst", _("宣传部分析员")
    EVALUATOR = "evaluator", _("考评员")
    REPORTER = "reporter", _("单位填报员")


ROLES_WITH_ORGANIZATION = (Role.ANALYST, Role.REPORTER)


class RoleGrant(models.Model):
    """One role of one user; analysts and reporters hold it over an organization.

    An analyst may hold several grants (one per subtree); a reporter reports for exactly one
    organization; admins and evaluators hold theirs without one (an evaluator's units come
    from the assignments of a round).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants",
        verbose_name=_("党组织"),
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_grant_role_known"),
            models.CheckConstraint(
                condition=(
                    Q(role__in=ROLES_WITH_ORGANIZATION, organization__isnull=False)
                    | (~Q(role__in=ROLES_WITH_ORGANIZATION) & Q(organization__isnull=True))
                ),
                name="role_grant_organization_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organization"], name="role_grant_unique_with_org"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(organization__isnull=True),
                name="role_grant_unique_without_org",
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(role="reporter"), name="role_grant_one_reporter_unit"
            ),
        ]

    def __str__(self) -> str:
        if self.organization_id:
            return f"{self.get_role_display()} · {self.organization}"
        return str(self.get_role_display())


class AccountState(models.Model):
    """What an account owes before it may be used: a password an admin set must be replaced.

    Kept beside the user rather than on a custom user model, which Django cannot switch to once
    the project has migrated. A user without a row owes nothing.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account_state",
        verbose_name=_("用户"),
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    changed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("账号状态")
        verbose_name_plural = _("账号状态")

    def __str__(self) -> str:
        return str(self.user)
