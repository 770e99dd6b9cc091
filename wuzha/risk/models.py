"""Hidden-danger screening (涉诈隐患摸排), key-person files (重点人员, 一人一策), clues."""

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import EvidenceFile, TimeStamped
from wuzha.orgs.models import OrgUnit, Person, _scope_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User


class ScreeningItem(models.TextChoices):
    """What a class teacher checks for each student in a school round."""

    CARDS = "cards", _("出租、出借、出售“两卡”或社交账号")
    REBATE = "rebate", _("兼职刷单、点赞返利邀约")
    LOAN = "loan", _("网络贷款、校园贷")
    GAME = "game", _("游戏账号、装备、皮肤交易")
    DATING = "dating", _("网络交友、投资理财群")
    BEHAVIOUR = "behaviour", _("消费异常或行为异常")
    ABROAD = "abroad", _("与境外人员联系、出境打工邀约")


class KeyGroup(models.TextChoices):
    """The four key groups police and communities screen (县乡版)."""

    HIGH_RISK = "high_risk", _("高危人员")
    TWO_CARDS = "two_cards", _("涉“两卡”人员")
    RETURNEE = "returnee", _("境外回流人员")
    PRIOR = "prior", _("前科人员")


class ExtraCategory(models.TextChoices):
    VICTIM = "victim", _("前期被骗学生")
    SELFTEST = "selftest", _("风险自测高风险")


CATEGORY_CHOICES = [*ScreeningItem.choices, *ExtraCategory.choices, *KeyGroup.choices]
CATEGORY_LABELS = dict(CATEGORY_CHOICES)
COUNTY_CATEGORIES = frozenset(KeyGroup.values)


class _ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    unit_field = "unit__"

    def visible_to(self, user: "User | AnonymousUser") -> "_ScopedQuerySet":
        q = _scope_q(user, self.unit_field)
        return self if q is None else self.filter(q)


class ScreeningRound(TimeStamped):
    """One period's screening of one class (or, in the county variant, one community/village)."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("校园涉诈隐患摸排")
        COUNTY = "county", _("四类重点人员摸排")

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="screening_rounds")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default="school")
    period_key = models.CharField(_("期间"), max_length=20)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fast_path = models.BooleanField(_("本轮无异常"), default=False)

    objects = _ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("隐患摸排")
        verbose_name_plural = verbose_name
        ordering = ["-start", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "period_key"], name="risk_screeninground_one_per_period"
            )
        ]
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_key}"

    @property
    def items(self) -> list[tuple[str, Any]]:
        return KeyGroup.choices if self.kind == self.Kind.COUNTY else ScreeningItem.choices


class ScreeningEntry(models.Model):
    """One person looked at in one round, with what was found (nothing, usually)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="screening_entries")
    flags = models.JSONField(_("发现"), default=list, blank=True)
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("摸排时间"))

    class Meta:
        verbose_name = _("摸排记录")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="risk_screeningentry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.person_id}"

    @property
    def flag_labels(self) -> list[str]:
        return [str(CATEGORY_LABELS.get(f, f)) for f in self.flags]


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class Measure(models.TextChoices):
    TALK = "talk", _("谈心谈话")
    PARENT = "parent", _("联系家长")
    COUNSELLING = "counselling", _("心理辅导")
    WATCH = "watch", _("关注“两卡”及资金异动")
    INFORMANT = "informant", _("班级信息员关注")
    POLICE = "police", _("民警见面教育")


class KeyPerson(TimeStamped):
    """A key-person file (重点人员档案) with one plan per person (一人一策)."""

    class Status(models.TextChoices):
        OPEN = "open", _("在管")
        CLOSING = "closing", _("销档待审核")
        CLOSED = "closed", _("已销档")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="key_files")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="key_persons")
    categories = models.JSONField(_("类别"), default=list)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    measures = models.JSONField(_("管控措施"), default=list, blank=True)
    plan = models.TextField(_("一人一策"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    # True when a category is one of the four county groups: police may then open the file.
    county_group = models.BooleanField(default=False, editable=False)
    source_entry = models.ForeignKey(
        ScreeningEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("建档时间"))
    close_reason = models.TextField(_("销档理由"), blank=True)
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("销档时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(_("审核意见"), blank=True)

    objects = _ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点人员档案")
        verbose_name_plural = verbose_name
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status="closed"),
                name="risk_keyperson_one_active_file",
            )
        ]

    def __str__(self) -> str:
        return f"key person {self.person_id} ({self.status})"

    @property
    def is_county(self) -> bool:
        return self.county_group

    def clean(self) -> None:
        self.county_group = bool(COUNTY_CATEGORIES & set(self.categories))

    @property
    def categories_display(self) -> str:
        return "、".join(str(CATEGORY_LABELS.get(c, c)) for c in self.categories)

    @property
    def measures_display(self) -> str:
        labels = dict(Measure.choices)
        return "、".join(str(labels.get(m, m)) for m in self.measures)


class FollowUp(models.Model):
    """A scheduled follow-up of a key person: due on a date, done with a note."""

    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="followups")
    kind = models.CharField(_("方式"), max_length=20, choices=Measure.choices)
    due_on = models.DateField(_("计划日期"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("跟进情况"), blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("跟进")
        verbose_name_plural = verbose_name
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on", "done_at"])]

    def __str__(self) -> str:
        return f"{self.key_person_id} {self.kind} {self.due_on}"


class KeyPersonNote(models.Model):
    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("备注"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("档案备注")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"note {self.key_person_id}"


def _clue_code() -> str:
    # 10 characters without look-alikes, ~50 bits: a reporter reads it back, nobody guesses it.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _i in range(10))


class ClueKind(models.TextChoices):
    PHONE = "phone", _("诈骗电话")
    SMS = "sms", _("诈骗短信")
    LINK = "link", _("网址链接")
    ACCOUNT = "account", _("收款账户")
    GROUP = "group", _("微信/QQ群")
    APP = "app", _("APP")
    RECRUITER = "recruiter", _("招揽学生出租“两卡”或刷单的人员")
    OTHER = "other", _("其他")


class Clue(TimeStamped):
    """A reported clue: triaged by the unit, forwarded to the police liaison, closed."""

    class Status(models.TextChoices):
        NEW = "new", _("已收到")
        TRIAGED = "triaged", _("核实中")
        FORWARDED = "forwarded", _("已移交警方")
        CLOSED = "closed", _("已办结")
        REJECTED = "rejected", _("不予受理")

    code = models.CharField(max_length=12, unique=True, default=_clue_code, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="clues")
    kind = models.CharField(_("线索类型"), max_length=20, choices=ClueKind.choices)
    target = models.CharField(
        _("号码/链接/账户"), max_length=300, blank=True, help_text=_("电话号码、网址、账号或群号")
    )
    content = models.TextField(_("线索内容"))
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    reporter_name = models.CharField(_("举报人"), max_length=50, blank=True)
    reporter_contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="new")
    public_reply = models.CharField(_("给举报人的答复"), max_length=300, blank=True)
    forwarded_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移交民警"),
    )
    forwarded_at = models.DateTimeField(_("移交时间"), null=True, blank=True)

    objects = _ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.code} {self.kind} ({self.status})"


class ClueEvent(models.Model):
    """A status change of a clue, with the staff note behind it."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=Clue.Status.choices)
    note = models.CharField(_("处理说明"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.clue_id} → {self.status}"


class ClueFile(models.Model):
    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clue", "file"], name="risk_cluefile_unique")
        ]

    def __str__(self) -> str:
        return f"{self.clue_id}:{self.file_id}"
