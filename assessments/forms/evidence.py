"""The upload of one evidence file for one item."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.formats.evidence import ACCEPT, allowed_types_text, inspect_upload, max_bytes, max_per_item
from assessments.models import Assessment
from indicators.models import Item


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.number} {obj.name}"


class EvidenceUploadForm(forms.Form):
    item = ItemChoiceField(queryset=Item.objects.none(), label=gettext_lazy("子项目"))
    file = forms.FileField(
        label=gettext_lazy("文件"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": gettext_lazy("请选择要上传的文件。"), "empty": gettext_lazy("文件是空的，请重新选择。")},
    )

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = cast(forms.ModelChoiceField, self.fields["item"])  # the form's copy of `item` above
        item_field.queryset = Item.objects.filter(system_id=assessment.round.indicator_system_id).in_outline_order()
        self.fields["file"].help_text = allowed_types_text() + _("每个文件最大 %(limit)s，每个子项目最多 %(count)s 个文件。") % {
            "limit": filesizeformat(max_bytes()), "count": max_per_item()}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        inspect_upload(upload)
        return upload
