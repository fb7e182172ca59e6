"""The upload form of the tree import; the file itself is read by `orgs.formats.tree_upload`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.xlsx import XLSX_CONTENT_TYPE
from orgs.formats.tree_upload import MAX_IMPORT_BYTES


class TreeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("使用本页模板的格式，最大 %(limit)s。") % {
            "limit": filesizeformat(MAX_IMPORT_BYTES)}
