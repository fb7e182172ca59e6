"""What a signed-in user must do before anything else: the second factor, then an owed password.

Until then every request is sent to that one page; logging out, switching the language and
static files stay open. The Django admin is behind this gate as well, so /admin/ needs the
second factor too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse

from orgs.selectors.accounts import MUST_CHANGE_SESSION_KEY, confirmed_totp, must_change_password, two_factor_required


def remember_owed_password(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """At sign-in (user_logged_in): note in the session whether a new password is owed.

    A temporary password changes the password hash, which ends every session opened before it,
    so the note taken here cannot go stale in another session.
    """
    if request is None or not hasattr(request, "session"):
        return
    if must_change_password(user):
        request.session[MUST_CHANGE_SESSION_KEY] = True
    else:
        request.session.pop(MUST_CHANGE_SESSION_KEY, None)


def owed_step(request: HttpRequest, user: User) -> str | None:
    """The path of the page the signed-in user must go through first, if any."""
    if two_factor_required(user) and not user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware adds it
        step = "account:two_factor_verify" if confirmed_totp(user) else "account:two_factor_enrol"
        return reverse(step)
    if request.session.get(MUST_CHANGE_SESSION_KEY):
        return reverse("account:password_change")
    return None


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated and not self._always_open(request.path):
            step = owed_step(request, request.user)
            if step is not None and request.path != step:
                return HttpResponseRedirect(f"{step}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _always_open(path: str) -> bool:
        return path in (reverse("logout"), reverse("set_language")) or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
