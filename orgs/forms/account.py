"""Forms of the account pages. Passwords use Django's own forms (old password, validators, Chinese
messages); the second factor takes one code, from the authenticator or a recovery code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"), max_length=32, strip=True,
        help_text=_("身份验证器中的 6 位数字；手机不在身边时，可输入一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class EnrolCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("添加后，身份验证器显示的 6 位数字。")
        self.fields["code"].widget.attrs["inputmode"] = "numeric"
