"""Family-school notices (letters, pledges, responsibility letters), deliveries and signatures."""

import datetime
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import TimeStamped
from wuzha.orgs.models import OrgUnit, Person, _scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User

# An unambiguous alphabet for codes people type from paper: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_token() -> str:
    """A link token with 192 random bits (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def new_code() -> str:
    """A short fallback code printed on the paper receipt, e.g. K7Q2-MZ4P without the dash."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class NoticeKind(models.TextChoices):
    LETTER = "letter", _("致家长的一封信（回执）")
    PLEDGE = "pledge", _("学生承诺书")
    RESPONSIBILITY = "responsibility", _("责任状")
    CARD = "card", _("反诈明白卡（阅读确认）")
    APP = "app", _("安装国家反诈中心APP确认")
    CUSTOM = "custom", _("自定义")


class Audience(models.TextChoices):
    GUARDIANS = "guardians", _("学生家长（每名学生一份，任一监护人签署即可）")
    STUDENTS = "students", _("学生本人")
    STAFF = "staff", _("教职工")


class SignatureMode(models.TextChoices):
    DRAWN = "drawn", _("手写签名")
    TYPED = "typed", _("输入姓名并勾选确认")
    EITHER = "either", _("手写签名或输入姓名均可")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def visible_to(self, user: "User | AnonymousUser") -> "NoticeQuerySet":
        """Notices issued in the user's subtrees, or by a unit above one of the user's units."""
        q = _scope_q(user, "unit__")
        if q is None:
            return self
        if not user.is_authenticated:
            return self.none()
        paths = user.scope_paths()  # type: ignore[union-attr]
        step = OrgUnit.steplen
        # The issuing unit is an ancestor of (or equal to) one of the user's units: a class
        # teacher sees the school's letter to follow up their own class.
        ancestors = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
        above = Q(unit__path__in=sorted(ancestors))
        return self.filter(q | above) if paths else self.none()


class Notice(TimeStamped):
    """One letter, pledge or responsibility letter sent to a frozen list of recipients."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已发布")
        CLOSED = "closed", _("已截止")
        REVOKED = "revoked", _("已撤回")

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="notices", verbose_name=_("发布单位")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    audience = models.CharField(_("对象"), max_length=20, choices=Audience.choices)
    audience_units = models.ManyToManyField(
        OrgUnit, related_name="+", verbose_name=_("范围"), blank=True
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(
        _("正文"),
        help_text=_("可用变量：{学生姓名} {班级} {学校} {日期} {班主任}。空一行另起一段。"),
    )
    receipt_text = models.CharField(
        _("回执声明"),
        max_length=300,
        help_text=_("签署人确认的内容，例如“我已认真阅读并将配合学校做好防范工作”"),
    )
    signature_mode = models.CharField(
        _("签名方式"), max_length=10, choices=SignatureMode.choices, default=SignatureMode.EITHER
    )
    guardian_cosign = models.BooleanField(_("需要家长共同签名"), default=False)
    ask_app = models.BooleanField(_("询问是否已安装国家反诈中心APP"), default=True)
    deadline = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="draft")
    issued_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("家校告知")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="notices_notice_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def expires_at(self) -> datetime.datetime:
        """Links expire at the end of the deadline day, Beijing time."""
        end = datetime.datetime.combine(self.deadline, datetime.time.max)
        return timezone.make_aware(end, timezone.get_default_timezone())

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) > self.expires_at

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def per_student(self) -> bool:
        return self.audience == Audience.GUARDIANS

    @property
    def allows_drawn(self) -> bool:
        return self.signature_mode in {SignatureMode.DRAWN, SignatureMode.EITHER}

    @property
    def allows_typed(self) -> bool:
        return self.signature_mode in {SignatureMode.TYPED, SignatureMode.EITHER}


class ClassLink(models.Model):
    """One link per class of a notice, for the class group, with a light identity check."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="class_links")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("班级链接")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "unit"], name="notices_classlink_one_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.unit_id}"


class Delivery(models.Model):
    """One recipient of an issued notice: a student (their guardians sign) or a person who signs."""

    class State(models.TextChoices):
        PENDING = "pending", _("未签")
        ONLINE = "online", _("线上签署")
        PAPER = "paper", _("纸质回执")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="notice_deliveries")
    # The person's unit when the recipient list was frozen: progress is counted against it.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    signed_at = models.DateTimeField(null=True, blank=True)
    added_late = models.BooleanField(_("后补"), default=False)
    revoked_at = models.DateTimeField(_("链接作废时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("送达对象")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "person"], name="notices_delivery_one_per_person"
            ),
        ]
        indexes = [models.Index(fields=["notice", "unit", "state"])]

    def __str__(self) -> str:
        return f"{self.notice_id}→{self.person_id}"


class Relation(models.TextChoices):
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    OTHER = "other", _("其他监护人")
    SELF = "self", _("本人")


class Signature(models.Model):
    """An immutable signature on a delivery; a correction is a new row superseding the last one.

    The first signature of a delivery has no `supersedes`; a partial unique constraint allows only
    one such row per delivery, so two racing submissions produce exactly one signature. Each row
    can be superseded once (one-to-one), so corrections form a single chain.
    """

    class Method(models.TextChoices):
        DRAWN = "drawn", _("手写签名")
        TYPED = "typed", _("输入姓名确认")
        PAPER = "paper", _("纸质回执")
        VOID = "void", _("作废")

    class Via(models.TextChoices):
        PERSONAL = "personal", _("个人链接")
        CLASS = "class", _("班级链接")
        API = "api", _("接口")
        STAFF = "staff", _("工作人员登记")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="signatures")
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    via = models.CharField(_("途径"), max_length=10, choices=Via.choices)
    signer_name = models.CharField(_("签署人"), max_length=50, blank=True)
    relation = models.CharField(_("与学生关系"), max_length=20, choices=Relation.choices)
    cosigner_name = models.CharField(_("家长共同签名"), max_length=50, blank=True)
    # Stored in the row, not as a file: written in the same transaction as the signature, so a
    # lost race leaves nothing behind, and the record cannot drift from its image.
    image = models.BinaryField(_("签名图片"), null=True, blank=True, editable=False)
    # A photo of the paper receipt, or the optional screenshot of an installed APP.
    photo = models.FileField(_("照片/截图"), upload_to="notices/photos/%Y/%m/", blank=True)
    app_installed = models.BooleanField(_("已安装国家反诈中心APP"), default=False)
    signed_at = models.DateTimeField(_("时间"), default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("更正的记录"),
    )
    reason = models.CharField(_("更正原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("签署记录")
        verbose_name_plural = verbose_name
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery"],
                condition=Q(supersedes__isnull=True),
                name="notices_signature_one_original_per_delivery",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(reason=""),
                name="notices_signature_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.method} {self.signer_name}"

    @property
    def is_signed(self) -> bool:
        return self.method != self.Method.VOID


class Countersignature(models.Model):
    """The level above confirms a staff member's responsibility letter (责任状逐级签订)."""

    signature = models.OneToOneField(
        Signature, on_delete=models.PROTECT, related_name="countersignature"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上级会签")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.signature_id} ← {self.by_id}"


class RegisterView(models.Model):
    """Who looked at or exported the signatures of a class (minors' data: every view is logged)."""

    class What(models.TextChoices):
        CLASS_PAGE = "class_page", _("班级签收名单")
        REGISTER_XLSX = "register_xlsx", _("签收登记表")
        ARCHIVE_PDF = "archive_pdf", _("回执汇编PDF")
        LINKS_XLSX = "links_xlsx", _("链接清单")
        SIGNATURE = "signature", _("签名图片")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="register_views")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=20, choices=What.choices)
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("名单查看记录")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.what} {self.notice_id}/{self.unit_id}"


class PdfJob(models.Model):
    """A PDF generated in the background (letters to print, or the bound receipt archive)."""

    class Kind(models.TextChoices):
        LETTERS = "letters", _("打印版告知书（附回执）")
        ARCHIVE = "archive", _("回执汇编（装订成册）")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="pdf_jobs")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="notices/pdf/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    base_url = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("PDF生成任务")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.notice_id}/{self.unit_id} {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
