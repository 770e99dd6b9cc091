"""Rankings, escalations (通报 → 约谈 → 挂牌整治), 无诈 evaluations and briefings.

Indicator values are never stored: they are computed from the records (see `indicators.py`).
What is stored is what the office decided or issued: a month's ranking as published, the
escalations it triggered, an evaluation round with its approvals, a briefing and its file.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import TimeStamped
from wuzha.orgs.models import OrgUnit, Person, UnitKind
from wuzha.plans.models import Campaign, Finding


def _token() -> str:
    return secrets.token_urlsafe(12)


DEFAULT_CASE_INDICATORS = ["cases", "losses", "cases_per_10k"]


def default_case_indicators() -> list[str]:
    return list(DEFAULT_CASE_INDICATORS)


class EscalationRule(models.Model):
    """How a campaign ranks the units below its issuing unit each month and escalates.

    The default is the seeds' ladder: at the top of all three case indicators for two months
    running → interview the deputy in charge; three months → interview the head; notified three
    times → listed for rectification (挂牌整治).
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="escalation_rule"
    )
    unit_kind = models.CharField(
        _("参与排名的单位类型"),
        max_length=20,
        choices=UnitKind.choices,
        blank=True,
        help_text=_("留空表示发文单位的全部直属下级"),
    )
    indicators = models.JSONField(_("排名指标"), default=default_case_indicators)
    deputy_months = models.PositiveSmallIntegerField(_("约谈分管负责人：连续月数"), default=2)
    head_months = models.PositiveSmallIntegerField(_("约谈主要负责人：连续月数"), default=3)
    listing_notices = models.PositiveSmallIntegerField(_("挂牌整治：被通报次数"), default=3)
    rectify_days = models.PositiveSmallIntegerField(_("整改期限（天）"), default=30)

    class Meta:
        verbose_name = _("排名与通报规则")
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=Q(deputy_months__gte=1) & Q(head_months__gt=models.F("deputy_months")),
                name="stats_escalationrule_ladder_ascends",
                violation_error_message=_("约谈主要负责人的月数必须大于约谈分管负责人的月数"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.deputy_months}/{self.head_months}/{self.listing_notices}"


class RankingEntry(models.Model):
    """One unit's place among its siblings on one indicator in one month, as published."""

    parent = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    period_key = models.CharField(_("期间"), max_length=12)
    indicator = models.CharField(_("指标"), max_length=30)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    numerator = models.FloatField(_("分子"))
    denominator = models.FloatField(_("分母"), null=True, blank=True)
    value = models.FloatField(_("值"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("名次"))
    is_top = models.BooleanField(_("处于最高位"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("排名")
        verbose_name_plural = verbose_name
        ordering = ["period_key", "indicator", "rank", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "period_key", "indicator", "unit"],
                name="stats_rankingentry_unique",
            ),
        ]
        indexes = [models.Index(fields=["parent", "period_key"])]

    def __str__(self) -> str:
        return f"{self.period_key} {self.indicator} {self.unit_id} #{self.rank}"


class Escalation(TimeStamped):
    """A 通报, 约谈 or 挂牌整治 of a unit, with its document and the rectification it requires."""

    class Level(models.TextChoices):
        NOTICE = "notice", _("排名通报")
        DEPUTY = "deputy", _("约谈分管负责人")
        HEAD = "head", _("约谈主要负责人")
        LISTED = "listed", _("挂牌整治")

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        CLOSED = "closed", _("已销号")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    period_key = models.CharField(_("期间"), max_length=12)
    reason = models.TextField(_("事由"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    finding = models.ForeignKey(
        Finding,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改事项"),
    )
    document = models.FileField(upload_to="stats/escalations/", max_length=200, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通报与约谈")
        verbose_name_plural = verbose_name
        ordering = ["-period_key", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "level", "period_key"],
                name="stats_escalation_unique_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_level_display()} · {self.period_key}"


class EvaluationKind(models.TextChoices):
    CLASS = "class", _("无诈班级")
    GROUP = "group", _("无诈小组")
    FAMILY = "family", _("无诈家庭")
    CAMPUS = "campus", _("无诈校园")
    VILLAGE = "village", _("无诈村居（社区）")


class EvaluationRound(TimeStamped):
    """One 无诈 evaluation of a unit's subtree for a period, with its criteria."""

    class Status(models.TextChoices):
        OPEN = "open", _("评选中")
        APPROVED = "approved", _("已审定")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("评选类型"), max_length=10, choices=EvaluationKind.choices)
    period_key = models.CharField(_("评选期间"), max_length=12)
    require_no_case = models.BooleanField(_("期间内无被骗案件"), default=True)
    require_receipts_full = models.BooleanField(_("家长回执全部签收"), default=True)
    min_pass_rate = models.DecimalField(
        _("知晓率不低于（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    require_duties_complete = models.BooleanField(_("工作任务全部完成"), default=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("无诈评选")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "period_key"],
                name="stats_evaluationround_unique",
                violation_error_message=_("本单位这一期间已有同类评选"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_key}"


class EvaluationCandidate(models.Model):
    """A unit (or, for 无诈家庭, a student's family) with its evidence per criterion."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="candidates")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    evidence = models.JSONField(_("依据"), default=list)
    qualifies = models.BooleanField(_("符合条件"), default=False)
    approved = models.BooleanField(_("获评"), default=False)
    certificate_no = models.CharField(_("证书编号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("评选对象")
        verbose_name_plural = verbose_name
        ordering = ["unit__path", "person__number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit"],
                condition=Q(person__isnull=True),
                name="stats_candidate_unique_unit",
            ),
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(person__isnull=False),
                name="stats_candidate_unique_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.unit_id}/{self.person_id}"


class Briefing(TimeStamped):
    """A 专项简报 (every two weeks) or end-of-term briefing: drafted, edited, issued, archived."""

    class Kind(models.TextChoices):
        BIWEEKLY = "biweekly", _("专项简报（双周）")
        TERM = "term", _("学期简报")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已印发")

    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    period_key = models.CharField(_("期间"), max_length=12)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.TextField(_("工作综述"), blank=True)
    figures = models.JSONField(_("数据"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="draft")
    file = models.FileField(upload_to="stats/briefings/", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("简报")
        verbose_name_plural = verbose_name
        ordering = ["-period_key", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "period_key"],
                name="stats_briefing_unique",
                violation_error_message=_("本单位这一期的简报已经存在"),
            ),
        ]

    def __str__(self) -> str:
        return self.title
