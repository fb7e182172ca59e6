"""The filters of the ranking (page and workbook alike) and the chooser of the comparison.

Both resolve organizations only inside the user's report scope, and say the same thing for a code
that does not exist and for one outside the scope, so that typing codes reveals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Category
from orgs.models import Organization, OrgType
from orgs.scope import AnyUser
from reports.access import report_organizations

MIN_COMPARED, MAX_COMPARED = 2, 10
# Codes may be typed separated by spaces, commas or the Chinese list marks.
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")
FIXED_SORTS = ("rank", "name", "code", "type", "total", "percent")


def sort_keys(categories: list[Category]) -> list[str]:
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

    def __init__(self, user: AnyUser, categories: list[Category], data: Mapping[str, Any] | None = None) -> None:
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
        """Arguments for reports.selectors.ranking (the type sort is applied by the caller)."""
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


class CodeListInput(forms.TextInput):
    """One text box that also gathers repeated ?org=… parameters (the ranking's check boxes)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return " ".join(value for value in values if value)


class CompareForm(forms.Form):
    org = forms.CharField(
        label=gettext_lazy("党组织编码"), widget=CodeListInput(attrs={"size": 60}), max_length=2000,
        help_text=gettext_lazy("输入 2 至 10 个党组织编码，用空格或逗号分隔；也可在排名页勾选后对比。"),
        error_messages={
            "required": gettext_lazy("请输入 2 至 10 个党组织编码。"),
            "max_length": gettext_lazy("输入的内容过长，最多对比 10 个党组织。"),
        },
    )
    submitted = forms.BooleanField(label=gettext_lazy("包含待审核的考评结果"), required=False)

    def __init__(self, user: AnyUser, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data)
        self.user = user

    def clean_org(self) -> list[Organization]:
        codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(self.cleaned_data["org"]) if code))
        if not MIN_COMPARED <= len(codes) <= MAX_COMPARED:
            raise forms.ValidationError(
                _("请选择 %(low)s 至 %(high)s 个不同的党组织，现在是 %(count)s 个。"),
                params={"low": MIN_COMPARED, "high": MAX_COMPARED, "count": len(codes)}, code="count",
            )
        found = {o.code: o for o in report_organizations(self.user).filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                _("在您负责的范围内找不到以下党组织：%(codes)s。"), params={"codes": "、".join(unknown)},
                code="not_found",
            )
        return [found[code] for code in codes]
