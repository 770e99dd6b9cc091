import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuzha.learning.taxonomy import FRAUD_CODES, FraudType
from wuzha.orgs.models import OrgUnit, Person

from .models import ActivityFile, ActivityKind, AttendanceMode, Audience, ChatGroup, Material

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
FRAUD_CHOICES = [(c, FraudType(c).label) for c in FRAUD_CODES]
EVIDENCE_ACCEPT = "image/*,video/*,.pdf,.docx,.xlsx"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content later, in the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def person_label(person: Person, *, full: bool) -> str:
    from wuzha.core.validators import mask_name

    name = person.name if full else mask_name(person.name)
    return f"{name} {person.number}".strip()


class RosterChoiceField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)


class ActivityFieldsForm(forms.Form):
    kind = forms.ChoiceField(label=_("活动类型"), choices=ActivityKind.choices)
    title = forms.CharField(
        label=_("活动主题"),
        max_length=100,
        required=False,
        help_text=_("可不填，默认为“防范电信网络诈骗”加活动类型"),
    )
    date = forms.DateField(label=_("日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), required=False, widget=TIME)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    speaker = forms.CharField(
        label=_("主讲人"),
        max_length=100,
        required=False,
        help_text=_("如：班主任、城关派出所民警"),
    )
    audiences = forms.MultipleChoiceField(
        label=_("对象"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一类活动对象")},
    )
    fraud_types = forms.MultipleChoiceField(
        label=_("讲到的诈骗类型"),
        choices=FRAUD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title") and data.get("kind"):
            data["title"] = _("防范电信网络诈骗%(k)s") % {"k": ActivityKind(data["kind"]).label}
        return data


class ActivityForm(ActivityFieldsForm):
    """Quick entry of an activity, with its photos and (for a class) the roster to untick."""

    attendance_mode = forms.ChoiceField(
        label=_("出勤记录方式"),
        choices=AttendanceMode.choices,
        widget=forms.RadioSelect,
        initial=AttendanceMode.ROSTER,
    )
    present = RosterChoiceField(label=_("出勤（取消勾选缺席的人）"))
    headcount = forms.IntegerField(
        label=_("参加人数"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("只记人数或上传签到表时填写"),
    )
    photos = MultipleFileField(
        label=_("现场照片/材料"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=_("照片、视频、PDF、Word、Excel；同一张照片重复使用会被标出"),
    )
    sign_in_sheets = MultipleFileField(
        label=_("签到表照片"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf"}),
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    field_order = [
        "kind",
        "date",
        "start_time",
        "title",
        "audiences",
        "attendance_mode",
        "present",
        "headcount",
        "sign_in_sheets",
        "photos",
        "place",
        "speaker",
        "fraud_types",
        "description",
        "client_id",
    ]

    def __init__(self, *args: Any, roster: list[Person], full_names: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roster = roster
        field = self.fields["present"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(p.pk, person_label(p, full=full_names)) for p in roster]
        if not roster:
            del self.fields["present"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("attendance_mode") == AttendanceMode.ROSTER and not self.roster:
            self.add_error(
                "attendance_mode",
                _("本单位没有可点名的名册（或超过120人），请选择“只记人数”或上传签到表"),
            )
        if not data.get("client_id"):
            data["client_id"] = uuid.uuid4()
        return data


class AttendanceForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("出勤记录方式"), choices=AttendanceMode.choices, widget=forms.RadioSelect
    )
    present = RosterChoiceField(label=_("出勤（取消勾选缺席的人）"))
    headcount = forms.IntegerField(label=_("参加人数"), required=False, min_value=1)

    def __init__(self, *args: Any, roster: list[Person], full_names: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roster = roster
        field = self.fields["present"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(p.pk, person_label(p, full=full_names)) for p in roster]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        if mode == AttendanceMode.ROSTER and not self.roster:
            self.add_error("mode", _("没有可点名的名册，请选择“只记人数”"))
        if mode in (AttendanceMode.COUNT, AttendanceMode.SHEET) and not data.get("headcount"):
            self.add_error("headcount", _("请填写参加人数"))
        return data


class FilesForm(forms.Form):
    role = forms.ChoiceField(
        label=_("用途"), choices=ActivityFile.Role.choices, initial=ActivityFile.Role.PHOTO
    )
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("文件"), widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT})
    )


class ChatGroupForm(forms.ModelForm):
    checked_today = forms.BooleanField(
        label=_("今天已按清单检查过本群"), required=False, initial=True
    )

    class Meta:
        model = ChatGroup
        fields = [
            "platform",
            "kind",
            "name",
            "owner_name",
            "admins",
            "member_count",
            "responsible",
            "join_verification",
            "owner_verified",
            "no_fee_notice",
            "remark_names_set",
            "is_active",
        ]
        help_texts = {
            "owner_verified": _("已当面或电话核实群主就是本班老师/本村干部本人"),
            "remark_names_set": _("老师、管理员的群昵称已改为“学校-班级-姓名”等实名备注"),
        }


class GroupTipForm(forms.Form):
    posted_on = forms.DateField(label=_("发布日期"), widget=DATE)
    content = forms.CharField(
        label=_("提示内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    fraud_types = forms.MultipleChoiceField(
        label=_("涉及诈骗类型"),
        choices=FRAUD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"posted_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:  # type: ignore[override]
        return obj.name


class VisitForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    village = UnitChoiceField(label=_("村/社区"), queryset=OrgUnit.objects.none())
    address = forms.CharField(
        label=_("地址"), max_length=200, help_text=_("如：上林村3组12号、南门社区5栋2单元301")
    )
    head_name = forms.CharField(label=_("户主"), max_length=50, required=False)
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    people_met = forms.IntegerField(label=_("见面人数"), min_value=1, max_value=50, initial=1)
    met_persons = forms.ModelMultipleChoiceField(
        label=_("见面的在册居民"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选的居民计入“入户宣传”覆盖"),
    )
    met_names = forms.CharField(label=_("见面人员"), max_length=200, required=False)
    materials = forms.MultipleChoiceField(
        label=_("发放材料"),
        choices=Material.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.MultipleChoiceField(
        label=_("讲解的诈骗类型"),
        choices=FRAUD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    app_installed = forms.IntegerField(
        label=_("现场安装国家反诈中心APP人数"), min_value=0, max_value=50, initial=0
    )
    signer_name = forms.CharField(label=_("签字人"), max_length=50, required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    latitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=9, decimal_places=6
    )
    accuracy_m = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    photos = MultipleFileField(
        label=_("照片"), required=False, widget=MultipleFileInput(attrs={"accept": "image/*"})
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, villages: Any, residents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = villages
        if residents is None:
            del self.fields["met_persons"]
        else:
            persons = self.fields["met_persons"]
            assert isinstance(persons, forms.ModelMultipleChoiceField)
            persons.queryset = residents

    def clean_signature(self) -> str:
        value: str = self.cleaned_data.get("signature") or ""
        if value and not value.startswith("data:image/png;base64,"):
            raise forms.ValidationError(_("签名格式不正确，请重新签名"))
        return value


class HouseholdBulkForm(forms.Form):
    lines = forms.CharField(
        label=_("登记户"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一户：地址，户主（户主可不填）。已登记的地址不会重复。"),
    )

    def clean_lines(self) -> list[tuple[str, str]]:
        rows = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            address, _sep, head = line.replace("，", ",").partition(",")
            if not address.strip():
                raise forms.ValidationError(_("第%(n)s行没有地址") % {"n": number})
            if len(address.strip()) > 200:
                raise forms.ValidationError(_("第%(n)s行地址过长") % {"n": number})
            rows.append((address.strip(), head.strip()[:50]))
        if not rows:
            raise forms.ValidationError(_("请至少填写一户"))
        return rows
