"""Reads of the organization tree, always within the user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Length, Substr

from orgs.formats.tree_excel import TreeRow
from orgs.models import Organization, children_of, descendants_of, parent_path, path_within
from orgs.scope import AnyUser, organization_scope, roles_of, visible_organizations


def _in_scope(user: AnyUser) -> ExpressionWrapper | Value:
    scope = organization_scope(user)
    if scope is None:
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(scope, output_field=BooleanField())


def parent_path_of(outer: str = "path") -> Substr:
    return Substr(OuterRef(outer), 1, Length(OuterRef(outer)) - Organization.steplen)


def parent_of(organization: Organization) -> Organization | None:
    parent = parent_path(organization.path)
    return Organization.objects.filter(path=parent).first() if parent else None


def with_parent_code(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate `parent_code`: one indexed lookup by path per row, none for the roots."""
    parent = Organization.objects.filter(path=parent_path_of()).values("code")[:1]
    return queryset.annotate(parent_code=Subquery(parent))


def scope_roots(user: AnyUser, *, analyst_only: bool = False) -> QuerySet[Organization]:
    """Where the user's view of the tree starts, in path order: visible nodes whose parent is
    not visible. Admins start at the tree's roots.

    An evaluator assigned to a branch but not to its parent still reaches the branch. With
    `analyst_only`, the scope is the analyst subtrees alone (what reports compare): its roots are
    the granted organizations that no other grant of the user contains.
    """
    scope = organization_scope(user)
    if scope is None:
        return Organization.objects.filter(depth=1).order_by("path")
    if analyst_only:
        paths = roles_of(user).analyst_paths
        tops = [path for path in paths if not any(path != other and path_within(path, other) for other in paths)]
        return Organization.objects.filter(path__in=tops).order_by("path")
    parent_visible = Organization.objects.filter(scope, path=parent_path_of())
    return visible_organizations(user).filter(~Exists(parent_visible)).order_by("path")


def sole_scope_root(user: AnyUser, *, analyst_only: bool = False) -> Organization | None:
    """The user's one root, when there is exactly one: a form may then leave the organization out."""
    roots = list(scope_roots(user, analyst_only=analyst_only)[:2])
    return roots[0] if len(roots) == 1 else None


def visible_children(user: AnyUser, organization: Organization) -> QuerySet[Organization]:
    return visible_organizations(user).filter(children_of(organization)).order_by("path")


def visible_descendant_count(user: AnyUser, organization: Organization) -> int:
    return visible_organizations(user).filter(descendants_of(organization)).count()


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    linked: bool


def ancestors_by_path(user: AnyUser, organizations: list[Organization]) -> dict[str, Crumb]:
    """Every ancestor of the given nodes, in one query, marked with whether the user may open it."""
    paths = {path for organization in organizations for path in organization.ancestor_paths}
    if not paths:
        return {}
    rows = (
        Organization.objects.filter(path__in=paths)
        .annotate(in_scope=_in_scope(user))
        .values_list("path", "code", "name", "in_scope")
    )
    return {path: Crumb(code, name, bool(in_scope)) for path, code, name, in_scope in rows}


def breadcrumbs(user: AnyUser, organization: Organization) -> list[Crumb]:
    known = ancestors_by_path(user, [organization])
    return [known[path] for path in organization.ancestor_paths if path in known]


def attach_breadcrumbs(user: AnyUser, organizations: list[Organization]) -> None:
    known = ancestors_by_path(user, organizations)
    for organization in organizations:
        organization.crumbs = [known[p] for p in organization.ancestor_paths if p in known]


def search_organizations(user: AnyUser, query: str) -> QuerySet[Organization]:
    query = query.strip()
    return visible_organizations(user).filter(
        Q(name__icontains=query) | Q(code__icontains=query)
    ).order_by("path")


def tree_rows(user: AnyUser) -> Iterator[TreeRow]:
    """The user's part of the tree in path order, so parents come before children.

    The parent code of the user's top organizations is written even when that parent lies
    outside their scope (its name already shows in their breadcrumbs): without it an admin
    importing an analyst's file would move the analyst's district to the top of the tree.
    """
    parent_of_root = dict(with_parent_code(scope_roots(user)).values_list("path", "parent_code"))
    code_of_path: dict[str, str] = {}
    rows = visible_organizations(user).order_by("path").values_list(
        "code", "name", "type", "is_active", "path"
    )
    for code, name, type_, is_active, path_ in rows.iterator(chunk_size=2000):
        parent = parent_path(path_)
        parent_code = code_of_path[parent] if parent in code_of_path else parent_of_root.get(path_)
        code_of_path[path_] = code
        yield TreeRow(code, name, type_, parent_code or "", is_active)
