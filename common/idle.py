"""Sessions end after KAOPING_IDLE_MINUTES without a request (0: never).

The session records when it was last seen, rewritten at most once a minute, so a busy user does
not cost a session write per request; the price is that the limit is kept to within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "kaoping_last_seen"
REFRESH_SECONDS = 60


def start_idle_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """At sign-in (user_logged_in), written with the login's own session save, not a request later."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Signs out a session idle past the limit and sends it to the login page with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        minutes = settings.KAOPING_IDLE_MINUTES
        user = getattr(request, "user", None)
        if minutes > 0 and user is not None and user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(seen, int) and now - seen > minutes * 60:
                logout(request)
                messages.warning(
                    request,
                    _("您已连续 %(minutes)s 分钟未操作，为保护账号安全已自动退出登录，请重新登录。")
                    % {"minutes": minutes},
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(seen, int) or now - seen >= REFRESH_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
