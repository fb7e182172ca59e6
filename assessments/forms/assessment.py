"""The reason asked for when an assessment is returned or reopened."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class ReasonForm(forms.Form):
    # The same message as the service's, so the page says the same whichever layer refuses.
    reason = forms.CharField(
        label=gettext_lazy("理由"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写理由。")},
    )
