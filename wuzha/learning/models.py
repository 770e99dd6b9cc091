"""Question bank (versioned), tests (测验) with per-person papers and attempts, risk self-tests."""

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import TimeStamped
from wuzha.orgs.models import OrgUnit, Person, PersonKind, _scope_q

from .taxonomy import AgeBand, FraudType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from wuzha.orgs.models import User


def new_token() -> str:
    """A link token with 192 random bits (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


FRAUD_CHOICES = [(c, label) for c, label in FraudType.choices if c != FraudType.NORMAL]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUEFALSE = "truefalse", _("判断题")
    SCENARIO = "scenario", _("情景识别题")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("易")
    MEDIUM = 2, _("中")
    HARD = 3, _("难")


class Question(TimeStamped):
    """A bank question; its wording lives in versions, the tags here mirror the current one."""

    key = models.CharField(_("编号"), max_length=60, unique=True)
    fraud_type = models.CharField(_("诈骗类型"), max_length=30, choices=FRAUD_CHOICES)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices)
    age_bands = models.JSONField(_("年龄段"), default=list)
    retired = models.BooleanField(_("已停用"), default=False)
    current = models.OneToOneField(
        "QuestionVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前版本"),
    )

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = verbose_name
        ordering = ["fraud_type", "key"]
        indexes = [models.Index(fields=["fraud_type", "difficulty", "retired"])]

    def __str__(self) -> str:
        return self.key

    @property
    def age_band_labels(self) -> list[str]:
        return [str(AgeBand(b).label) for b in self.age_bands if b in AgeBand.values]


class QuestionVersion(models.Model):
    """One immutable wording of a question; attempts point at the version they were shown."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    fraud_type = models.CharField(_("诈骗类型"), max_length=30, choices=FRAUD_CHOICES)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices)
    age_bands = models.JSONField(_("年龄段"), default=list)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"))
    answer = models.JSONField(_("答案"))
    explanation = models.TextField(_("解析"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("题目版本")
        verbose_name_plural = verbose_name
        ordering = ["question_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="learning_questionversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    @property
    def lettered(self) -> list[tuple[int, str, str]]:
        return [(i, chr(65 + i), text) for i, text in enumerate(self.options)]

    @property
    def answer_letters(self) -> str:
        return "".join(chr(65 + i) for i in self.answer)

    @property
    def is_multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE


class QuestionImport(models.Model):
    """An uploaded question sheet: rows checked and kept until the user chooses what to import."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        IMPORTED = "imported", _("已导入")
        DISCARDED = "discarded", _("已放弃")

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("题库导入")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.filename

    @property
    def good_rows(self) -> list[dict[str, object]]:
        return [r for r in self.rows if not r["errors"]]

    @property
    def bad_rows(self) -> list[dict[str, object]]:
        return [r for r in self.rows if r["errors"]]


# ---------------------------------------------------------------------------------------------
# Tests (测验)
# ---------------------------------------------------------------------------------------------


class _IssuedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: "User | AnonymousUser") -> "_IssuedQuerySet":
        """Issued in the user's subtrees, or by a unit above one of the user's units."""
        q = _scope_q(user, "unit__")
        if q is None:
            return self
        if not user.is_authenticated:
            return self.none()
        paths = user.scope_paths()  # type: ignore[union-attr]
        if not paths:
            return self.none()
        step = OrgUnit.steplen
        ancestors = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
        return self.filter(q | Q(unit__path__in=sorted(ancestors)))


class Quiz(TimeStamped):
    """A knowledge test (测验) for the people of some units, with a window and a paper rule.

    `rule` is a list of {"fraud_type", "difficulty", "count"}: each taker gets `count` questions
    drawn at random for each row from the non-retired questions for `age_band`.
    """

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="quizzes", verbose_name=_("发布单位")
    )
    units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("范围"))
    title = models.CharField(_("名称"), max_length=100)
    audience_kinds = models.JSONField(_("对象"), default=list)
    age_band = models.CharField(_("年龄段"), max_length=20, choices=AgeBand.choices)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    rule = models.JSONField(_("组卷规则"), default=list)
    pass_mark = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=80)
    attempts_allowed = models.PositiveSmallIntegerField(_("允许作答次数"), default=2)
    time_limit_minutes = models.PositiveSmallIntegerField(_("限时（分钟）"), default=15)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = _IssuedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = verbose_name
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="learning_quiz_window_order",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100),
                name="learning_quiz_pass_mark_range",
            ),
            models.CheckConstraint(
                condition=Q(attempts_allowed__gte=1), name="learning_quiz_attempts_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def question_count(self) -> int:
        return sum(int(r["count"]) for r in self.rule)

    @property
    def audience_labels(self) -> list[str]:
        return [str(PersonKind(k).label) for k in self.audience_kinds if k in PersonKind.values]


class QuizClassLink(models.Model):
    """One link per class of a quiz, for the class group, with a light identity check."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="class_links")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("测验班级链接")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "unit"], name="learning_quizclasslink_one_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id}/{self.unit_id}"


class Assignment(models.Model):
    """One person who must take a quiz, with their personal link and best result so far."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="quiz_assignments")
    # The person's unit when the list was frozen: participation is counted against it.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    attempts_used = models.PositiveSmallIntegerField(default=0)
    best_attempt = models.ForeignKey(
        "Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    best_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed_at = models.DateTimeField(_("通过时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("测验对象")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "person"], name="learning_assignment_one_per_person"
            ),
        ]
        indexes = [models.Index(fields=["quiz", "unit"])]

    def __str__(self) -> str:
        return f"{self.quiz_id}→{self.person_id}"

    @property
    def passed(self) -> bool:
        return self.passed_at is not None


class Attempt(models.Model):
    """One sitting of a quiz by one person, with its own paper and a deadline kept on the server."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("作答中")
        SUBMITTED = "submitted", _("已交卷")
        EXPIRED = "expired", _("超时未交")

    class Via(models.TextChoices):
        PERSONAL = "personal", _("个人链接")
        CLASS = "class", _("班级链接")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("第几次"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.PERSONAL)
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    correct = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(default=False)
    device = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    flag = models.CharField(_("异常提示"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = verbose_name
        ordering = ["assignment_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "number"], name="learning_attempt_unique_number"
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="in_progress"),
                name="learning_attempt_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["device", "started_at"]),
            models.Index(fields=["ip_address", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}#{self.number} {self.status}"


class AttemptItem(models.Model):
    """One question of an attempt's paper: the version shown and the answer given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    fraud_type = models.CharField(max_length=30, choices=FRAUD_CHOICES)
    chosen = models.JSONField(null=True, blank=True)
    is_correct = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("作答题目")
        verbose_name_plural = verbose_name
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="learning_attemptitem_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}.{self.position}"

    @property
    def chosen_letters(self) -> str:
        return "".join(chr(65 + i) for i in (self.chosen or []))


# ---------------------------------------------------------------------------------------------
# Risk self-test (风险自测)
# ---------------------------------------------------------------------------------------------


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class SelfTestRound(TimeStamped):
    """A self-test sent to the students of some units; answers are confidential."""

    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="selftest_rounds",
        verbose_name=_("发布单位"),
    )
    units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("范围"))
    title = models.CharField(_("名称"), max_length=100)
    closes_at = models.DateTimeField(_("截止时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = _IssuedQuerySet.as_manager()

    class Meta:
        verbose_name = _("风险自测")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SelfTestClassLink(models.Model):
    round = models.ForeignKey(SelfTestRound, on_delete=models.CASCADE, related_name="class_links")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("自测班级链接")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit"], name="learning_selftestclasslink_one_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}"


class SelfTestInvite(models.Model):
    """One student asked to take a self-test round, with their personal link."""

    round = models.ForeignKey(SelfTestRound, on_delete=models.CASCADE, related_name="invites")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="selftest_invites")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("自测对象")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"], name="learning_selftestinvite_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}→{self.person_id}"


class SelfTestResponse(models.Model):
    """A submitted self-test: the answers (confidential), the score and the level."""

    invite = models.OneToOneField(SelfTestInvite, on_delete=models.CASCADE, related_name="response")
    version = models.PositiveIntegerField(_("问卷版本"))
    answers = models.JSONField(_("作答"))
    score = models.PositiveIntegerField(_("得分"))
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    hard_flags = models.JSONField(_("一票高风险题"), default=list)
    via = models.CharField(max_length=10, choices=Attempt.Via.choices)
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("自测结果")
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.invite_id} {self.level}"
