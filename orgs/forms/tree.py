from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from orgs.models import MAX_DEPTH, Organization, OrgType, subtree_of
from orgs.validators import RESERVED_CODES, code_validator


class OrganizationForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=32, validators=[code_validator])
    name = forms.CharField(label=_("名称"), max_length=200)
    type = forms.ChoiceField(label=_("类型"), choices=OrgType.choices)
    parent_code = forms.CharField(
        label=_("上级编码"), max_length=32, required=False,
        help_text=_("留空表示顶级党组织（市委）。"),
    )
    is_active = forms.BooleanField(
        label=_("有效"), required=False, initial=True,
        help_text=_("撤销或合并的党组织设为无效：保留历年考评，不再进入新的考评批次。"),
    )

    def __init__(self, *args: Any, instance: Organization | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["code"].disabled = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if self.instance is not None:
            return self.instance.code
        if code.lower() in RESERVED_CODES:
            raise forms.ValidationError(_("“%(code)s”是系统保留字，不能作为编码。"), params={"code": code})
        if Organization.objects.filter(code=code).exists():
            raise forms.ValidationError(_("编码“%(code)s”已被使用。"), params={"code": code})
        return code

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写名称。"))
        return name

    def clean_parent_code(self) -> Organization | None:
        code = self.cleaned_data["parent_code"].strip()
        if not code:
            return None
        parent = Organization.objects.filter(code=code).first()
        if parent is None:
            raise forms.ValidationError(_("上级编码“%(code)s”不存在。"), params={"code": code})
        if self.instance is not None and (
            parent.pk == self.instance.pk or self.instance.contains(parent)
        ):
            raise forms.ValidationError(_("不能把党组织移到它自己或它的下级组织之下。"))
        height = 0  # levels below the organization, which move along with it
        if self.instance is not None:
            deepest = Organization.objects.filter(subtree_of(self.instance.path)).aggregate(deepest=Max("depth"))
            height = deepest["deepest"] - self.instance.depth
        if parent.depth + 1 + height > MAX_DEPTH:
            raise forms.ValidationError(_("党组织最多 %(limit)s 级，放在“%(code)s”之下会超过这个上限。"), params={
                "limit": MAX_DEPTH, "code": code})
        return parent
