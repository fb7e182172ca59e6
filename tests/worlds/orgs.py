"""Orgs: the tree, its workbook, the people pages (and a report page's address by organization)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from orgs.formats.tree_excel import COLUMNS
from orgs.models import Organization, OrgType
from orgs.services.bulk import NewNode, bulk_add_nodes

# --- Orgs: the tree, its workbook, the people pages ----------------------------------------------

STRONG = "Dangjian-2026!"


def xlsx_upload(rows: Iterable[Iterable[object]], header: Iterable[str] = COLUMNS, name: str = "党组织.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def tree_state() -> list[tuple]:
    return list(Organization.objects.order_by("path").values_list("code", "name", "type", "is_active", "path", "numchild"))


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def report_url(name: str, arg: object, **params: object) -> str:
    """A report page's address (`reports:<name>` of a round pk or an organization code) with its query."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(f"reports:{name}", args=[arg]) + (f"?{query}" if query else "")


def grow_tree() -> None:
    """From 6 organizations below the root to 40: 17 more branches in each district."""
    bulk_add_nodes(
        NewNode(f"{district}X{n:02d}", f"新增支部{district}{n}", OrgType.BRANCH, district)
        for district in ("BD000", "BD001") for n in range(17)
    )


def edit_url(person) -> str:
    return reverse("people:user_edit", args=[person.pk])


def grant_add_url(person) -> str:
    return reverse("people:grant_add", args=[person.pk])


def grant_remove_url(grant) -> str:
    return reverse("people:grant_remove", args=[grant.user_id, grant.pk])
