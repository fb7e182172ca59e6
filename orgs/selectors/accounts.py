"""Reads of a user's own sign-in: an owed password, the second factor and its recovery codes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import AccountState
from orgs.scope import AnyUser, roles_of

# The session remembers that a password is owed, so the gate reads no table on every request.
MUST_CHANGE_SESSION_KEY = "kaoping_must_change_password"


def must_change_password(user: User) -> bool:
    return AccountState.objects.filter(user=user, must_change_password=True).exists()


def two_factor_required(user: AnyUser) -> bool:
    """Admins (superusers included) need a second factor while the setting is on; nobody is exempt."""
    return bool(settings.KAOPING_ADMIN_2FA) and roles_of(user).is_admin


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def retry_in_seconds(device: TOTPDevice | StaticDevice) -> int:
    """0 if the device takes a code now, else the seconds left of the wait its wrong codes earned."""
    allowed, detail = device.verify_is_allowed()
    if allowed:
        return 0
    until = (detail or {}).get("locked_until")
    return max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
