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


def _public_token() -> str:
    import secrets

    return secrets.token_urlsafe(12)


class EvidenceFile(models.Model):
    """One stored evidence file (photo, video, PDF, Word, Excel), kept once per SHA-256.

    Who may download it is decided by the records that link to it (a submission, a campaign,
    a rectification), never by the file itself.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("照片")
        VIDEO = "video", _("视频")
        PDF = "pdf", _("PDF")
        WORD = "word", _("Word 文档")
        EXCEL = "excel", _("Excel 表格")

    token = models.CharField(max_length=32, unique=True, default=_public_token, editable=False)
    sha256 = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("大小"))
    file = models.FileField(upload_to="evidence/", max_length=200)
    thumbnail = models.FileField(upload_to="evidence/thumbs/", max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证明材料文件")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE


class NotificationChannel(models.Model):
    """A group-robot webhook (WeCom or DingTalk) configured for a unit and its subtree."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.CASCADE, related_name="notification_channels"
    )
    kind = models.CharField(_("渠道"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉机器人“加签”安全设置的密钥")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "webhook_url"], name="core_notificationchannel_unique_url"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Notification(models.Model):
    """One message to one destination, with its delivery attempts; failures are retried."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    robot = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}:{self.subject} ({self.status})"
