"""Admins manage user accounts and role grants here; Django admin stays for superusers.

Every view asks `require_admin` (or `get_person_for_user`, which does) before it looks at the method,
so that anyone but an admin gets the same 403 whatever they send.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from common.audit import page_context
from common.login_throttle import account_locks, address_locks, locked_usernames
from common.typing import AuthenticatedHttpRequest
from orgs.access import get_grant_of_person, get_person_for_user, require_admin
from orgs.forms.people import GrantForm, UserForm
from orgs.models import Role
from orgs.scope import forget_roles, roles_of
from orgs.selectors.accounts import confirmed_totp
from orgs.selectors.people import grants_of, users_matching
from orgs.services import accounts
from orgs.services import people as people_services

PAGE_SIZE = 50


@login_required
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    page = Paginator(users_matching(query, role), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/people/user_list.html",
        {
            "page_obj": page, "query": query, "role": role, "role_choices": Role.choices,
            "locked": locked_usernames([person.username for person in page.object_list]),
        },
    )


@login_required
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = UserForm(request.POST) if request.method == "POST" else UserForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = people_services.user_create(
                username=data["username"], full_name=data["full_name"], email=data["email"],
                is_active=data["is_active"], password=data["password1"], by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("已创建用户“%(username)s”，请为其授予角色。") % {"username": person.username}
            )
            return redirect("people:user_edit", pk=person.pk)
    return render(request, "orgs/people/user_form.html", {"form": form, "person": None})


def _render_edit(
    request: HttpRequest, person: User, *, form: UserForm, grant_form: GrantForm,
    password_form: SetPasswordForm | None = None,
) -> HttpResponse:
    grants = grants_of(person)
    return render(
        request,
        "orgs/people/user_form.html",
        {
            "person": person,
            "form": form,
            "grant_form": grant_form,
            "grants": grants,
            "is_self": person.pk == request.user.pk,
            "locks": account_locks(person.get_username()),
            **page_context(person),

            "password_form": password_form or SetPasswordForm(person),
            "person_is_admin": roles_of(person).is_admin,
            "person_has_two_factor": confirmed_totp(person) is not None,
        },
    )


@login_required
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return _render_edit(request, person, form=UserForm(person=person), grant_form=GrantForm())
    form = UserForm(request.POST, person=person)
    if form.is_valid():
        data = form.cleaned_data
        try:
            people_services.user_update(
                user=person, username=data["username"], full_name=data["full_name"],
                email=data["email"], is_active=data["is_active"], password=data["password1"] or None,
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if person.pk == request.user.pk and data["password1"]:
                # Otherwise changing one's own password here would end one's own session.
                update_session_auth_hash(request, person)
            messages.success(request, _("已保存用户“%(username)s”。") % {"username": person.username})
            return redirect("people:user_edit", pk=person.pk)
    return _render_edit(request, person, form=form, grant_form=GrantForm())


@login_required
def grant_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    grant_form = GrantForm(request.POST)
    if grant_form.is_valid():
        try:
            grant = people_services.grant_add(
                user=person, role=grant_form.cleaned_data["role"],
                organization=grant_form.cleaned_data["organization_code"], by=request.user,
            )
        except ValidationError as error:
            grant_form.add_error(None, error)
        else:
            forget_roles(request.user)
            messages.success(request, _("已授予“%(grant)s”。") % {"grant": grant})
            return redirect("people:user_edit", pk=person.pk)
    return _render_edit(request, person, form=UserForm(person=person), grant_form=grant_form)


@login_required
def grant_remove(request: AuthenticatedHttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    grant = get_grant_of_person(person, grant_pk)
    try:
        people_services.grant_remove(grant=grant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        forget_roles(request.user)
        messages.success(request, _("已移除“%(grant)s”。") % {"grant": grant})
    return redirect("people:user_edit", pk=person.pk)


@login_required
def user_unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if people_services.user_unlock(user=person, by=request.user):
        messages.success(request, _("已解除用户“%(username)s”的登录锁定。") % {"username": person.username})
    else:
        messages.info(request, _("用户“%(username)s”当前没有被锁定。") % {"username": person.username})
    return redirect("people:user_edit", pk=person.pk)


@login_required
def address_lock_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    return render(request, "orgs/people/address_locks.html", {"locks": address_locks()})


@login_required
def address_unlock(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    address = request.POST.get("address", "").strip()[:64]
    if address and people_services.address_unlock(address=address, by=request.user):
        messages.success(request, _("已解除地址 %(address)s 的登录锁定。") % {"address": address})
    else:
        messages.info(request, _("地址 %(address)s 当前没有被锁定。") % {"address": address or "—"})
    return redirect("people:address_locks")


@login_required
def user_set_password(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A temporary password: the person must replace it at their next sign-in."""
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    password_form = SetPasswordForm(person, request.POST)
    if password_form.is_valid():
        try:
            accounts.user_set_temporary_password(
                user=person, password=password_form.cleaned_data["new_password1"], by=request.user
            )
        except ValidationError as error:
            # Only one's own account is refused, and its page shows no such form to put this beside.
            messages.error(request, " ".join(error.messages))
            return redirect("people:user_edit", pk=person.pk)
        else:
            messages.success(
                request,
                _("已为用户“%(username)s”设置临时密码：其现有登录已全部退出，下次登录时须修改密码。")
                % {"username": person.username},
            )
            return redirect("people:user_edit", pk=person.pk)
    return _render_edit(
        request, person, form=UserForm(person=person), grant_form=GrantForm(), password_form=password_form
    )


@login_required
def user_reset_two_factor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        removed = accounts.two_factor_reset(user=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if removed:
            messages.success(
                request, _("已重置用户“%(username)s”的两步验证，其下次登录时须重新绑定身份验证器。")
                % {"username": person.username},
            )
        else:
            messages.info(request, _("用户“%(username)s”尚未绑定身份验证器。") % {"username": person.username})
    return redirect("people:user_edit", pk=person.pk)
