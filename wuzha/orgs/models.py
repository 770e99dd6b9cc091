import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from wuzha.core.models import TimeStamped
from wuzha.core.validators import mask_id_number, mask_mobile

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县/区")
    BUREAU = "bureau", _("局/部门")
    TOWN = "town", _("乡镇/街道")
    POLICE_STATION = "police_station", _("派出所")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY_SCHOOL = "primary_school", _("小学")
    MIDDLE_SCHOOL = "middle_school", _("中学")
    UNIVERSITY = "university", _("高校")
    COLLEGE = "college", _("二级学院")
    GRADE = "grade", _("年级")
    CLASS = "class", _("班级")
    GROUP = "group", _("小组")


SCHOOL_KINDS = frozenset(
    {
        UnitKind.KINDERGARTEN,
        UnitKind.PRIMARY_SCHOOL,
        UnitKind.MIDDLE_SCHOOL,
        UnitKind.UNIVERSITY,
    }
)


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    LEADER = "leader", _("领导小组（组长/副组长）")
    COORDINATOR = "coordinator", _("办公室/联络员")
    TEACHER = "teacher", _("班主任/辅导员")
    POLICE = "police", _("民警")
    COUNSELLOR = "counsellor", _("心理辅导")
    INSPECTOR = "inspector", _("督导（只读）")


# Who may do what, by role held on the unit or an ancestor of it.
STAFF_MANAGERS = frozenset({Role.ADMIN, Role.LEADER})
ROSTER_EDITORS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR})
PERSON_EDITORS = ROSTER_EDITORS | {Role.TEACHER}
SENSITIVE_READERS = frozenset({Role.ADMIN, Role.LEADER, Role.TEACHER, Role.COUNSELLOR, Role.POLICE})


def _scope_q(user: "User | AnonymousUser", prefix: str = "") -> Q | None:
    """Return a Q matching units (through `prefix`) in the user's subtrees; None means all."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    paths = user.scope_paths()  # type: ignore[union-attr]
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


class OrgUnitQuerySet(MP_NodeQuerySet):
    def visible_to(self, user: "User | AnonymousUser") -> "OrgUnitQuerySet":
        q = _scope_q(user)
        return self if q is None else self.filter(q)

    def subtree_of(self, unit: "OrgUnit") -> "OrgUnitQuerySet":
        return self.filter(path__startswith=unit.path)


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model).order_by("path")

    def visible_to(self, user: "User | AnonymousUser") -> OrgUnitQuerySet:
        return self.get_queryset().visible_to(user)


class OrgUnit(MP_Node, TimeStamped):
    """A node of the one organisation tree: 县 → 乡镇 → 村, 学校 → 年级 → 班级 → 小组."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(
        _("代码"),
        max_length=40,
        unique=True,
        help_text=_("行政区划代码、学校代码或自定义代码，全局唯一"),
    )
    population = models.PositiveIntegerField(
        _("人口数"), null=True, blank=True, help_text=_("没有花名册的单位用于计算万人发案数")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_KINDS

    @property
    def is_class(self) -> bool:
        return self.kind == UnitKind.CLASS

    def school(self) -> "OrgUnit | None":
        """Return the school this unit belongs to (itself if it is one)."""
        if self.is_school:
            return self
        return (
            OrgUnit.objects.filter(path__in=self.ancestor_paths(), kind__in=list(SCHOOL_KINDS))
            .order_by("-depth")
            .first()
        )

    def ancestor_paths(self) -> list[str]:
        step = self.steplen
        return [self.path[:i] for i in range(step, len(self.path), step)]

    def full_name(self) -> str:
        """The name with its ancestors below the county, e.g. 实验小学 / 三年级 / 三年级2班."""
        names = list(
            OrgUnit.objects.filter(path__in=self.ancestor_paths())
            .exclude(kind__in=[UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY])
            .order_by("depth")
            .values_list("name", flat=True)
        )
        return " / ".join([*names, self.name])


class OrgUnitHistory(models.Model):
    """Every rename, move, recode or (de)activation of a unit, kept so reports stay explainable."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        RENAME = "rename", _("改名")
        MOVE = "move", _("移动")
        RECODE = "recode", _("改代码")
        DEACTIVATE = "deactivate", _("停用")
        ACTIVATE = "activate", _("启用")

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    old_value = models.CharField(_("原值"), max_length=255, blank=True)
    new_value = models.CharField(_("新值"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位变更记录")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.action}: {self.old_value} → {self.new_value}"


class PersonKind(models.TextChoices):
    STUDENT = "student", _("学生")
    STAFF = "staff", _("教职工")
    GUARDIAN = "guardian", _("家长/监护人")
    RESIDENT = "resident", _("居民")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未填")


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: "User | AnonymousUser") -> "PersonQuerySet":
        """Persons in the user's subtrees, plus guardians of students there."""
        q = _scope_q(user, "unit__")
        if q is None:
            return self
        ward_q = _scope_q(user, "wards__student__unit__")
        assert ward_q is not None
        direct = self.filter(q)
        via_ward = self.filter(ward_q, kind=PersonKind.GUARDIAN)
        return self.filter(Q(pk__in=direct.values("pk")) | Q(pk__in=via_ward.values("pk")))

    def in_subtree(self, unit: OrgUnit) -> "PersonQuerySet":
        return self.filter(unit__path__startswith=unit.path)


class Person(TimeStamped):
    """Anyone a campaign must reach: a student, a staff member, a guardian or a resident."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="persons", verbose_name=_("所属单位")
    )
    school = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("学校"),
        help_text=_("学号/工号在此范围内唯一"),
    )
    kind = models.CharField(_("类别"), max_length=10, choices=PersonKind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    number = models.CharField(_("学号/工号"), max_length=40, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "number"],
                condition=~Q(number=""),
                name="orgs_person_number_unique_per_school",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="orgs_person_name_not_empty"),
        ]
        indexes = [models.Index(fields=["unit", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)


class Guardianship(models.Model):
    """A guardian of a student; a guardian may have several wards, a student several guardians."""

    class Relation(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")
        GRANDPARENT = "grandparent", _("祖父母/外祖父母")
        OTHER = "other", _("其他")

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="wards")
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["student", "guardian"], name="orgs_guardianship_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} → {self.student_id} ({self.relation})"


class User(AbstractUser):
    """A staff account. What it may see comes from its memberships, never from is_staff."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.display_name or self.username

    def scope_paths(self) -> list[str]:
        """Paths of the units the user holds a role in (cached on the instance)."""
        cached: list[str] | None = getattr(self, "_scope_paths", None)
        if cached is None:
            cached = list(
                Membership.objects.filter(user=self, unit__is_active=True)
                .values_list("unit__path", flat=True)
                .distinct()
            )
            self._scope_paths = cached
        return cached

    def roles_for(self, unit: OrgUnit) -> set[str]:
        """Roles the user holds on `unit` or any of its ancestors."""
        if self.is_superuser:
            return set(Role.values)
        cache: dict[str, set[str]] | None = getattr(self, "_roles_cache", None)
        if cache is None:
            cache = {}
            for path, role in Membership.objects.filter(
                user=self, unit__is_active=True
            ).values_list("unit__path", "role"):
                cache.setdefault(path, set()).add(role)
            self._roles_cache = cache
        roles: set[str] = set()
        for path, held in cache.items():
            if unit.path.startswith(path):
                roles |= held
        return roles


class Membership(TimeStamped):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    title = models.CharField(
        _("职务"), max_length=50, blank=True, help_text=_("如：组长、副组长、联络员")
    )

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="orgs_membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=50, blank=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


def _roster_import_token() -> str:
    return secrets.token_urlsafe(24)


class RosterImport(models.Model):
    """One uploaded roster file: its dry-run summary while previewed, then imported or discarded."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        IMPORTED = "imported", _("已导入")
        DISCARDED = "discarded", _("已放弃")

    class Mode(models.TextChoices):
        VALID_ONLY = "valid_only", _("只导入有效行")
        ALL_OR_NOTHING = "all_or_nothing", _("有错误时全部不导入")

    token = models.CharField(
        max_length=64, unique=True, default=_roster_import_token, editable=False
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="roster_imports",
        verbose_name=_("导入单位"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to="roster/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    mode = models.CharField(_("导入方式"), max_length=20, choices=Mode.choices, blank=True)
    summary = models.JSONField(_("预检结果"), default=dict)
    outcome = models.JSONField(_("导入结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same file uploaded twice by the same person for the same unit is one preview.
            models.UniqueConstraint(
                fields=["unit", "uploaded_by", "sha256"],
                condition=Q(status="previewed"),
                name="orgs_rosterimport_one_preview_per_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.unit_id} ({self.status})"
