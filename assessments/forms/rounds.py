"""Forms of the round pages. They parse what was typed and say what is wrong next to the field;
rules that need the round's current state (closed, already scored) live in the services."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import MergeMethod, Round
from assessments.selectors.rounds import newest_edition, previous_round_choices
from indicators.models import IndicatorSystem
from orgs.models import Organization, Role, RoleGrant, subtree_of

User = get_user_model()
# Usernames may be separated by spaces, commas (either width), 、 or semicolons.
USERNAME_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_THRESHOLD = Decimal("99.9")


class RoundSettingsForm(forms.Form):
    """What an admin may set on a round at any time while it is open."""

    title = forms.CharField(label=_("批次名称"), max_length=200)
    deadline = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请按“年-月-日”填写日期，例如 2026-12-31。")},
    )
    merge_method = forms.ChoiceField(
        label=_("多名考评员的合成方式"), choices=MergeMethod.choices, initial=MergeMethod.MEAN,
        help_text=_("一个党组织有多名考评员时，按此方式合成该组织的得分；选“主考评员评分”时须为每个组织指定主考评员。"),
    )
    disagreement_threshold = forms.DecimalField(
        label=_("分歧提示阈值（分）"), initial=Decimal("1.0"), max_digits=4, decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
        error_messages={"invalid": _("请填写一个数字，例如 1 或 1.5。")},
        help_text=_("同一子项目各考评员评分相差超过此值时，提示审核人关注。"),
    )
    approvers = forms.CharField(
        label=_("审核人"), required=False,
        help_text=_("除管理员外可审核、退回本批次考评结果的人员，填写用户名，多个用空格或逗号分隔。"),
    )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写批次名称。"))
        return title

    def clean_disagreement_threshold(self) -> Decimal:
        value = self.cleaned_data["disagreement_threshold"]
        if value < 0 or value > MAX_THRESHOLD:
            raise forms.ValidationError(_("分歧提示阈值应在 0 至 99.9 分之间。"))
        return value

    def clean_approvers(self) -> list[Any]:
        names = [name for name in USERNAME_SEPARATORS.split(self.cleaned_data["approvers"]) if name]
        found = {user.username: user for user in User.objects.filter(username__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise forms.ValidationError(
                _("以下用户名不存在：%(names)s。"), params={"names": "、".join(missing)}, code="unknown_user"
            )
        inactive = [name for name in names if not found[name].is_active]
        if inactive:
            raise forms.ValidationError(
                _("以下用户已停用，不能担任审核人：%(names)s。"), params={"names": "、".join(inactive)},
                code="inactive_user",
            )
        return list({user.pk: user for user in found.values()}.values())


class RoundCreateForm(RoundSettingsForm):
    previous = forms.ModelChoiceField(
        label=_("从上一批次沿用"), required=False, queryset=Round.objects.none(),
        # Chosen in a separate GET form above, which also fills in that round's settings.
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("所选的上一批次不存在，请重新选择。")},
    )
    year = forms.IntegerField(
        label=_("考评年度"), error_messages={"invalid": _("请填写四位数的年份，例如 2026。")},
    )
    indicator_system = forms.ModelChoiceField(
        label=_("指标体系版本"), queryset=IndicatorSystem.objects.selectable_for_rounds(),
        empty_label=_("— 请选择已发布的版本 —"),
        # A draft or archived edition posted by hand lands here, as does a deleted one.
        error_messages={"invalid_choice": _("只能选择已发布的指标体系版本（草稿和已归档的版本不能用于新批次）。")},
    )
    field_order = [
        "previous", "year", "title", "indicator_system", "deadline", "merge_method",
        "disagreement_threshold", "approvers",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        previous = cast(forms.ModelChoiceField, self.fields["previous"])  # the form's copy of `previous`
        previous.queryset = previous_round_choices()

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("考评年度应在 2000 至 2100 年之间。"))
        return year

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("截止日期不能早于今天。"))
        return deadline

    def clean_indicator_system(self) -> IndicatorSystem:
        # The queryset check ran already; a second look closes the window in which an
        # edition was archived between loading the page and posting it.
        system = self.cleaned_data["indicator_system"]
        if not IndicatorSystem.objects.selectable_for_rounds().filter(pk=system.pk).exists():
            raise forms.ValidationError(self.fields["indicator_system"].error_messages["invalid_choice"])
        return system


def initial_from_previous(previous: Round) -> dict[str, Any]:
    """The create form filled in from the round being carried over, a year later."""
    newest = newest_edition()
    return {
        "previous": previous.pk,
        "year": min(previous.year + 1, 2100),
        "title": previous.title,
        "indicator_system": newest.pk if newest else None,
        "merge_method": previous.merge_method,
        "disagreement_threshold": previous.disagreement_threshold,
        "approvers": " ".join(previous.approvers.order_by("username").values_list("username", flat=True)),
    }


def initial_from_round(round: Round) -> dict[str, Any]:
    return {
        "title": round.title,
        "deadline": round.deadline,
        "merge_method": round.merge_method,
        "disagreement_threshold": round.disagreement_threshold,
        "approvers": " ".join(round.approvers.order_by("username").values_list("username", flat=True)),
    }


class OrganizationCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("党组织编码"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


def _organization_by_code(code: str) -> Organization:
    organization = Organization.objects.filter(code=code.strip()).first()
    if organization is None:
        raise forms.ValidationError(
            _("党组织编码“%(code)s”不存在，请检查后重新输入。"), params={"code": code.strip()}, code="unknown"
        )
    return organization


class _TargetForm(forms.Form):
    """One organization, or it and its whole subtree."""

    organization_code = OrganizationCodeField()
    include_subtree = forms.BooleanField(label=_("含全部下级"), required=False)

    def clean_organization_code(self) -> Organization:
        return _organization_by_code(self.cleaned_data["organization_code"])

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns self.cleaned_data; django-stubs types it Optional
        cleaned = self.cleaned_data
        organization = cleaned.get("organization_code")
        if organization is not None and not organization.is_active and not cleaned.get("include_subtree"):
            self.add_error(
                "organization_code",
                forms.ValidationError(
                    _("“%(name)s”已撤销，不能进入考评批次。"), params={"name": organization.name}, code="inactive"
                ),
            )
        return cleaned

    def organizations(self) -> Any:
        organization: Organization = self.cleaned_data["organization_code"]
        if self.cleaned_data["include_subtree"]:
            return Organization.objects.filter(subtree_of(organization.path), is_active=True)
        return Organization.objects.filter(pk=organization.pk)


class AddOrganizationsForm(_TargetForm):
    pass


class AssignForm(_TargetForm):
    evaluator = forms.CharField(
        label=_("考评员"), max_length=150,
        help_text=_("填写用户名，或从列表中选择持有考评员角色的用户。"),
        widget=forms.TextInput(attrs={"list": "evaluator-choices", "autocomplete": "off"}),
    )
    lead = forms.BooleanField(
        label=_("设为主考评员"), required=False,
        help_text=_("勾选后，该考评员成为所选党组织的主考评员，原主考评员改为普通考评员。"),
    )
    field_order = ["evaluator", "organization_code", "include_subtree", "lead"]

    def clean_evaluator(self) -> Any:
        username = self.cleaned_data["evaluator"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("用户名“%(name)s”不存在。"), params={"name": username}, code="unknown")
        if not user.is_active:
            raise forms.ValidationError(_("用户“%(name)s”已停用。"), params={"name": username}, code="inactive")
        if not RoleGrant.objects.filter(user=user, role=Role.EVALUATOR).exists():
            raise forms.ValidationError(
                _("用户“%(name)s”没有考评员角色，请先在用户管理中授予。"), params={"name": username},
                code="not_evaluator",
            )
        return user


class CloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已确认：结束后本批次的评分、分工和审核都不能再修改。"),
        error_messages={"required": _("请勾选确认后再结束本批次。")},
    )
