"""Forms of the people pages. They parse and check what was typed; the rules that need the
database (free username, which grants may coexist) live in `orgs.services.people`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs.models import Organization, Role


class UserForm(forms.Form):
    """Create a user (`person` None, password required) or edit one (password optional)."""

    username = forms.CharField(
        label=_("用户名"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("登录时使用，可包含字母、数字、汉字及 @ . + - _ 符号。"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_active = forms.BooleanField(
        label=_("账号启用"), required=False, initial=True,
        help_text=_("停用的账号不能登录，其历史记录仍然保留。"),
    )
    # Passwords are never sent back to the browser, even when the form has errors: the page
    # may be cached or shoulder-surfed, and retyping two fields is a small price.
    password1 = forms.CharField(
        label=_("初始密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, person: User | None = None, **kwargs: Any) -> None:
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "username": person.username,
                "full_name": person.get_full_name(),
                "email": person.email,
                "is_active": person.is_active,
            }
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            self.fields["password1"].required = False
            self.fields["password1"].label = _("新密码")
            self.fields["password1"].help_text = _("不修改密码请留空。")
            self.fields["password2"].required = False
            self.fields["password2"].label = _("再次输入新密码")

    def clean_username(self) -> str:
        # NFKC, as Django does, so that full-width and half-width letters are one username.
        return User.normalize_username(self.cleaned_data["username"])

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1") or ""
        second = self.cleaned_data.get("password2") or ""
        if first != second:
            raise ValidationError(_("两次输入的密码不一致。"), code="password_mismatch")
        return second

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        cleaned = self.cleaned_data
        password = cleaned.get("password1")
        if password and "password2" not in self.errors:
            # The similarity validator compares against what the admin just typed, not the
            # stored values, since those are what the new password will sit beside.
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class GrantForm(forms.Form):
    role = forms.ChoiceField(
        label=_("角色"),
        # A blank first choice so that nobody becomes an admin by a careless click.
        choices=[("", _("— 请选择角色 —")), *Role.choices],
    )
    organization_code = forms.CharField(
        label=_("党组织编码"), required=False, max_length=32,
        help_text=_("宣传部分析员和单位填报员必填；管理员和考评员留空。"),
    )

    def clean_organization_code(self) -> Organization | None:
        code = self.cleaned_data["organization_code"].strip()
        if not code:
            return None
        organization = Organization.objects.filter(code=code).first()
        if organization is None:
            raise ValidationError(
                _("党组织编码“%(code)s”不存在，请检查后重新输入。"), code="unknown_organization",
                params={"code": code},
            )
        return organization
