"""The filters of the ranking (page, workbook and PDF alike).

The scope filter resolves organizations only inside the user's report scope, and says the same
thing for a code that does not exist and for one outside the scope, so that typing codes reveals
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Category
from orgs.models import Organization, OrgType
from orgs.scope import AnyUser
from reports.access import report_organizations

FIXED_SORTS = ("rank", "name", "code", "type", "total", "percent")


def sort_keys(categories: Sequence[Category]) -> list[str]:
    return [*FIXED_SORTS, *(f"c{category.number}" for category in categories)]


class RankingFilterForm(forms.Form):
    org = forms.CharField(
        label=gettext_lazy("范围"), required=False, max_length=200,
        help_text=gettext_lazy("党组织编码或名称，只排该组织及其下级；留空为您负责的全部范围。"),
    )
    type = forms.ChoiceField(
        label=gettext_lazy("类型"), required=False, choices=[("", gettext_lazy("全部类型")), *OrgType.choices],
        error_messages={"invalid_choice": gettext_lazy("请选择列表中的党组织类型。")},
    )
    level = forms.IntegerField(
        label=gettext_lazy("层级"), required=False, min_value=1, max_value=20,
        help_text=gettext_lazy("1 为市委，2 为区市县委和部门党委，依次类推。"),
        error_messages={
            "invalid": gettext_lazy("层级应为整数。"),
            "min_value": gettext_lazy("层级最小为 1。"),
            "max_value": gettext_lazy("层级最大为 20。"),
        },
    )
    submitted = forms.BooleanField(label=gettext_lazy("包含待审核的考评结果"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, user: AnyUser, categories: Sequence[Category], data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data)
        self.user = user
        self.sorts = sort_keys(categories)

    def clean_org(self) -> Organization | None:
        value = self.cleaned_data["org"].strip()
        if not value:
            return None
        scope = report_organizations(self.user)
        found = scope.filter(code=value).first()
        if found is None:
            # Names are not unique across the tree; a name is taken only when it names one organization.
            by_name = list(scope.filter(name=value)[:2])
            found = by_name[0] if len(by_name) == 1 else None
        if found is None:
            raise forms.ValidationError(
                _("在您负责的范围内找不到党组织“%(value)s”，请输入编码或完整名称。"), params={"value": value},
                code="not_found",
            )
        return found

    def clean_sort(self) -> str:
        # The sort comes from the column links; anything else falls back to the rank quietly.
        value = self.cleaned_data["sort"].strip()
        return value if value.lstrip("-") in self.sorts else "rank"

    def ranking_kwargs(self) -> dict[str, Any]:
        """Arguments for reports.selectors.ranking.ranking (the type sort is applied by the caller)."""
        data = self.cleaned_data
        return {
            "subtree": data["org"],
            "org_type": data["type"],
            "depth": data["level"],
            "include_submitted": data["submitted"],
            "sort": data["sort"],
        }

    def query(self, **changes: Any) -> str:
        """The cleaned filters as a query string, for links that keep them (sorting, paging, downloads)."""
        data = self.cleaned_data
        params = {
            "org": data["org"].code if data["org"] else "",
            "type": data["type"],
            "level": data["level"] or "",
            "submitted": "1" if data["submitted"] else "",
            "sort": "" if data["sort"] == "rank" else data["sort"],
        }
        params.update(changes)
        return urlencode({key: value for key, value in params.items() if value not in ("", None)})
