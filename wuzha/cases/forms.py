import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuzha.orgs.models import OrgUnit, Person, PersonKind

from .models import FRAUD_TYPE_CHOICES, AftercareNote, Case, Channel, PaymentMethod, VictimKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_AMOUNT_FEN = 100_000_000_00  # ¥100 million: anything above is a typing error


class YuanField(forms.CharField):
    """An amount typed in yuan (3000, 3,000.50, ¥3000); cleaned to integer fen."""

    default_error_messages = {
        "invalid": _("请输入金额（元），如 3000 或 3000.50"),
        "cents": _("金额最多保留两位小数"),
        "range": _("金额应在0到1亿元之间"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            yuan, cents = divmod(value, 100)
            return f"{yuan}.{cents:02d}" if cents else str(yuan)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = re.sub(r"[\s,，¥￥元]", "", str(value or ""))
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(self.error_messages["cents"], code="cents")
        fen = int(amount * 100)
        if fen < 0 or fen > MAX_AMOUNT_FEN:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return fen

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": _("请填写日期和时间，如 2026-11-23 14:05")},
    )


class VictimChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.number}）" if obj.number else obj.name


def _victims(unit: OrgUnit) -> Any:
    return (
        Person.objects.in_subtree(unit)
        .filter(is_active=True, kind=PersonKind.STUDENT)
        .order_by("unit__path", "number", "name")
    )


class EmergencyForm(forms.Form):
    """The one phone screen of 紧急止付; everything but who and how much may be left as it is."""

    victim = VictimChoiceField(
        label=_("被骗学生"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— 从名册选择 —"),
    )
    victim_name = forms.CharField(
        label=_("或填写姓名"), max_length=50, required=False, help_text=_("不在名册中时填写")
    )
    amount = YuanField(label=_("转账金额（元）"))
    occurred_at = _datetime_field(_("转账时间"))
    channel = forms.ChoiceField(label=_("对方通过什么联系"), choices=Channel.choices)
    payment_method = forms.ChoiceField(label=_("怎么转的钱"), choices=PaymentMethod.choices)
    receiving_account = forms.CharField(
        label=_("对方收款账户"),
        max_length=200,
        required=False,
        help_text=_("银行卡号、支付宝/微信账号、户名，知道多少填多少"),
    )
    note = forms.CharField(
        label=_("补充情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                "client_token": uuid.uuid4(),
                "channel": Channel.PHONE,
                "payment_method": PaymentMethod.BANK_TRANSFER,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["victim"].queryset = _victims(unit)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("victim") and not (data.get("victim_name") or "").strip():
            self.add_error("victim_name", _("请选择名册中的学生，或填写被骗人姓名"))
        return data


class CaseForm(forms.Form):
    """The ledger record (restricted fields are edited on their own page)."""

    victim = VictimChoiceField(
        label=_("受害人（名册）"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— 不在名册中 —"),
    )
    victim_name = forms.CharField(label=_("受害人姓名"), max_length=50, required=False)
    victim_kind = forms.ChoiceField(label=_("受害人类别"), choices=VictimKind.choices)
    occurred_at = _datetime_field(_("被骗/转账时间"))
    discovered_at = _datetime_field(_("发现时间"), required=False)
    reported_school_at = _datetime_field(_("报告学校时间"), required=False)
    reported_police_at = _datetime_field(_("报警时间"), required=False)
    fraud_type = forms.ChoiceField(label=_("诈骗类型"), choices=FRAUD_TYPE_CHOICES)
    channel = forms.ChoiceField(label=_("接触渠道"), choices=Channel.choices)
    amount_lost = YuanField(label=_("损失金额（元）"))
    payment_method = forms.ChoiceField(
        label=_("支付方式"), choices=[("", "—"), *PaymentMethod.choices], required=False
    )
    receiving_account = forms.CharField(label=_("收款账户"), max_length=200, required=False)
    police_case_number = forms.CharField(label=_("警情/案件编号"), max_length=60, required=False)
    narrative = forms.CharField(
        label=_("案件经过"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(label=_("状态"), choices=Case.Status.choices)
    amount_recovered = YuanField(label=_("追回金额（元）"), required=False)
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, unit: OrgUnit, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["victim"]
            del self.fields["victim_name"]
            del self.fields["client_token"]
        else:
            self.fields["victim"].queryset = _victims(unit)  # type: ignore[attr-defined]
            self.fields["client_token"].initial = uuid.uuid4()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "victim" in self.fields
            and not data.get("victim")
            and not (data.get("victim_name") or "").strip()
        ):
            self.add_error("victim_name", _("请选择名册中的受害人，或填写姓名"))
        lost, recovered = data.get("amount_lost"), data.get("amount_recovered")
        if lost is not None and recovered is not None and recovered > lost:
            self.add_error("amount_recovered", _("追回金额不能大于损失金额"))
        return data

    def ledger_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["amount_lost_fen"] = data.pop("amount_lost")
        data["amount_recovered_fen"] = data.pop("amount_recovered") or 0
        for key in ("victim", "victim_name", "client_token"):
            data.pop(key, None)
        return data


class RestrictedForm(forms.Form):
    funds_source = forms.CharField(
        label=_("被骗资金来源"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：生活费、助学贷款、向同学借款、网贷"),
    )
    family_situation = forms.CharField(
        label=_("家庭情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StopResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("止付结果"),
        choices=[c for c in Case.StopResult.choices if c[0] != Case.StopResult.PENDING],
    )
    amount_frozen = YuanField(label=_("止付冻结金额（元）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AckForm(forms.Form):
    name = forms.CharField(
        label=_("您的姓名/警号"),
        max_length=50,
        required=False,
        help_text=_("未登录时填写，便于学校联系"),
    )


class AftercarePlanForm(forms.Form):
    plan = forms.CharField(label=_("疏导计划"), widget=forms.Textarea(attrs={"rows": 4}))
    next_session_on = forms.DateField(
        label=_("下次跟进日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AftercareNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=AftercareNote.Kind.choices)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("记录"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    findings = forms.CharField(label=_("复盘经过与原因"), widget=forms.Textarea(attrs={"rows": 4}))
    responsibility = forms.CharField(
        label=_("责任认定"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.CharField(
        label=_("复盘结论"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("保存后复盘即完成，案件方可结案"),
        error_messages={"required": _("请填写复盘结论")},
    )


class InquiryCloseForm(forms.Form):
    finding = forms.CharField(label=_("调查结论"), widget=forms.Textarea(attrs={"rows": 3}))
