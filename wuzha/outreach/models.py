"""What outreach actually happened: activities and who attended, chat groups, household visits.

Coverage is never stored here: it is derived from these records (see `channels.py`).
"""

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import EvidenceFile, TimeStamped
from wuzha.learning.taxonomy import FRAUD_CODES, FraudType
from wuzha.orgs.models import OrgUnit, Person, PersonKind, _scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User

# A group checked longer ago than this is shown as overdue for a check.
GROUP_CHECK_DAYS = 30


class ActivityKind(models.TextChoices):
    CLASS_MEETING = "class_meeting", _("主题班会")
    LECTURE = "lecture", _("专题讲座")
    WARNING = "warning", _("警示教育")
    LEGAL = "legal", _("法制教育")
    PARENT_MEETING = "parent_meeting", _("家长会")
    BROADCAST = "broadcast", _("校园广播")
    POSTER = "poster", _("海报/展板")
    POST = "post", _("推文/视频")
    TRAINING = "training", _("培训")
    VOLUNTEER = "volunteer", _("反诈志愿活动")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    """Who an activity is for; the values are the `PersonKind` values they reach."""

    STUDENT = PersonKind.STUDENT.value, _("学生")
    GUARDIAN = PersonKind.GUARDIAN.value, _("家长")
    STAFF = PersonKind.STAFF.value, _("教职工")
    RESIDENT = PersonKind.RESIDENT.value, _("居民")


class AttendanceMode(models.TextChoices):
    ROSTER = "roster", _("按名册点名")
    COUNT = "count", _("只记人数")
    SHEET = "sheet", _("签到表照片和人数")


def _check_codes(values: object, allowed: tuple[str, ...] | list[str], message: str) -> None:
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise ValidationError(message)


def fraud_labels(codes: list[str]) -> list[str]:
    return [str(FraudType(c).label) for c in codes if c in FraudType.values]


class ActivityQuerySet(models.QuerySet["Activity"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ActivityQuerySet":
        q = _scope_q(user, "unit__")
        return self if q is None else self.filter(q)

    def in_subtree(self, unit: OrgUnit) -> "ActivityQuerySet":
        return self.filter(unit__path__startswith=unit.path)

    def between(self, start: datetime.date, end: datetime.date) -> "ActivityQuerySet":
        return self.filter(date__gte=start, date__lte=end)


class Activity(TimeStamped):
    """An education activity (宣传教育活动) that took place: a class meeting, a lecture."""

    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="outreach_activities",
        verbose_name=_("组织单位"),
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("活动主题"), max_length=100)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    speaker = models.CharField(
        _("主讲人"), max_length=100, blank=True, help_text=_("如：城关派出所民警张警官")
    )
    fraud_types = models.JSONField(_("涉及诈骗类型"), default=list, blank=True)
    audiences = models.JSONField(_("对象"), default=list)
    description = models.TextField(_("活动内容"), blank=True)
    attendance_mode = models.CharField(
        _("出勤记录方式"),
        max_length=10,
        choices=AttendanceMode.choices,
        default=AttendanceMode.ROSTER,
    )
    headcount = models.PositiveIntegerField(
        _("参加人数"), null=True, blank=True, help_text=_("按名册点名时由出勤名单自动计算")
    )
    # Generated when the form is shown: the same form submitted twice is one activity.
    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣传教育活动")
        verbose_name_plural = verbose_name
        ordering = ["-date", "-start_time", "-id"]
        indexes = [
            models.Index(fields=["unit", "date"], name="outreach_activity_unit_date"),
            models.Index(fields=["date"], name="outreach_activity_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""), name="outreach_activity_title_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def clean(self) -> None:
        _check_codes(self.fraud_types, FRAUD_CODES, gettext("诈骗类型无效"))
        _check_codes(self.audiences, Audience.values, gettext("活动对象无效"))
        if not self.audiences:
            raise ValidationError({"audiences": gettext("请至少选择一类活动对象")})

    @property
    def fraud_type_labels(self) -> list[str]:
        return fraud_labels(self.fraud_types)

    @property
    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audiences if a in Audience.values]


class ActivityFile(models.Model):
    """An evidence file (photo, sign-in sheet, video, document) of an activity."""

    class Role(models.TextChoices):
        PHOTO = "photo", _("现场照片/材料")
        SIGN_IN = "sign_in", _("签到表")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("用途"), max_length=10, choices=Role.choices, default=Role.PHOTO)
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动材料")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "evidence"], name="outreach_activityfile_unique_file"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class Attendance(models.Model):
    """The current attendance of one person at one activity; edits are kept as revisions."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(_("出席"), default=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "person"], name="outreach_attendance_unique_person"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "present"], name="outreach_attendance_person"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}={'1' if self.present else '0'}"


class AttendanceRevision(models.Model):
    """One save of an activity's attendance: the full list as it was then, who saved it, when."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attendance_revisions"
    )
    number = models.PositiveIntegerField(_("版本"))
    mode = models.CharField(_("记录方式"), max_length=10, choices=AttendanceMode.choices)
    headcount = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    present_ids = models.JSONField(default=list)
    absent_ids = models.JSONField(default=list)
    added_ids = models.JSONField(default=list, help_text="present now, not before")
    removed_ids = models.JSONField(default=list, help_text="present before, not now")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("出勤修改记录")
        verbose_name_plural = verbose_name
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "number"], name="outreach_attendancerevision_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} v{self.number}"


# ---------------------------------------------------------------------------------------------
# Group register (微信群/QQ群台账)
# ---------------------------------------------------------------------------------------------


class ChatGroupQuerySet(models.QuerySet["ChatGroup"]):
    def visible_to(self, user: "User | AnonymousUser") -> "ChatGroupQuerySet":
        q = _scope_q(user, "unit__")
        return self if q is None else self.filter(q)


class ChatGroup(TimeStamped):
    """A class, parent, building or village chat group and its security checklist."""

    class Platform(models.TextChoices):
        WECHAT = "wechat", _("微信群")
        QQ = "qq", _("QQ群")
        DINGTALK = "dingtalk", _("钉钉群")
        WECOM = "wecom", _("企业微信群")

    class Kind(models.TextChoices):
        CLASS = "class", _("班级群")
        PARENT = "parent", _("家长群")
        BUILDING = "building", _("楼栋群")
        VILLAGE = "village", _("村（社区）群")
        STAFF = "staff", _("教职工群")
        OTHER = "other", _("其他")

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="outreach_groups", verbose_name=_("单位")
    )
    platform = models.CharField(_("平台"), max_length=10, choices=Platform.choices)
    kind = models.CharField(_("群类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("群名称"), max_length=100)
    owner_name = models.CharField(_("群主"), max_length=50)
    admins = models.CharField(_("管理员"), max_length=200, blank=True)
    member_count = models.PositiveIntegerField(_("成员数"), default=0)
    responsible = models.CharField(_("责任人"), max_length=50)
    join_verification = models.BooleanField(_("已开启入群验证"), default=False)
    owner_verified = models.BooleanField(_("群主身份已核实"), default=False)
    no_fee_notice = models.BooleanField(_("已发布“本群不收取任何费用”公告"), default=False)
    remark_names_set = models.BooleanField(_("老师/管理员已设置实名备注"), default=False)
    last_checked_on = models.DateField(_("最近检查日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ChatGroupQuerySet.as_manager()

    CHECKLIST = ("join_verification", "owner_verified", "no_fee_notice", "remark_names_set")

    class Meta:
        verbose_name = _("群台账")
        verbose_name_plural = verbose_name
        ordering = ["unit__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "platform", "name"], name="outreach_chatgroup_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def gaps(self, today: datetime.date | None = None) -> list[str]:
        """Labels of the checklist items not yet in place, and an overdue check."""
        missing = [
            str(self._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            for name in self.CHECKLIST
            if not getattr(self, name)
        ]
        if today is not None and (
            self.last_checked_on is None or (today - self.last_checked_on).days > GROUP_CHECK_DAYS
        ):
            missing.append(gettext("超过%(d)s天未检查") % {"d": GROUP_CHECK_DAYS})
        return missing


class GroupTip(models.Model):
    """A weekly anti-fraud tip posted to a chat group (每周一条防诈提示)."""

    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="tips")
    posted_on = models.DateField(_("发布日期"))
    content = models.CharField(_("提示内容"), max_length=500)
    fraud_types = models.JSONField(_("涉及诈骗类型"), default=list, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群内提示")
        verbose_name_plural = verbose_name
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "posted_on", "content"], name="outreach_grouptip_unique_post"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.posted_on}"

    def clean(self) -> None:
        _check_codes(self.fraud_types, FRAUD_CODES, gettext("诈骗类型无效"))


# ---------------------------------------------------------------------------------------------
# Household visits (入户宣传登记)
# ---------------------------------------------------------------------------------------------


class Household(TimeStamped):
    """A registered household of a village or community: the denominator of visit progress."""

    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="outreach_households",
        verbose_name=_("村/社区"),
    )
    address = models.CharField(_("地址"), max_length=200)
    head_name = models.CharField(_("户主"), max_length=50, blank=True)
    members = models.ManyToManyField(Person, blank=True, related_name="+", verbose_name=_("成员"))

    class Meta:
        verbose_name = _("登记户")
        verbose_name_plural = verbose_name
        ordering = ["unit__path", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "address"], name="outreach_household_unique_address"
            ),
            models.CheckConstraint(
                condition=~Q(address=""), name="outreach_household_address_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.address


class Material(models.TextChoices):
    CARD = "card", _("警民防骗卡/反诈明白卡")
    LEAFLET = "leaflet", _("宣传册/折页")
    LETTER = "letter", _("告知书")
    POSTER = "poster", _("海报/挂图")
    GIFT = "gift", _("宣传品")


class HouseholdVisitQuerySet(models.QuerySet["HouseholdVisit"]):
    def visible_to(self, user: "User | AnonymousUser") -> "HouseholdVisitQuerySet":
        q = _scope_q(user, "household__unit__")
        return self if q is None else self.filter(q)


class HouseholdVisit(models.Model):
    """One door-to-door visit (入户宣传) by a grid worker or police officer."""

    # Generated by the phone before sending: a retried submission is stored once.
    client_id = models.UUIDField(unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("走访人"),
    )
    people_met = models.PositiveSmallIntegerField(_("见面人数"), default=1)
    met_names = models.CharField(_("见面人员"), max_length=200, blank=True)
    materials = models.JSONField(_("发放材料"), default=list, blank=True)
    topics = models.JSONField(_("讲解内容"), default=list, blank=True)
    app_installed = models.PositiveSmallIntegerField(_("现场安装国家反诈中心APP人数"), default=0)
    signer_name = models.CharField(_("签字人"), max_length=50, blank=True)
    signature = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("定位精度（米）"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HouseholdVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("入户宣传登记")
        verbose_name_plural = verbose_name
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["visited_on"], name="outreach_visit_date")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    def clean(self) -> None:
        _check_codes(self.topics, FRAUD_CODES, gettext("诈骗类型无效"))
        _check_codes(self.materials, Material.values, gettext("发放材料无效"))

    @property
    def material_labels(self) -> list[str]:
        return [str(Material(m).label) for m in self.materials if m in Material.values]

    @property
    def topic_labels(self) -> list[str]:
        return fraud_labels(self.topics)


class VisitContact(models.Model):
    """A registered person met during a household visit: the source of the home-visit channel."""

    visit = models.ForeignKey(HouseholdVisit, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("走访见面人员")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "person"], name="outreach_visitcontact_unique_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.person_id}"


class VisitFile(models.Model):
    visit = models.ForeignKey(HouseholdVisit, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("原文件名"), max_length=255)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "evidence"], name="outreach_visitfile_unique_file"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
