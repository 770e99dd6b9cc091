from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuzha.core.validators import validate_id_number, validate_mobile

from .models import STAFF_MANAGERS, Gender, OrgUnit, PersonKind, Role, UnitKind, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("用户名或密码不正确。注意：密码区分大小写。"),
        "inactive": _("该账号已停用，请联系本单位管理员。"),
    }


class UnitChoiceField(forms.ModelChoiceField):
    """A unit picker that indents each unit by its depth so the tree reads at a glance."""

    def label_from_instance(self, obj: OrgUnit) -> str:  # type: ignore[override]
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"


class UnitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("代码"), max_length=40, help_text=_("行政区划代码、学校代码或自定义代码，全局唯一")
    )
    population = forms.IntegerField(
        label=_("人口数"),
        required=False,
        min_value=0,
        help_text=_("没有花名册的单位填写，用于万人发案数"),
    )

    def __init__(self, *args: object, unit: OrgUnit | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.unit = unit

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = OrgUnit.objects.filter(code=code)
        if self.unit is not None:
            clash = clash.exclude(pk=self.unit.pk)
        if clash.exists():
            raise forms.ValidationError(_("代码“%(code)s”已被其他单位使用"), params={"code": code})
        return code


class UnitAddForm(UnitForm):
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)

    field_order = ["kind", "name", "code", "population"]


class UnitMoveForm(forms.Form):
    new_parent = UnitChoiceField(
        label=_("移动到"), queryset=OrgUnit.objects.none(), empty_label=_("请选择上级单位")
    )

    def __init__(self, *args: object, unit: OrgUnit, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.unit = unit
        field = self.fields["new_parent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            OrgUnit.objects.visible_to(user)
            .exclude(path__startswith=unit.path)
            .exclude(kind__in=[UnitKind.CLASS, UnitKind.GROUP])
        )


class PersonForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=PersonKind.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    number = forms.CharField(label=_("学号/工号"), max_length=40, required=False)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        validators=[validate_id_number],
        help_text=_("选填；18位，保存后仅有权限的角色可查看完整号码"),
    )
    mobile = forms.CharField(
        label=_("手机号"), max_length=20, required=False, validators=[validate_mobile]
    )
    unit = UnitChoiceField(label=_("所属单位"), queryset=OrgUnit.objects.none())

    def __init__(self, *args: object, user: User, scope: OrgUnit, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OrgUnit.objects.visible_to(user).filter(path__startswith=scope.path)


class StaffInviteForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(
        label=_("手机号"), max_length=20, required=False, validators=[validate_mobile]
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    unit = UnitChoiceField(label=_("任职单位"), queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    title = forms.CharField(label=_("职务"), max_length=50, required=False)

    def __init__(self, *args: object, user: User, scope: OrgUnit, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OrgUnit.objects.visible_to(user).filter(path__startswith=scope.path)
        if not user.is_superuser:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.ADMIN]  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名“%(u)s”已存在"), params={"u": username})
        return username


class MembershipForm(forms.Form):
    unit = UnitChoiceField(label=_("任职单位"), queryset=OrgUnit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    title = forms.CharField(label=_("职务"), max_length=50, required=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        managed = [
            m.unit.path for m in user.memberships.select_related("unit") if m.role in STAFF_MANAGERS
        ]
        qs = OrgUnit.objects.all()
        if not user.is_superuser:
            q = Q(pk__in=[])
            for path in managed:
                q |= Q(path__startswith=path)
            qs = qs.filter(q)
        field.queryset = qs
        if not user.is_superuser:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.ADMIN]  # type: ignore[attr-defined]
