"""The administrative history: who changed which user, grant, organization, round or edition.

Score changes have their own trail (assessments.AuditEvent, tied to an assessment). This table
is for everything an admin does, so it names the object by content type and id instead of a
foreign key per kind: one table, one index, one log page, whatever the kind.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdminKind(models.TextChoices):
    USER = "user", _("用户")
    GRANT = "grant", _("角色授权")
    ORGANIZATION = "organization", _("党组织")
    ROUND = "round", _("考评批次")
    PARTICIPANT = "participant", _("参评单位")
    ASSIGNMENT = "assignment", _("考评分工")
    EDITION = "edition", _("指标体系版本")
    ITEM_LINK = "item_link", _("子项目对应关系")
    LOGIN_LOCK = "login_lock", _("登录锁定")


class AdminAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    ADD = "add", _("加入")
    REMOVE = "remove", _("移除")
    COPY = "copy", _("沿用上年")
    IMPORT = "import", _("导入")
    PUBLISH = "publish", _("发布")
    PASSWORD = "password", _("设置密码")
    TEMPORARY = "temporary", _("设置临时密码")
    ENROL = "enrol", _("绑定两步验证")
    CODES = "codes", _("重新生成恢复码")
    RESET_2FA = "reset_2fa", _("重置两步验证")
    UNLOCK = "unlock", _("解除锁定")
    STATE = "state", _("状态变更")


class AdminEvent(models.Model):
    """One administrative change, written by the service in the same transaction as the change."""

    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    kind = models.CharField(_("类别"), max_length=16, choices=AdminKind.choices)
    action = models.CharField(_("操作"), max_length=12, choices=AdminAction.choices)
    # The page the change belongs to: a grant shows on its user's page, a participant on its
    # round's. The id is kept as text so that a deleted object's history stays readable. None
    # for what has no page of its own (a login lock on an address): such rows are in the log only.
    page_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    page_id = models.CharField(max_length=64, blank=True)
    # What was changed, as it read at the time: the object may be renamed or gone later.
    target = models.CharField(_("对象"), max_length=300)
    # [{"field": key, "label": Chinese label (a msgid), "old": text, "new": text}, ...]
    changes = models.JSONField(_("变更"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("管理操作记录")
        verbose_name_plural = _("管理操作记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["page_type", "page_id", "-at"], name="adminevent_page_at_idx"),
            models.Index(fields=["-at", "-id"], name="adminevent_at_idx"),
            models.Index(fields=["actor", "-at"], name="adminevent_actor_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=AdminKind.values), name="adminevent_kind_known"),
            models.CheckConstraint(condition=models.Q(action__in=AdminAction.values), name="adminevent_action_known"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.get_action_display()} {self.target}"
