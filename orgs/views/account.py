"""A user's own account: the account page, changing one's password, and an admin's second factor.

The two-factor pages are for admins only (`require_admin`); a session not yet verified reaches
nothing else (orgs.account_gate), so these pages are where the gate sends it.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_otp import login as otp_login
from qrcode.image.svg import SvgPathImage

from common.typing import AuthenticatedHttpRequest
from orgs.access import require_admin
from orgs.forms.account import CodeForm, EnrolCodeForm
from orgs.scope import roles_of
from orgs.selectors.accounts import (
    MUST_CHANGE_SESSION_KEY,
    confirmed_totp,
    recovery_codes_left,
    retry_in_seconds,
    two_factor_required,
)
from orgs.services import accounts


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


@login_required
@require_safe
def account_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"is_admin": roles_of(user).is_admin}
    if context["is_admin"]:
        device = confirmed_totp(user)
        context |= {
            "two_factor_required": two_factor_required(user),
            "device": device,
            "codes_left": recovery_codes_left(user) if device else 0,
        }
    return render(request, "orgs/account/index.html", context)


@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accounts.password_change(user=request.user, password=form.cleaned_data["new_password1"])
        # The new hash ends every other session of this user; this one is kept.
        update_session_auth_hash(request, request.user)
        request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        messages.success(request, _("密码已修改。您在其他浏览器或设备上的登录均已退出。"))
        return redirect(_next_url(request, "account:index"))
    owed = bool(request.session.get(MUST_CHANGE_SESSION_KEY))
    return render(
        request, "orgs/account/password_change.html", {"form": form, "owed": owed, "next": request.GET.get("next", "")}
    )


def _qr_svg(text: str) -> str:
    # SVG paths, not a bitmap: no image library needed, and no inline style for the CSP to refuse.
    svg = qrcode.make(text, image_factory=SvgPathImage, border=2).to_string(encoding="unicode")
    return mark_safe(svg)  # noqa: S308 (made here from the device's own URL, no user input)


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _wrong_code(check: accounts.CodeCheck) -> str:
    if check.retry_in_seconds:
        return _("错误次数过多，请在 %(seconds)s 秒后再试。") % {"seconds": check.retry_in_seconds}
    return _("验证码不正确或已过期，请重新输入。")


def _show_recovery_codes(request: HttpRequest, codes: list[str], *, enrolled: bool) -> HttpResponse:
    return render(
        request, "orgs/account/recovery_codes.html",
        {"codes": codes, "enrolled": enrolled, "next": _next_url(request, "home" if enrolled else "account:index")},
    )


@login_required
def two_factor_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if confirmed_totp(request.user) is not None:
        messages.info(request, _("您已启用两步验证。"))
        return redirect("account:index")
    device = accounts.totp_device_for_enrolment(user=request.user)
    form = EnrolCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wait = retry_in_seconds(device)
        enrolment = None if wait else accounts.totp_enrol(user=request.user, device=device, token=form.cleaned_data["code"])
        if enrolment is not None:
            otp_login(request, enrolment.device)
            return _show_recovery_codes(request, enrolment.recovery_codes, enrolled=True)
        form.add_error("code", _wrong_code(accounts.CodeCheck(device=None, retry_in_seconds=wait)))
    return render(
        request, "orgs/account/two_factor_enrol.html",
        {"form": form, "qr": _qr_svg(device.config_url), "secret": _spaced(b32encode(device.bin_key).decode()),
         "next": request.GET.get("next", "")},
    )


@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if confirmed_totp(request.user) is None:
        return redirect("account:two_factor_enrol")
    if request.user.is_verified():  # type: ignore[attr-defined]  # django_otp's OTPMiddleware adds it
        return redirect(_next_url(request, "home"))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = accounts.two_factor_check(user=request.user, code=form.cleaned_data["code"])
        if check.device is not None:
            otp_login(request, check.device)
            return redirect(_next_url(request, "home"))
        form.add_error("code", _wrong_code(check))
    return render(request, "orgs/account/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def recovery_codes_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if confirmed_totp(request.user) is None:
        return redirect("account:two_factor_enrol")
    codes = accounts.recovery_codes_regenerate(user=request.user)
    return _show_recovery_codes(request, codes, enrolled=False)

