"""Work plans (工作方案) as schedules: campaigns, duty templates, duties, submissions, checks."""

import secrets
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import EvidenceFile, TimeStamped
from wuzha.orgs.models import OrgUnit, Role, UnitKind

from . import cadence as cad

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User


def _token() -> str:
    return secrets.token_urlsafe(12)


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in the project's time zone (deadlines are inclusive)."""
    return timezone.make_aware(datetime.combine(day, time.max))


def scope_and_ancestor_paths(user: "User | AnonymousUser") -> tuple[list[str], list[str]] | None:
    """(paths of the user's units, paths of their ancestors); None for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return [], []
    if user.is_superuser:
        return None
    paths = user.scope_paths()  # type: ignore[union-attr]
    step = OrgUnit.steplen
    ancestors = sorted({p[:i] for p in paths for i in range(step, len(p), step)})
    return paths, ancestors


def _in_scope_q(paths: list[str], prefix: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: "User | AnonymousUser") -> "CampaignQuerySet":
        """Campaigns issued in the user's subtrees or by a unit above them (they apply to them)."""
        scope = scope_and_ancestor_paths(user)
        if scope is None:
            return self
        paths, ancestors = scope
        return self.filter(_in_scope_q(paths, "unit__") | Q(unit__path__in=ancestors))


class Campaign(TimeStamped):
    """A work plan issued by a unit; it applies to the issuing unit's whole subtree."""

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("发文单位")
    )
    name = models.CharField(_("方案名称"), max_length=120)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    guiding_text = models.TextField(_("指导思想"), blank=True)
    template_code = models.CharField(_("来源模板"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作方案")
        verbose_name_plural = verbose_name
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="plans_campaign_unique_name",
                violation_error_message=_("本单位已有同名方案"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="plans_campaign_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignGoal(models.Model):
    """A measurable target: cases −50 % against 2021, 知晓率 ≥ 100 %."""

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("不低于")
        AT_MOST = "at_most", _("不高于")
        CHANGE_PCT = "change_pct", _("较基准年变化（%）")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals")
    indicator = models.CharField(_("指标"), max_length=100)
    comparison = models.CharField(_("目标类型"), max_length=12, choices=Comparison.choices)
    target_value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    unit_label = models.CharField(_("单位"), max_length=20, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基准年"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作目标")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "indicator"],
                name="plans_campaigngoal_unique_indicator",
                violation_error_message=_("本方案已有这个指标"),
            ),
            models.CheckConstraint(
                condition=~Q(comparison="change_pct") | Q(baseline_year__isnull=False),
                name="plans_campaigngoal_change_needs_baseline",
                violation_error_message=_("“较基准年变化”的目标必须填写基准年"),
            ),
        ]

    def __str__(self) -> str:
        return self.indicator

    @property
    def display(self) -> str:
        value = f"{self.target_value.normalize():f}"
        if self.comparison == self.Comparison.CHANGE_PCT:
            sign = "+" if self.target_value > 0 else ""
            return f"{sign}{value}% · 较{self.baseline_year}年"
        return f"{self.get_comparison_display()} {value}{self.unit_label}"


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("阶段"), max_length=60)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    tasks = models.TextField(_("主要任务"), blank=True)

    class Meta:
        verbose_name = _("工作阶段")
        verbose_name_plural = verbose_name
        ordering = ["start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="plans_phase_unique_name",
                violation_error_message=_("本方案已有同名阶段"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="plans_phase_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadershipMember(models.Model):
    class Position(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")
        OFFICE = "office", _("办公室主任")
        MEMBER = "member", _("成员")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="leadership")
    position = models.CharField(_("职位"), max_length=10, choices=Position.choices)
    name = models.CharField(_("姓名或岗位"), max_length=60)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    responsibility = models.TextField(_("职责"), blank=True)

    class Meta:
        verbose_name = _("领导小组成员")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position", "name"],
                name="plans_leadership_unique_member",
                violation_error_message=_("领导小组中已有此人"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.name}"


class CampaignFile(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("方案附件")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "evidence"], name="plans_campaignfile_unique_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Cadence(models.TextChoices):
    ONCE = cad.ONCE, _("一次性")
    WEEKLY = cad.WEEKLY, _("每周")
    BIWEEKLY = cad.BIWEEKLY, _("每两周")
    MONTHLY = cad.MONTHLY, _("每月")
    TERM = cad.TERM, _("每学期")
    YEARLY = cad.YEARLY, _("每年")


WEEKDAYS = [
    (1, _("周一")),
    (2, _("周二")),
    (3, _("周三")),
    (4, _("周四")),
    (5, _("周五")),
    (6, _("周六")),
    (7, _("周日")),
]


class DutyTemplate(TimeStamped):
    """What a campaign asks of each unit of a kind, how often, by when, with which evidence."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="templates")
    title = models.CharField(_("任务"), max_length=120)
    description = models.TextField(_("要求"), blank=True)
    unit_kind = models.CharField(
        _("责任单位类型"),
        max_length=20,
        choices=UnitKind.choices,
        blank=True,
        help_text=_("如“班级”表示每个班级各一份；留空表示发文单位自己"),
    )
    target_units = models.ManyToManyField(
        OrgUnit,
        blank=True,
        related_name="+",
        verbose_name=_("指定责任单位"),
        help_text=_("如“县教育局”；指定后只由这些单位承担，不再按类型分配"),
    )
    role = models.CharField(
        _("责任人角色"), max_length=20, choices=Role.choices, blank=True, default=Role.TEACHER
    )
    cadence = models.CharField(_("频次"), max_length=10, choices=Cadence.choices)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    deadline_day = models.PositiveSmallIntegerField(_("截止日"), null=True, blank=True)
    deadline_weekday = models.PositiveSmallIntegerField(
        _("截止星期"), null=True, blank=True, choices=WEEKDAYS
    )
    deadline_week = models.PositiveSmallIntegerField(_("教学周"), null=True, blank=True)
    deadline_month = models.PositiveSmallIntegerField(_("截止月份"), null=True, blank=True)
    within_terms = models.BooleanField(
        _("仅在学期内"), default=False, help_text=_("寒暑假和节假日整段不安排")
    )
    grace_days = models.PositiveSmallIntegerField(
        _("补报宽限天数"), default=7, help_text=_("截止后再过这么多天锁定，需上级开放才能补报")
    )
    min_photos = models.PositiveSmallIntegerField(_("至少照片数"), default=0)
    requires_attendance = models.BooleanField(_("需填写参加人数"), default=False)
    requires_document = models.BooleanField(_("需上传文档"), default=False)
    count_label = models.CharField(
        _("需填写的数量"), max_length=40, blank=True, help_text=_("如“摸排学生数”；留空表示不需要")
    )
    remind_before_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    remind_after_days = models.PositiveSmallIntegerField(_("逾期催办天数"), default=7)

    class Meta:
        verbose_name = _("任务模板")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "title"],
                name="plans_dutytemplate_unique_title",
                violation_error_message=_("本方案已有同名任务"),
            ),
            models.CheckConstraint(
                condition=Q(grace_days__lte=90),
                name="plans_dutytemplate_grace_bounded",
                violation_error_message=_("宽限天数不能超过90天"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def spec(self) -> cad.Spec:
        return cad.Spec(
            cadence=self.cadence,
            due_date=self.due_date,
            deadline_day=self.deadline_day,
            deadline_weekday=self.deadline_weekday,
            deadline_week=self.deadline_week,
            deadline_month=self.deadline_month,
            within_terms=self.within_terms,
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = cad.spec_errors(self.spec())
        campaign = self.campaign if self.campaign_id else None
        due = self.due_date if self.cadence == Cadence.ONCE else None
        if campaign is not None and due and not campaign.start_date <= due <= campaign.end_date:
            errors["due_date"] = str(
                _("截止日期必须在方案期间（%(a)s 至 %(b)s）内")
                % {"a": campaign.start_date, "b": campaign.end_date}
            )
        if errors:
            raise ValidationError(errors)

    @property
    def cadence_display(self) -> str:
        """The schedule in words: 每月28日前, 每学期第15周周五前."""
        weekday = dict(WEEKDAYS).get(self.deadline_weekday or 5, "")
        if self.cadence == Cadence.ONCE:
            return str(_("%(d)s前") % {"d": self.due_date})
        if self.cadence == Cadence.WEEKLY:
            return str(_("每周%(w)s前") % {"w": weekday})
        if self.cadence == Cadence.BIWEEKLY:
            return str(_("每两周（第二周%(w)s前）") % {"w": weekday})
        if self.cadence == Cadence.MONTHLY:
            if (self.deadline_day or 0) >= 31:
                return str(_("每月月末前"))
            return str(_("每月%(d)s日前") % {"d": self.deadline_day})
        if self.cadence == Cadence.TERM:
            if self.deadline_week:
                return str(_("每学期第%(n)s周%(w)s前") % {"n": self.deadline_week, "w": weekday})
            return str(_("每学期结束前"))
        return str(_("每年%(m)s月%(d)s日前") % {"m": self.deadline_month, "d": self.deadline_day})

    @property
    def evidence_display(self) -> str:
        parts = []
        if self.min_photos:
            parts.append(str(_("照片≥%(n)s张") % {"n": self.min_photos}))
        if self.requires_attendance:
            parts.append(str(_("参加人数")))
        if self.requires_document:
            parts.append(str(_("文档")))
        if self.count_label:
            parts.append(self.count_label)
        return "、".join(parts) or "—"


class Term(models.Model):
    """One term (学期) of a school's or county's calendar; units below use the nearest one."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="terms")
    school_year = models.PositiveSmallIntegerField(
        _("学年"), help_text=_("学年开始的年份，如 2026 表示 2026-2027 学年")
    )
    number = models.PositiveSmallIntegerField(
        _("学期"), choices=[(1, _("第一学期")), (2, _("第二学期"))]
    )
    start_date = models.DateField(_("开学日期"))
    end_date = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = verbose_name
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "school_year", "number"],
                name="plans_term_unique_per_unit",
                violation_error_message=_("本单位已登记这个学期"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="plans_term_end_after_start",
                violation_error_message=_("学期结束日期必须晚于开学日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_year}-{self.school_year + 1}学年{self.get_number_display()}"

    @property
    def key(self) -> str:
        return f"{self.school_year}-T{self.number}"


class Holiday(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("名称"), max_length=40)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = verbose_name
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "name"],
                name="plans_holiday_unique_name",
                violation_error_message=_("本学期已有同名节假日"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="plans_holiday_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DutyQuerySet(models.QuerySet["Duty"]):
    def visible_to(self, user: "User | AnonymousUser") -> "DutyQuerySet":
        scope = scope_and_ancestor_paths(user)
        if scope is None:
            return self
        return self.filter(_in_scope_q(scope[0], "unit__"))


class Duty(models.Model):
    """One unit's duty for one period: the template instantiated, with its own deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待提交")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已通过")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    template = models.ForeignKey(DutyTemplate, on_delete=models.CASCADE, related_name="duties")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="duties")
    title = models.CharField(_("任务"), max_length=120)
    period_key = models.CharField(_("期间"), max_length=12)
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField(_("截止日期"))
    lock_date = models.DateField(_("锁定日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期提交"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = verbose_name
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "unit", "period_key"], name="plans_duty_unique_period"
            ),
        ]
        indexes = [
            models.Index(fields=["due_date", "unit"], name="plans_duty_due_unit"),
            models.Index(fields=["unit", "due_date"], name="plans_duty_unit_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.period_key}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED)

    def is_locked(self, today: date, exceptions: "list[DutyException] | None" = None) -> bool:
        """True when a first submission is refused: past the lock date and no open exception."""
        if today <= self.lock_date or self.status != self.Status.PENDING:
            return False
        if exceptions is None:
            exceptions = list(self.exceptions.all())
        return not any(e.until >= today for e in exceptions)

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_date < today


class Submission(models.Model):
    """One attempt at a duty; a returned duty gets a new attempt, the old one stays on record."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("通过")
        RETURNED = "returned", _("退回")

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("第几次提交"))
    text = models.TextField(_("完成情况"))
    count = models.PositiveIntegerField(_("数量"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    is_late = models.BooleanField(_("逾期"), default=False)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # Activity records (主题班会, 讲座…) showing the duty was done; their photos count as evidence.
    activities = models.ManyToManyField(
        "outreach.Activity",
        blank=True,
        related_name="plan_submissions",
        verbose_name=_("关联活动记录"),
    )

    class Meta:
        verbose_name = _("提交记录")
        verbose_name_plural = verbose_name
        ordering = ["duty", "number"]
        constraints = [
            models.UniqueConstraint(fields=["duty", "number"], name="plans_submission_unique_no"),
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(review_comment=""),
                name="plans_submission_return_has_comment",
                violation_error_message=_("退回时请写明需要补充或修改的内容"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duty_id}#{self.number}"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("文件名"), max_length=255)

    class Meta:
        verbose_name = _("提交材料")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "evidence"], name="plans_submissionfile_unique_file"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class DutyException(models.Model):
    """An upper unit's permission to submit a locked duty until a date (DHIS2-style)."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="exceptions")
    until = models.DateField(_("开放至"))
    reason = models.CharField(_("原因"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("补报开放")
        verbose_name_plural = verbose_name
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.duty_id} → {self.until}"


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: "User | AnonymousUser") -> "InspectionQuerySet":
        scope = scope_and_ancestor_paths(user)
        if scope is None:
            return self
        return self.filter(_in_scope_q(scope[0], "unit__"))


class Inspection(models.Model):
    """A supervisory check (督导检查) of a unit."""

    class Method(models.TextChoices):
        ON_SITE = "on_site", _("实地检查")
        UNANNOUNCED = "unannounced", _("暗访")
        DOCUMENTS = "documents", _("材料检查")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("被检查单位")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("检查日期"))
    method = models.CharField(_("检查方式"), max_length=12, choices=Method.choices)
    summary = models.TextField(_("检查情况"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = verbose_name
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "inspector", "date", "method"],
                name="plans_inspection_unique_visit",
                violation_error_message=_("您已记录过这次检查（同一单位、日期和方式）"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.date} {self.get_method_display()}"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(_("发现的问题"), max_length=500)

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = verbose_name
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "text"],
                name="plans_finding_unique",
                violation_error_message=_("这条问题已经记录过了"),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Rectification(models.Model):
    """The follow-up of one finding (整改): owner responds with evidence, inspector confirms."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        RESPONDED = "responded", _("待确认")
        CLOSED = "closed", _("已销号")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="rectification")
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("整改单位")
    )
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    response = models.TextField(_("整改情况"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    confirm_comment = models.TextField(_("确认意见"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = verbose_name
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.finding} ({self.status})"

    def is_overdue(self, today: date) -> bool:
        return self.status != self.Status.CLOSED and self.deadline < today


class RectificationFile(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="files")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("文件名"), max_length=255)

    class Meta:
        verbose_name = _("整改材料")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "evidence"], name="plans_rectificationfile_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


def lock_date_for(due: date, grace_days: int) -> date:
    return due + timedelta(days=grace_days)


class InspectionPack(models.Model):
    """One downloadable 台账 for a unit and period: an index workbook, a Word summary, evidence."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(_("期间"), max_length=12)
    period_label = models.CharField(_("期间"), max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="queued")
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    file_count = models.PositiveIntegerField(_("材料数"), default=0)
    file = models.FileField(upload_to="packs/", max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("台账包")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A double click queues one pack, not two.
            models.UniqueConstraint(
                fields=["unit", "period_key"],
                condition=Q(status__in=["queued", "running"]),
                name="plans_inspectionpack_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_key} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
