"""The upload of a filled-in score workbook."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.formats.bulk import XLSX_CONTENT_TYPE
from assessments.formats.bulk_upload import max_bytes


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("填好的 Excel 文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
        error_messages={"required": gettext_lazy("请选择要上传的文件。"), "empty": gettext_lazy("文件是空的，请重新选择。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("使用本页下载的模板，最大 %(limit)s。") % {"limit": filesizeformat(max_bytes())}
