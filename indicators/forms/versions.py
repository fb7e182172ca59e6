"""The forms that create an edition: a clone of another one, or an import from a file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.xlsx import XLSX_CONTENT_TYPE
from indicators.formats.upload import MAX_IMPORT_BYTES
from indicators.models import IndicatorSystem
from indicators.validators import validate_half_point, validate_version_code


class CloneForm(forms.Form):
    code = forms.SlugField(
        label=gettext_lazy("新版本编码"), max_length=40,
        help_text=gettext_lazy("只能使用字母、数字、连字符和下划线，例如 dalian-2026。"),
        error_messages={"invalid": gettext_lazy("版本编码只能包含字母、数字、连字符和下划线。")},
    )
    title = forms.CharField(label=gettext_lazy("新版本名称"), max_length=200)
    year = forms.IntegerField(
        label=gettext_lazy("年份"), error_messages={"invalid": gettext_lazy("请填写四位数的年份，例如 2026。")}
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        validate_version_code(code)
        if IndicatorSystem.objects.filter(code=code).exists():
            raise forms.ValidationError(_("版本编码“%(code)s”已被使用。") % {"code": code})
        return code

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写新版本名称。"))
        return title

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年份应在 2000 至 2100 年之间。"))
        return year


class VersionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.json," + XLSX_CONTENT_TYPE + ",application/json"}),
    )
    code = forms.SlugField(label=gettext_lazy("版本编码"), max_length=40)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    year = forms.IntegerField(label=gettext_lazy("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    total = forms.DecimalField(
        label=gettext_lazy("总分"), initial=Decimal("100"), max_digits=6, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), validate_half_point],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel 工作簿（.xlsx，官方表格格式）或 JSON 文件（.json，与导出格式相同），最大 %(limit)s。") % {
            "limit": filesizeformat(MAX_IMPORT_BYTES)}
        self.fields["code"].error_messages["invalid"] = _("版本编码只能包含字母、数字、下划线和连字符。")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        validate_version_code(code)
        if IndicatorSystem.objects.filter(code=code).exists():
            raise ValidationError(_("版本编码“%(code)s”已被使用。") % {"code": code})
        return code
