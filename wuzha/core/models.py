from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class SensitiveRead(models.Model):
    """One record each time a staff member reveals a sensitive field (PIPL access log)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("对象类型"), max_length=50)
    object_id = models.BigIntegerField(_("对象编号"))
    field = models.CharField(_("字段"), max_length=50)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["subject", "object_id"])]
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.subject}#{self.object_id}.{self.field}"


class RateLimitBucket(models.Model):
    """Hits on one key in one fixed window; shared by every web process through the database."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
