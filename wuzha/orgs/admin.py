"""The back-office admin for the org tree, roster, staff and tokens, scoped like the app.

Superusers see everything. Any other staff account sees only rows in the subtrees of its
memberships, may pick only units where its role allows the change, and still needs the usual
Django model permissions to open a model at all.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.fields.related import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from wuzha.core.services import sensitive_read_log
from wuzha.core.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

from . import access, services
from .models import (
    PERSON_EDITORS,
    ROSTER_EDITORS,
    STAFF_MANAGERS,
    ApiToken,
    Guardianship,
    Membership,
    OrgUnit,
    OrgUnitHistory,
    Person,
    PersonKind,
    User,
)


def _user(request: HttpRequest) -> User:
    # The admin site only lets active staff accounts through.
    return request.user  # type: ignore[return-value]


def units_with_role(user: User, roles: Iterable[str]) -> QuerySet[OrgUnit]:
    """Units in the subtrees where `user` holds one of `roles`: the units it may pick in a form."""
    if user.is_superuser:
        return OrgUnit.objects.all()
    paths = set(
        Membership.objects.filter(user=user, role__in=list(roles), unit__is_active=True)
        .values_list("unit__path", flat=True)
        .distinct()
    )
    if not paths:
        return OrgUnit.objects.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return OrgUnit.objects.filter(q)


def visible_users(user: User) -> QuerySet[User]:
    """Accounts holding a role inside `user`'s subtrees; superusers only to superusers."""
    if user.is_superuser:
        return User.objects.all()
    units = OrgUnit.objects.visible_to(user)
    holders = Membership.objects.filter(unit__in=units).values("user")
    return User.objects.filter(pk__in=holders, is_superuser=False)


def manages_whole_account(manager: User, target: User) -> bool:
    """Whether every role of `target` lies in a subtree where `manager` manages staff."""
    paths = access.managed_paths(manager)
    if paths is None:
        return True
    if target.is_superuser or not paths:
        return False
    target_paths = list(target.memberships.values_list("unit__path", flat=True))
    return bool(target_paths) and all(any(tp.startswith(mp) for mp in paths) for tp in target_paths)


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows and foreign-key choices follow the user's unit scope."""

    # Roles a user needs on a unit to pick it in a unit foreign key.
    unit_choice_roles: Iterable[str] = ROSTER_EDITORS

    def scope(self, queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
        """Narrow `queryset` to the rows a non-superuser staff member may see."""
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        user = _user(request)
        return queryset if user.is_superuser else self.scope(queryset, user)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        limited = scoped_choices(db_field, _user(request), self.unit_choice_roles)
        if limited is not None:
            kwargs["queryset"] = limited
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def scoped_choices(
    db_field: ForeignKey[Any, Any], user: User, unit_roles: Iterable[str]
) -> QuerySet[Any] | None:
    """The choices a foreign key to a unit, person or user may offer `user`; None = unchanged."""
    model = db_field.related_model
    if model is OrgUnit:
        return units_with_role(user, unit_roles)
    if model is Person:
        return Person.objects.visible_to(user)
    if model is User:
        return visible_users(user)
    return None


class ReadOnlyAdmin(ScopedAdmin):
    """A scoped admin for logs: rows are listed and opened, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScopedMoveNodeForm(MoveNodeForm):
    """The treebeard move form, limited to reference units the user may edit.

    A non-superuser may only place a unit as the first child of a unit in its scope: "before" or
    "after" its own top unit would move the unit out of the subtree.
    """

    user: User | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.user
        if user is None or user.is_superuser:
            return
        field = self.fields["treebeard_ref_node"]
        field.queryset = field.queryset.filter(  # type: ignore[attr-defined]
            pk__in=units_with_role(user, ROSTER_EDITORS).values("pk")
        )
        field.required = True
        field.empty_label = None  # type: ignore[attr-defined]
        self.fields["treebeard_position"].choices = [  # type: ignore[attr-defined]
            ("first-child", _("作为下级单位"))
        ]


@admin.register(OrgUnit)
class OrgUnitAdmin(TreeAdmin):
    """The org tree: superusers drag nodes in the tree; scoped staff get a flat list of theirs."""

    form = movenodeform_factory(OrgUnit, form=ScopedMoveNodeForm)
    list_display = ["name", "code", "kind", "population", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": _user(request)})

    def is_filtered(self, request: HttpRequest) -> bool:
        # Treebeard's tree starts at the real roots; a scoped user's top units are not roots,
        # so it gets the flat, searchable list instead.
        return not _user(request).is_superuser or super().is_filtered(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        user = _user(request)
        return queryset if user.is_superuser else queryset.visible_to(user)  # type: ignore[attr-defined]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.can_edit_roster(_user(request), obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or access.can_edit_roster(_user(request), obj))

    def move_node(self, request: HttpRequest) -> HttpResponse:
        # The drag-and-drop endpoint takes any node and target; only superusers see the tree.
        if not _user(request).is_superuser:
            raise PermissionDenied
        return super().move_node(request)  # type: ignore[no-any-return]

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # The tree form writes moves while saving, so the old state is read first.
        form.wuzha_before = (
            OrgUnit.objects.filter(pk=form.instance.pk)
            .values("name", "code", "is_active", "path")
            .first()
            if change
            else None
        )
        return super().save_form(request, form, change)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save the unit and record the change in the unit history, like the services do."""
        super().save_model(request, obj, form, change)
        obj.refresh_from_db()
        user = _user(request)
        if not change:
            OrgUnitHistory.objects.create(
                unit=obj, action=OrgUnitHistory.Action.CREATE, new_value=obj.name, by=user
            )
            return
        before = getattr(form, "wuzha_before", None) or {}
        entries = []
        if before.get("name") != obj.name:
            entries.append((OrgUnitHistory.Action.RENAME, before.get("name", ""), obj.name))
        if before.get("code") != obj.code:
            entries.append((OrgUnitHistory.Action.RECODE, before.get("code", ""), obj.code))
        if before.get("is_active") != obj.is_active:
            action = (
                OrgUnitHistory.Action.ACTIVATE
                if obj.is_active
                else OrgUnitHistory.Action.DEACTIVATE
            )
            entries.append((action, "", ""))
        old_parent_path = before.get("path", "")[: -obj.steplen]
        if old_parent_path != obj.path[: -obj.steplen]:
            old_parent = OrgUnit.objects.filter(path=old_parent_path).first()
            new_parent = OrgUnit.objects.get_parent(obj)
            entries.append(
                (
                    OrgUnitHistory.Action.MOVE,
                    old_parent.full_name() if old_parent else "",
                    new_parent.full_name() if new_parent else "",
                )
            )
        for action, old, new in entries:
            OrgUnitHistory.objects.create(
                unit=obj, action=action, old_value=old, new_value=new, by=user
            )


class GuardianInline(admin.TabularInline):
    """The guardians of a student, chosen among guardians the user may see."""

    model = Guardianship
    fk_name = "student"
    extra = 0
    raw_id_fields = ["guardian"]
    verbose_name = _("家长/监护人")
    verbose_name_plural = verbose_name

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "guardian":
            kwargs["queryset"] = Person.objects.visible_to(_user(request)).filter(
                kind=PersonKind.GUARDIAN
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Form fields of a person that the services accept.
PERSON_FIELDS = ("kind", "name", "gender", "number", "id_number", "mobile", "is_active")
SENSITIVE_FIELDS = ("id_number", "mobile")


class PersonAdminForm(forms.ModelForm):
    """The person form; checks the per-school number rule, whose school the services derive."""

    class Meta:
        model = Person
        fields = ["unit", *PERSON_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typed numbers may carry spaces or +86: they are validated, then normalised below.
        # The fields are absent when the user may not read them, and must then stay absent.
        if "id_number" in self.fields:
            self.fields["id_number"] = forms.CharField(
                label=_("身份证号"), max_length=20, required=False, validators=[validate_id_number]
            )
        if "mobile" in self.fields:
            self.fields["mobile"] = forms.CharField(
                label=_("手机号"), max_length=20, required=False, validators=[validate_mobile]
            )

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data.get("id_number") or "")

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data.get("mobile") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, kind, number = data.get("unit"), data.get("kind"), data.get("number")
        if unit is not None and kind and number:
            taken = Person.objects.filter(school=unit.school(), kind=kind, number=number)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("number", _("本校已有相同学号/工号的人员"))
        return data


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    """The roster; ID and mobile numbers are masked unless the role may read them."""

    form = PersonAdminForm
    unit_choice_roles = PERSON_EDITORS
    list_display = [
        "name",
        "kind",
        "gender",
        "number",
        "unit",
        "id_number_masked",
        "mobile_masked",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    list_select_related = ["unit"]
    search_fields = ["name", "number"]
    inlines = [GuardianInline]

    def scope(self, queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
        return queryset.filter(pk__in=Person.objects.visible_to(user).values("pk"))

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, obj: Person) -> str:
        return obj.id_number_masked

    @admin.display(description=_("手机号"))
    def mobile_masked(self, obj: Person) -> str:
        return obj.mobile_masked

    def _may_read(self, request: HttpRequest, obj: Person | None) -> bool:
        return obj is None or access.can_read_sensitive(_user(request), obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields: list[Any] = ["unit", *PERSON_FIELDS]
        if not self._may_read(request, obj):
            fields = [f"{f}_masked" if f in SENSITIVE_FIELDS else f for f in fields]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if self._may_read(request, obj):
            return []
        return [f"{f}_masked" for f in SENSITIVE_FIELDS]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None or obj.kind != PersonKind.STUDENT:
            return []
        return super().get_inline_instances(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or access.has_role(_user(request), obj.unit, PERSON_EDITORS)
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or access.can_edit_roster(_user(request), obj.unit))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show a person; opening the full ID or mobile number is logged as a sensitive read."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            person = self.get_object(request, object_id)
            if (
                person is not None
                and (person.id_number or person.mobile)
                and access.can_read_sensitive(_user(request), person)
            ):
                sensitive_read_log(
                    request=request,
                    subject="person",
                    object_id=person.pk,
                    field="id_number,mobile",
                )
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Write through the roster services so numbers are normalised and the school derived."""
        data = form.cleaned_data
        fields = {name: data[name] for name in PERSON_FIELDS if name in data}
        if change:
            current = Person.objects.get(pk=obj.pk)
            saved = services.person_update(person=current, unit=data["unit"], **fields)
        else:
            saved = services.person_create(unit=data["unit"], **fields)
        # The admin goes on with `obj` (inlines, log entry, redirect).
        obj.pk = saved.pk
        obj.school = saved.school
        obj.id_number = saved.id_number
        obj.mobile = saved.mobile


class MembershipInline(admin.TabularInline):
    """The roles of an account, limited to the units the viewer manages."""

    model = Membership
    extra = 0
    fields = ["unit", "role", "title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request).select_related("unit")
        user = _user(request)
        if user.is_superuser:
            return queryset
        return queryset.filter(unit__in=units_with_role(user, STAFF_MANAGERS))

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "unit":
            kwargs["queryset"] = units_with_role(_user(request), STAFF_MANAGERS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff accounts; scoped staff see accounts holding a role in their subtrees.

    Only superusers create accounts here (scoped managers invite staff in the app) or grant
    admin flags, groups and permissions.
    """

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "mobile", "email")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ["username", "display_name", "mobile", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "mobile", "email"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        user = _user(request)
        if user.is_superuser:
            return queryset
        return queryset.filter(pk__in=visible_users(user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not _user(request).is_superuser:
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions", "last_login"]
            readonly += ["date_joined"]
        return readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _user(request).is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or manages_whole_account(_user(request), obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or manages_whole_account(_user(request), obj))


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    unit_choice_roles = STAFF_MANAGERS
    list_display = ["user", "unit", "role", "title"]
    list_filter = ["role"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__display_name", "unit__name", "unit__code"]

    def scope(self, queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
        return queryset.filter(unit__in=OrgUnit.objects.visible_to(user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.can_manage_staff(_user(request), obj.unit))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or access.can_manage_staff(_user(request), obj.unit))


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Personal API tokens: listed and revoked here, created only by `create_api_token`."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def scope(self, queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
        return queryset.filter(user__in=visible_users(user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or manages_whole_account(_user(request), obj.user))

    @admin.action(description=_("撤销所选令牌"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        user = _user(request)
        tokens = [t for t in queryset.select_related("user") if manages_whole_account(user, t.user)]
        count = ApiToken.objects.filter(
            pk__in=[t.pk for t in tokens], revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        self.message_user(request, _("已撤销 %(count)d 个令牌") % {"count": count})


@admin.register(OrgUnitHistory)
class OrgUnitHistoryAdmin(ReadOnlyAdmin):
    list_display = ["at", "unit", "action", "old_value", "new_value", "by"]
    list_filter = ["action"]
    list_select_related = ["unit", "by"]
    search_fields = ["unit__name", "unit__code", "old_value", "new_value"]

    def scope(self, queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
        return queryset.filter(unit__in=OrgUnit.objects.visible_to(user))
