from typing import Any

from django.http import HttpRequest

from orgs.scope import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """`roles` in every template: what the navigation may offer this user."""
    return {"roles": roles_of(request.user) if hasattr(request, "user") else None}
