"""The filters of the administrative log: who, what kind, which days, and optionally one object."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.models import AdminKind

User = get_user_model()
_PAGE = re.compile(r"^(\d{1,9}):([\w-]{1,64})$")


class AdminLogFilter(forms.Form):
    person = forms.CharField(label=_("操作人用户名"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部类别")), *AdminKind.choices])
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    on = forms.CharField(required=False, widget=forms.HiddenInput, max_length=80)

    def clean_person(self) -> int | None:
        username = self.cleaned_data["person"].strip()
        if not username:
            return None
        actor_id = User.objects.filter(username__iexact=username).values_list("pk", flat=True).first()
        if actor_id is None:
            raise forms.ValidationError(_("没有用户名为“%(username)s”的用户。"), params={"username": username})
        return actor_id

    def clean_on(self) -> tuple[int, str] | None:
        match = _PAGE.match(self.cleaned_data["on"].strip())
        return (int(match[1]), match[2]) if match else None

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "actor_id": data.get("person"), "kind": data.get("kind", ""), "since": data.get("since"),
            "until": data.get("until"), "page": data.get("on"),
        }
