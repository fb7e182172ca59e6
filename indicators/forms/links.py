from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Item, ItemLink, LinkKind


class ItemLinkForm(forms.Form):
    later = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("本版本子项目"))
    earlier = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("早期版本子项目"))
    kind = forms.ChoiceField(choices=LinkKind.choices, label=gettext_lazy("关系"))

    def __init__(self, *args: Any, later: QuerySet[Item], earlier: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["later"].queryset = later
        self.fields["earlier"].queryset = earlier
        self.fields["later"].error_messages["invalid_choice"] = _("请选择本版本中的子项目。")
        self.fields["earlier"].error_messages["invalid_choice"] = _("请选择来源版本中的子项目。")
        self.fields["earlier"].label_from_instance = lambda item: f"{item.system.title} · {item.number} {item.name}"

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        data = self.cleaned_data
        if (
            data.get("later") and data.get("earlier")
            and ItemLink.objects.filter(earlier=data["earlier"], later=data["later"]).exists()
        ):
            self.add_error("earlier", _("这两个子项目之间已经有沿革关系，如需修改请先删除原来的。"))
        return data
