"""Writes to user accounts and their role grants. Each function is one transaction.

The checks repeat the database constraints on RoleGrant so that a refused change reaches the
admin as a sentence beside the field instead of an IntegrityError. Error keys are the field
names of `orgs.forms.people`, so a view can hand a ValidationError straight to its form.
"""

from __future__ import annotations

from typing import NoReturn

from axes.utils import reset as axes_reset
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import AdminAction, AdminKind, Change, record
from orgs.models import ROLES_WITH_ORGANIZATION, Organization, Role, RoleGrant
from orgs.scope import forget_roles
from orgs.services.accounts import mark_password_temporary
from orgs.services.history import grant_label, user_changes, user_label, user_snapshot

GRANT_LABEL = gettext_lazy("授权")


def _refuse(field: str, message: str, code: str) -> NoReturn:
    """Raise an error the people forms can show beside `field` (NON_FIELD_ERRORS: on top)."""
    raise ValidationError({field: ValidationError(message, code=code)})


def _check_username_free(username: str, *, exclude: User | None = None) -> None:
    # Case-insensitive, as Django's own UserCreationForm checks: "Zhang" and "zhang" side by
    # side would only confuse whoever has to tell them apart.
    taken = User.objects.filter(username__iexact=username)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        _refuse("username", _("用户名“%(username)s”已被使用。") % {"username": username}, "username_taken")


def _lock_user(user_id: int) -> None:
    # Grant checks read the user's other grants; holding the user's row makes two admins
    # changing the same user's grants at once take turns instead of racing to the constraint.
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


@transaction.atomic
def user_create(
    *, username: str, full_name: str, email: str, is_active: bool, password: str, by: User
) -> User:
    _check_username_free(username)
    # Chinese names are written as one string, so 姓名 lives in first_name and last_name stays
    # empty; get_full_name() then shows exactly what the admin typed.
    user = User(username=username, first_name=full_name, last_name="", email=email, is_active=is_active)
    user.set_password(password)
    user.save()
    record(actor=by, kind=AdminKind.USER, action=AdminAction.CREATE, page=user, target=user_label(user),
           changes=user_changes({}, user_snapshot(user)))
    mark_password_temporary(user)  # the admin knows it: the new user replaces it at first sign-in
    return user


@transaction.atomic
def user_update(
    *, user: User, username: str, full_name: str, email: str, is_active: bool,
    password: str | None = None, by: User,
) -> User:
    if user.pk == by.pk and not is_active:
        _refuse("is_active", _("不能停用自己的账号：停用后您将无法再登录。"), "self_deactivate")
    _check_username_free(username, exclude=user)
    before = user_snapshot(user)
    user.username, user.first_name, user.last_name = username, full_name, ""
    user.email, user.is_active = email, is_active
    fields = ["username", "first_name", "last_name", "email", "is_active"]
    if password:
        user.set_password(password)
        fields.append("password")
    user.save(update_fields=fields)
    changes = user_changes(before, user_snapshot(user))
    if changes:
        record(actor=by, kind=AdminKind.USER, action=AdminAction.UPDATE, page=user, target=user_label(user),
               changes=changes)
    if password:
        temporary = user.pk != by.pk
        if temporary:
            mark_password_temporary(user)  # as with user_set_temporary_password: the admin knows it
        # Never the password itself, nor its hash: only that it was set, by whom and when.
        record(actor=by, kind=AdminKind.USER, action=AdminAction.TEMPORARY if temporary else AdminAction.PASSWORD,
               page=user, target=user_label(user))
    return user


def _check_grant(user: User, role: str, organization: Organization | None) -> None:
    if role not in Role.values:
        _refuse("role", _("未知的角色。"), "unknown_role")
    label = Role(role).label
    if role in ROLES_WITH_ORGANIZATION and organization is None:
        _refuse(
            "organization_code",
            _("“%(role)s”角色必须指定党组织，请填写党组织编码。") % {"role": label},
            "organization_required",
        )
    if role not in ROLES_WITH_ORGANIZATION and organization is not None:
        _refuse(
            "organization_code",
            _("“%(role)s”角色不对应具体党组织，请清空党组织编码。") % {"role": label},
            "organization_forbidden",
        )
    same_role = RoleGrant.objects.filter(user=user, role=role)
    if same_role.filter(organization=organization).exists():
        _refuse(NON_FIELD_ERRORS, _("该用户已经拥有这项授权，无需重复添加。"), "duplicate")
    if role == Role.REPORTER:
        current = same_role.select_related("organization").first()
        if current is not None:
            _refuse(
                "organization_code",
                _(
                    "该用户已是“%(organization)s”的单位填报员。一个用户只能为一个党组织填报，"
                    "如需更换，请先移除原授权。"
                ) % {"organization": current.organization},
                "second_reporter_unit",
            )


@transaction.atomic
def grant_add(
    *, user: User, role: str, organization: Organization | None, by: User
) -> RoleGrant:
    """Give `user` a role; `by` is the admin doing it (the caller has checked they may)."""
    _lock_user(user.pk)
    _check_grant(user, role, organization)
    grant = RoleGrant.objects.create(user=user, role=role, organization=organization)
    forget_roles(user)
    record(actor=by, kind=AdminKind.GRANT, action=AdminAction.ADD, page=user, target=user_label(user),
           changes=[Change("grant", GRANT_LABEL, "", grant_label(grant))])
    return grant


@transaction.atomic
def grant_remove(*, grant: RoleGrant, by: User) -> None:
    # A superuser stays an admin without the grant; anyone else would lock themselves out of
    # these pages, and only another admin could let them back in.
    if grant.user_id == by.pk and grant.role == Role.ADMIN and not by.is_superuser:
        _refuse(
            NON_FIELD_ERRORS,
            _("不能移除您自己的管理员角色：移除后您将无法再管理用户。如确需移除，请由另一位管理员操作。"),
            "self_unadmin",
        )
    _lock_user(grant.user_id)
    label = grant_label(grant)
    grant.delete()
    forget_roles(grant.user)
    record(actor=by, kind=AdminKind.GRANT, action=AdminAction.REMOVE, page=grant.user,
           target=user_label(grant.user), changes=[Change("grant", GRANT_LABEL, label, "")])


@transaction.atomic
def user_unlock(*, user: User, by: User) -> int:
    """Lift the login lockouts of `user`'s username from every address; returns the count cleared.

    Only this username's failures are cleared: the other usernames' failures still count toward
    the address-wide throttle, so unlocking one account does not hand a sprayer a fresh budget.
    """
    cleared = axes_reset(username=user.get_username())
    if cleared:
        record(actor=by, kind=AdminKind.USER, action=AdminAction.UNLOCK, page=user, target=user_label(user),
               note=_("清除了 %(count)s 条登录失败记录。") % {"count": cleared})
    return cleared


@transaction.atomic
def address_unlock(*, address: str, by: User) -> int:
    """Lift the address-wide lock on `address` (every username's failures there); returns the count cleared.

    For an office behind one address that a sprayer locked: the admin has judged the address itself
    trustworthy, so its per-account failures go too.
    """
    cleared = axes_reset(ip=address)
    if cleared:
        record(actor=by, kind=AdminKind.LOGIN_LOCK, action=AdminAction.UNLOCK, page=None, target=address,
               note=_("清除了 %(count)s 条登录失败记录。") % {"count": cleared})
    return cleared
