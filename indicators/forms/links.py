from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Item, ItemLink, LinkKind


class EarlierItemChoiceField(forms.ModelChoiceField):
    """An item of another edition, named with its edition."""

    def label_from_instance(self, obj: Item) -> str:
        return f"{obj.system.title} · {obj.number} {obj.name}"


class ItemLinkForm(forms.Form):
    later = forms.ModelChoiceField(queryset=Item.objects.none(), label=gettext_lazy("本版本子项目"))
    earlier = EarlierItemChoiceField(queryset=Item.objects.none(), label=gettext_lazy("早期版本子项目"))
    kind = forms.ChoiceField(choices=LinkKind.choices, label=gettext_lazy("关系"))

    def __init__(self, *args: Any, later: QuerySet[Item], earlier: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form's copies of the two fields declared above (self.fields is typed as plain Fields).
        later_field = cast(forms.ModelChoiceField, self.fields["later"])
        earlier_field = cast(forms.ModelChoiceField, self.fields["earlier"])
        later_field.queryset = later
        earlier_field.queryset = earlier
        later_field.error_messages["invalid_choice"] = _("请选择本版本中的子项目。")
        earlier_field.error_messages["invalid_choice"] = _("请选择来源版本中的子项目。")

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        data = self.cleaned_data
        if (
            data.get("later") and data.get("earlier")
            and ItemLink.objects.filter(earlier=data["earlier"], later=data["later"]).exists()
        ):
            self.add_error("earlier", _("这两个子项目之间已经有沿革关系，如需修改请先删除原来的。"))
        return data
