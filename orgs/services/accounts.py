"""Writes to a user's own sign-in: passwords, the password an admin hands out, the second factor.

Each function is one transaction. Ending a user's sessions needs no session scan: Django keeps a
hash of the password in every session and drops a session whose hash no longer matches, so a new
password ends every session that was opened with the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.audit import AdminAction, AdminKind, record
from orgs.models import AccountState
from orgs.selectors.accounts import retry_in_seconds
from orgs.services.history import user_label

RECOVERY_CODE_COUNT = 10


def _set_must_change(user: User, value: bool) -> None:
    AccountState.objects.update_or_create(user=user, defaults={"must_change_password": value})


@transaction.atomic
def password_change(*, user: User, password: str) -> None:
    """The user chose a new password (the form has checked the old one and the validators)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountState.objects.filter(user=user).update(must_change_password=False)
    record(actor=user, kind=AdminKind.USER, action=AdminAction.PASSWORD, page=user, target=user_label(user),
           note=_("本人修改"))


@transaction.atomic
def user_set_temporary_password(*, user: User, password: str, by: User) -> None:
    """An admin hands `user` a password to replace at the next sign-in; `user`'s sessions end.

    `by` is the admin doing it (the caller has checked they may). One's own password is changed
    on the account page, which asks for the old one; a temporary password for oneself would
    only lock one's own session out.
    """
    if user.pk == by.pk:
        raise ValidationError(
            {"new_password1": ValidationError(_("请在“我的账号”页修改自己的密码。"), code="self_temporary")}
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    _set_must_change(user, True)
    record(actor=by, kind=AdminKind.USER, action=AdminAction.TEMPORARY, page=user, target=user_label(user),
           note=_("下次登录时须修改密码；现有登录已全部退出。"))


def mark_password_temporary(user: User) -> None:
    """For the people pages' own writes: a password typed by an admin is theirs to know, so it is temporary."""
    _set_must_change(user, True)


@transaction.atomic
def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def totp_enrol(*, user: User, device: TOTPDevice, token: str) -> Enrolment | None:
    """Confirm `device` with a code from the app; None if the code is wrong (the device counts it)."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    # One authenticator per person: an old one left behind would be a second way in.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(actor=user, kind=AdminKind.USER, action=AdminAction.ENROL, page=user, target=user_label(user))
    return Enrolment(device=device, recovery_codes=_new_recovery_codes(user))


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """A fresh set of one-time codes; every earlier code stops working. Shown once, stored as issued."""
    codes = _new_recovery_codes(user)
    record(actor=user, kind=AdminKind.USER, action=AdminAction.CODES, page=user, target=user_label(user))
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for __ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> int:
    """Remove `user`'s authenticator and recovery codes: they enrol again at their next sign-in.

    A session already verified by the removed device loses that verification at its next
    request (django-otp looks the device up again), so it, too, is sent to enrol.
    """
    if user.pk == by.pk:
        raise ValidationError(_("不能重置自己的两步验证：请由另一位管理员操作。"), code="self_reset")
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    if removed:
        record(actor=by, kind=AdminKind.USER, action=AdminAction.RESET_2FA, page=user, target=user_label(user),
               note=_("下次登录时须重新绑定身份验证器。"))
    return removed


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | StaticDevice | None
    retry_in_seconds: int = 0  # above 0: refused unread, too many wrong codes just now


@transaction.atomic
def two_factor_check(*, user: User, code: str) -> CodeCheck:
    """Check a code from the authenticator (six digits) or a recovery code; wrong ones are counted.

    Each device doubles the wait after every wrong code (django-otp's throttling, stored on the
    device row, locked here so that parallel guesses count one by one).
    """
    code = "".join(code.split()).lower()
    model = TOTPDevice if code.isdigit() else StaticDevice
    device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck(device=None)
    wait = retry_in_seconds(device)
    if wait:
        return CodeCheck(device=None, retry_in_seconds=wait)
    return CodeCheck(device=device if device.verify_token(code) else None)

