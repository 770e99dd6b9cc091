from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wuzha.core.models import NotificationChannel
from wuzha.orgs.forms import UnitChoiceField
from wuzha.orgs.models import OrgUnit
from wuzha.outreach.models import Activity

from .models import (
    CampaignGoal,
    DutyTemplate,
    Inspection,
    LeadershipMember,
    Term,
)
from .templates_data import template_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=120)
    template_code = forms.ChoiceField(label=_("从模板创建"), required=False)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    guiding_text = forms.CharField(
        label=_("指导思想"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, unit: OrgUnit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("不使用模板（空白方案）")), *template_choices(unit)]
        self.fields["template_code"].choices = choices  # type: ignore[attr-defined]
        if unit is None:
            del self.fields["template_code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期"))
        return data


class GoalForm(forms.ModelForm):
    class Meta:
        model = CampaignGoal
        fields = ["indicator", "comparison", "target_value", "unit_label", "baseline_year"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("comparison") == CampaignGoal.Comparison.CHANGE_PCT and not data.get(
            "baseline_year"
        ):
            self.add_error("baseline_year", _("“较基准年变化”的目标必须填写基准年"))
        return data

    def validate_constraints(self) -> None:
        # The campaign is not on the instance yet; the service checks uniqueness.
        pass


class PhaseForm(forms.Form):
    name = forms.CharField(label=_("阶段"), max_length=60)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)
    tasks = forms.CharField(
        label=_("主要任务"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.ModelForm):
    class Meta:
        model = LeadershipMember
        fields = ["position", "name", "title", "responsibility"]
        widgets = {"responsibility": forms.Textarea(attrs={"rows": 2})}


class CampaignFileForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120, required=False)
    upload = forms.FileField(label=_("文件"), help_text=_("PDF、Word、Excel 或图片"))


class DutyTemplateForm(forms.ModelForm):
    class Meta:
        model = DutyTemplate
        fields = [
            "title",
            "description",
            "unit_kind",
            "target_units",
            "role",
            "cadence",
            "due_date",
            "deadline_day",
            "deadline_weekday",
            "deadline_week",
            "deadline_month",
            "within_terms",
            "grace_days",
            "min_photos",
            "requires_attendance",
            "requires_document",
            "count_label",
            "remind_before_days",
            "remind_after_days",
        ]
        widgets = {
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 2}),
            "target_units": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "deadline_day": _("每月：1–31（31 表示月末）；每年：日期"),
            "deadline_weekday": _("每周、每两周、每学期的截止星期"),
            "deadline_week": _("每学期第几教学周，如 15；留空表示学期最后一天"),
        }

    def __init__(self, *args: Any, scope: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = OrgUnit.objects.filter(path__startswith=scope.path, is_active=True)
        field.required = False

    def _post_clean(self) -> None:
        # Validation that needs the campaign and its calendar happens in the service.
        pass


class ActivityChoiceField(forms.ModelMultipleChoiceField):
    """Activity records shown as “date · type · title（unit）”."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.date:%Y-%m-%d} · {obj.get_kind_display()} · {obj.title}（{obj.unit.name}）"


class SubmitForm(forms.Form):
    text = forms.CharField(
        label=_("完成情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写完成情况")},
    )
    attendance = forms.IntegerField(label=_("参加人数"), required=False, min_value=0)
    count = forms.IntegerField(label=_("数量"), required=False, min_value=0)
    attachments = MultipleFileField(
        label=_("照片和材料"),
        required=False,
        help_text=_("可多选：照片、视频、PDF、Word、Excel"),
        widget=MultipleFileInput(attrs={"accept": "image/*,video/*,.pdf,.docx,.xlsx"}),
    )
    keep_previous_files = forms.BooleanField(
        label=_("保留上次提交的材料"), required=False, initial=True
    )
    activities = ActivityChoiceField(
        label=_("关联活动记录"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本单位（含下级）在任务期间内登记的活动；活动的现场照片计入照片数"),
        error_messages={
            "invalid_choice": _("所选活动记录不存在，或不属于本单位、不在本任务期间内，不能关联"),
            "invalid_pk_value": _("活动记录编号无效"),
        },
    )

    def __init__(
        self,
        *args: Any,
        template: DutyTemplate,
        resubmission: bool,
        activities: "QuerySet[Activity] | None" = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["activities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        if activities is None:
            del self.fields["activities"]
        else:
            field.queryset = activities
            if not activities.exists():
                field.help_text = _("任务期间内还没有可关联的活动记录，可先在“宣传活动”中登记")
        if not template.requires_attendance:
            del self.fields["attendance"]
        if template.count_label:
            self.fields["count"].label = template.count_label
        else:
            del self.fields["count"]
        if not resubmission:
            del self.fields["keep_previous_files"]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("accept", _("通过")), ("return", _("退回修改"))]
    )
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExceptionForm(forms.Form):
    until = forms.DateField(label=_("开放补报至"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=200)


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["school_year", "number", "start_date", "end_date"]
        widgets = {"start_date": DATE, "end_date": DATE}


class HolidayForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=40)
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE)


class ChannelForm(forms.ModelForm):
    class Meta:
        model = NotificationChannel
        fields = ["kind", "name", "webhook_url", "secret"]

    def clean_webhook_url(self) -> str:
        url: str = self.cleaned_data["webhook_url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Webhook 地址必须以 https:// 开头"))
        return url


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["date", "method", "summary"]
        widgets = {"date": DATE, "summary": forms.Textarea(attrs={"rows": 3})}

    def clean_date(self) -> date:
        value: date = self.cleaned_data["date"]
        from django.utils import timezone

        if value > timezone.localdate():
            raise forms.ValidationError(_("检查日期不能晚于今天"))
        return value


class FindingForm(forms.Form):
    text = forms.CharField(label=_("发现的问题"), max_length=500)
    owner_unit = UnitChoiceField(
        label=_("整改单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("需要整改时选择；留空表示只记录问题"),
    )
    deadline = forms.DateField(label=_("整改期限"), required=False, widget=DATE)

    def __init__(self, *args: Any, scope: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OrgUnit.objects.filter(path__startswith=scope.path, is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner_unit") and not data.get("deadline"):
            self.add_error("deadline", _("请填写整改期限"))
        return data


class RespondForm(forms.Form):
    response = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("整改证明材料"), required=False)


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("确认结果"),
        choices=[("accept", _("整改到位，销号")), ("return", _("未到位，退回"))],
    )
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
