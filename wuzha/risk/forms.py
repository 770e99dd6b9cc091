from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuzha.core.files import max_bytes

from .models import (
    CATEGORY_CHOICES,
    Clue,
    ClueKind,
    KeyGroup,
    Measure,
    RiskLevel,
    ScreeningItem,
)

MAX_CLUE_FILES = 3


class ClearForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已逐一了解本班每名学生的情况，本轮没有发现异常"),
        error_messages={"required": _("请先确认已逐一了解每名学生的情况")},
    )


class KeyPersonForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("类别"),
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个类别")},
    )
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    measures = forms.MultipleChoiceField(
        label=_("管控措施"),
        choices=Measure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    plan = forms.CharField(
        label=_("一人一策"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("具体做什么、谁来做、多久一次"),
    )
    first_followup_on = forms.DateField(
        label=_("首次跟进日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("为每项措施安排一次跟进，不填默认7天后"),
    )

    def __init__(self, *args: Any, county: bool = False, editing: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if county:
            self.fields["categories"].choices = KeyGroup.choices  # type: ignore[attr-defined]
        else:
            self.fields["categories"].choices = [  # type: ignore[attr-defined]
                c for c in CATEGORY_CHOICES if c[0] not in KeyGroup.values
            ]
        if editing:
            del self.fields["first_followup_on"]


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=Measure.choices)
    due_on = forms.DateField(label=_("计划日期"), widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpDoneForm(forms.Form):
    note = forms.CharField(
        label=_("跟进情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写跟进情况")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("销档理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写销档理由")},
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核"), choices=[("approve", _("同意销档")), ("reject", _("退回继续管控"))]
    )
    note = forms.CharField(label=_("审核意见"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ClueForm(forms.Form):
    kind = forms.ChoiceField(label=_("线索类型"), choices=ClueKind.choices)
    target = forms.CharField(
        label=_("号码/链接/账户"),
        max_length=300,
        required=False,
        help_text=_("电话号码、网址、收款账号、群号等"),
    )
    content = forms.CharField(
        label=_("线索内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("发生了什么、对方说了什么"),
        error_messages={"required": _("请描述线索内容")},
    )
    occurred_on = forms.DateField(
        label=_("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    screenshots = MultipleFileField(
        label=_("截图（最多3张）"), required=False, help_text=_("聊天记录、短信、转账截图")
    )
    anonymous = forms.BooleanField(label=_("匿名举报"), required=False)
    reporter_name = forms.CharField(label=_("您的姓名"), max_length=50, required=False)
    reporter_contact = forms.CharField(label=_("联系方式"), max_length=50, required=False)

    def clean_screenshots(self) -> list[Any]:
        files = self.cleaned_data.get("screenshots") or []
        if len(files) > MAX_CLUE_FILES:
            raise forms.ValidationError(_("最多上传3张截图"))
        limit = max_bytes("image")
        for f in files:
            if f.size > limit:
                raise forms.ValidationError(_("截图“%(n)s”太大") % {"n": f.name})
        return files


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            (Clue.Status.TRIAGED, Clue.Status.TRIAGED.label),
            (Clue.Status.CLOSED, Clue.Status.CLOSED.label),
            (Clue.Status.REJECTED, Clue.Status.REJECTED.label),
        ],
    )
    note = forms.CharField(label=_("处理说明（内部）"), max_length=500, required=False)
    public_reply = forms.CharField(
        label=_("给举报人的答复"),
        max_length=300,
        required=False,
        help_text=_("举报人凭查询码可以看到"),
    )


class ForwardForm(forms.Form):
    police: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("移交民警"),
        queryset=None,  # type: ignore[arg-type]
        empty_label=None,
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, police: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from wuzha.orgs.models import User

        self.fields["police"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p in police]
        )


class StatusLookupForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=12, min_length=10)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


SCREENING_ITEMS = ScreeningItem.choices
