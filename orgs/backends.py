from typing import Any

from django.contrib.auth.backends import BaseBackend

from orgs.scope import roles_of


class RolePermissionBackend(BaseBackend):
    """Holders of the admin role have every model permission, as superusers do.

    Authentication stays with ModelBackend (behind axes); this backend only answers has_perm,
    so that checks such as `indicators.change_indicatorsystem` follow the role.
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return user_obj.is_active and roles_of(user_obj).is_admin
