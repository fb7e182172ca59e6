"""Types the apps share for users and requests.

Kaoping keeps Django's own user model (AUTH_USER_MODEL is not set), so annotations name
django.contrib.auth.models.User; code that looks the model up at run time may still use
get_user_model().
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

# Whoever made a request: signed in or not. Access helpers take this and answer "no" to the anonymous.
AnyUser = User | AnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """A request that reached a view behind @login_required, so its user is signed in.

    The pattern django-stubs documents for such views: the annotation only tells mypy what the
    decorator already guarantees at run time.
    """

    user: User
