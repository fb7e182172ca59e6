"""The chooser of the comparison. It resolves organizations only inside the user's report scope,
and says the same thing for a code that does not exist and for one outside the scope, so that
typing codes reveals nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Organization
from orgs.scope import AnyUser
from reports.access import report_organizations

MIN_COMPARED, MAX_COMPARED = 2, 10
# Codes may be typed separated by spaces, commas or the Chinese list marks.
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


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
