"""The case ledger (案件台账), the emergency stop-payment lane (紧急止付), aftercare and 一案双查.

Amounts are integer fen (分). Times are aware datetimes. Restricted fields (family situation,
source of the funds, aftercare) are shown in full only to the roles in `access.RESTRICTED_READERS`
and every such read is logged.
"""

import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import Notification, TimeStamped
from wuzha.learning.taxonomy import FraudType
from wuzha.orgs.models import OrgUnit, Person, _scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User

FRAUD_TYPE_CHOICES = [(c, label) for c, label in FraudType.choices if c != FraudType.NORMAL]


def _ack_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


class Channel(models.TextChoices):
    """How the fraudster reached the victim."""

    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT_QQ = "wechat_qq", _("微信/QQ")
    SHORT_VIDEO = "short_video", _("短视频/直播平台")
    GAME = "game", _("游戏平台")
    SHOPPING = "shopping", _("购物/二手平台")
    DATING = "dating", _("交友/婚恋平台")
    APP = "app", _("其他APP/网站")
    IN_PERSON = "in_person", _("当面")
    OTHER = "other", _("其他")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行卡转账")
    ALIPAY = "alipay", _("支付宝")
    WECHAT_PAY = "wechat_pay", _("微信支付")
    GAME_CURRENCY = "game_currency", _("游戏充值/点卡")
    GIFT_CARD = "gift_card", _("购物卡/礼品卡")
    CRYPTO = "crypto", _("虚拟币")
    CASH = "cash", _("现金")
    OTHER = "other", _("其他")


class VictimKind(models.TextChoices):
    STUDENT = "student", _("学生")
    STAFF = "staff", _("教职工")
    GUARDIAN = "guardian", _("家长")
    RESIDENT = "resident", _("居民")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: "User | AnonymousUser") -> "CaseQuerySet":
        q = _scope_q(user, "unit__")
        return self if q is None else self.filter(q)

    def in_subtree(self, unit: OrgUnit) -> "CaseQuerySet":
        return self.filter(unit__path__startswith=unit.path)


class Case(TimeStamped):
    """One fraud case against a person of a unit: what happened, the loss, and its handling."""

    class Status(models.TextChoices):
        OPEN = "open", _("登记")
        REPORTED = "reported", _("已报警")
        INVESTIGATING = "investigating", _("侦办中")
        CLOSED = "closed", _("已结案")

    class StopResult(models.TextChoices):
        PENDING = "pending", _("等待结果")
        FROZEN = "frozen", _("已全部止付冻结")
        PARTIAL = "partial", _("部分止付冻结")
        FAILED = "failed", _("未能止付")

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("所属单位")
    )
    victim = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("受害人（名册中）"),
    )
    victim_name = models.CharField(_("受害人姓名"), max_length=50)
    victim_kind = models.CharField(
        _("受害人类别"), max_length=10, choices=VictimKind.choices, default=VictimKind.STUDENT
    )
    occurred_at = models.DateTimeField(_("转账/被骗时间"))
    discovered_at = models.DateTimeField(_("发现时间"), null=True, blank=True)
    reported_school_at = models.DateTimeField(_("报告学校时间"), null=True, blank=True)
    reported_police_at = models.DateTimeField(_("报警时间"), null=True, blank=True)
    fraud_type = models.CharField(
        _("诈骗类型"), max_length=30, choices=FRAUD_TYPE_CHOICES, default=FraudType.OTHER
    )
    channel = models.CharField(_("接触渠道"), max_length=20, choices=Channel.choices)
    amount_lost_fen = models.BigIntegerField(_("损失金额（分）"), default=0)
    payment_method = models.CharField(
        _("支付方式"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    receiving_account = models.CharField(
        _("收款账户"), max_length=200, blank=True, help_text=_("银行卡号、支付宝/微信账号、户名等")
    )
    police_case_number = models.CharField(_("警情/案件编号"), max_length=60, blank=True)
    narrative = models.TextField(_("案件经过"), blank=True)
    funds_source = models.TextField(_("被骗资金来源"), blank=True)
    family_situation = models.TextField(_("家庭情况"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default="open")
    amount_recovered_fen = models.BigIntegerField(_("追回金额（分）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    client_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    # The emergency lane.
    is_emergency = models.BooleanField(_("紧急止付"), default=False)
    ack_token = models.CharField(max_length=64, unique=True, default=_ack_token, editable=False)
    ack_expires_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(_("首次通知送达时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("警方确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_name = models.CharField(_("确认人"), max_length=50, blank=True)
    stop_result = models.CharField(
        _("止付结果"), max_length=10, choices=StopResult.choices, blank=True
    )
    stop_result_at = models.DateTimeField(_("止付结果时间"), null=True, blank=True)
    amount_frozen_fen = models.BigIntegerField(_("止付冻结金额（分）"), default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件台账")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_lost_fen__gte=0)
                & Q(amount_recovered_fen__gte=0)
                & Q(amount_frozen_fen__gte=0),
                name="cases_case_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(victim_name=""), name="cases_case_victim_name_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["unit", "occurred_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_fraud_type_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def review_required(self) -> bool:
        return self.amount_lost_fen >= settings.CASE_FULL_REVIEW_THRESHOLD_FEN

    @property
    def review_done(self) -> bool:
        """A full review has been recorded (by a leader, with its conclusion and time)."""
        review = getattr(self, "review", None)
        return review is not None and review.reviewed_at is not None

    @property
    def close_blocked(self) -> bool:
        """Closing is refused: a large case without a completed full review."""
        return self.review_required and not self.review_done

    @property
    def waiting_for_police(self) -> bool:
        return self.is_emergency and self.acknowledged_at is None


class CaseEvent(models.Model):
    """One moment of a case's timeline; the emergency minutes are measured between these."""

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("转账")
        DISCOVERED = "discovered", _("发现被骗")
        REPORTED_SCHOOL = "reported_school", _("报告学校")
        NOTIFIED = "notified", _("通知送达")
        ACKNOWLEDGED = "acknowledged", _("警方确认")
        REPORTED_POLICE = "reported_police", _("报警")
        STOP_RESULT = "stop_result", _("止付结果")
        STATUS = "status", _("状态变更")
        NOTE = "note", _("备注")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%H:%M}"


class CaseAlert(models.Model):
    """One emergency message to one destination; robots/email through `core.notify`, SMS here."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        SMS = "sms", _("短信")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    destination = models.CharField(_("接收方"), max_length=100)
    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # SMS only (notify has no SMS channel yet): its own status and attempts.
    mobile = models.CharField(max_length=11, blank=True)
    sms_status = models.CharField(max_length=10, choices=Notification.Status.choices, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    sms_error = models.TextField(blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("紧急通知")
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} → {self.destination}"

    @property
    def status(self) -> str:
        if self.channel == self.Channel.SMS:
            return self.sms_status
        return self.notification.status if self.notification else Notification.Status.FAILED

    @property
    def attempts(self) -> int:
        if self.channel == self.Channel.SMS:
            return self.sms_attempts
        return self.notification.attempts if self.notification else 0

    @property
    def error(self) -> str:
        if self.channel == self.Channel.SMS:
            return self.sms_error
        return self.notification.last_error if self.notification else ""

    @property
    def sent_at(self):  # type: ignore[no-untyped-def]
        if self.channel == self.Channel.SMS:
            return self.sms_sent_at
        return self.notification.sent_at if self.notification else None

    def get_status_display(self) -> str:
        return str(Notification.Status(self.status).label) if self.status else ""


class AftercarePlan(TimeStamped):
    """The counselling plan for one victim (心理疏导); restricted like key-person files."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="aftercare")
    plan = models.TextField(_("疏导计划"))
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责人"),
    )
    next_session_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("心理疏导计划")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"aftercare {self.case_id}"


class AftercareNote(models.Model):
    class Kind(models.TextChoices):
        TALK = "talk", _("谈心谈话")
        COUNSELLING = "counselling", _("心理咨询")
        PARENT = "parent", _("家长沟通")
        REFERRAL = "referral", _("转介")
        OTHER = "other", _("其他")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="aftercare_notes")
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    text = models.TextField(_("记录"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("心理疏导记录")
        verbose_name_plural = verbose_name
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class CaseReview(TimeStamped):
    """The full review record required for a case above the configured amount."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="review")
    findings = models.TextField(_("复盘经过与原因"))
    responsibility = models.TextField(_("责任认定"), blank=True)
    measures = models.TextField(_("整改措施"))
    conclusion = models.TextField(_("复盘结论"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("复盘人"),
    )
    # Set when a leader saves the review: from then on the case may be closed.
    reviewed_at = models.DateTimeField(_("复盘完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("大额案件复盘")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"review {self.case_id}"


class DualCheck(models.Model):
    """One run of 一案双查 for a case: what the report found when it was generated."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dual_checks")
    window_start = models.DateField()
    window_end = models.DateField()
    education_events = models.PositiveIntegerField(default=0)
    no_education = models.BooleanField(default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("一案双查")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"dual check {self.case_id} {self.at:%Y-%m-%d}"


class Inquiry(TimeStamped):
    """A responsibility inquiry (责任倒查) opened when a victim received no education."""

    class Status(models.TextChoices):
        OPEN = "open", _("待调查")
        CLOSED = "closed", _("已办结")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inquiries")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    finding = models.TextField(_("调查结论"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("责任倒查")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="cases_inquiry_one_open_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"inquiry {self.case_id} ({self.status})"
