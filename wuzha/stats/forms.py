from django import forms
from django.utils.translation import gettext_lazy as _

from wuzha.orgs.models import UnitKind

from . import indicators
from .models import Briefing, EscalationRule, EvaluationKind

RANKABLE = [(d.code, d.label) for d in indicators.DEFINITIONS]


class PeriodField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("label", _("期间"))
        super().__init__(**kwargs)  # type: ignore[arg-type]


class RankingForm(forms.Form):
    period_key = PeriodField(help_text=_("如 2026-10"))
    indicators = forms.MultipleChoiceField(
        label=_("排名指标"), choices=RANKABLE, widget=forms.CheckboxSelectMultiple
    )


class RuleForm(forms.ModelForm):
    indicators = forms.MultipleChoiceField(
        label=_("排名指标"), choices=RANKABLE, widget=forms.CheckboxSelectMultiple
    )
    unit_kind = forms.ChoiceField(
        label=_("参与排名的单位类型"),
        choices=[("", _("全部直属下级")), *UnitKind.choices],
        required=False,
    )

    class Meta:
        model = EscalationRule
        fields = ["unit_kind", "indicators", "deputy_months", "head_months", "listing_notices",
                  "rectify_days"]  # fmt: skip


class EvaluationForm(forms.Form):
    kind = forms.ChoiceField(label=_("评选类型"), choices=EvaluationKind.choices)
    period_key = PeriodField(help_text=_("如 2026-T1（学期）或 2026（年）"))
    require_no_case = forms.BooleanField(label=_("期间内无被骗案件"), required=False, initial=True)
    require_receipts_full = forms.BooleanField(
        label=_("家长回执全部签收"), required=False, initial=True
    )
    min_pass_rate = forms.DecimalField(
        label=_("知晓率不低于（%）"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=_("留空表示不要求"),
    )
    require_duties_complete = forms.BooleanField(
        label=_("工作任务全部完成"), required=False, initial=True
    )


class BriefingDraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("简报类型"), choices=Briefing.Kind.choices)
    period_key = PeriodField(help_text=_("双周如 2026-BiW24，学期如 2026-T1"))


class BriefingEditForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    summary = forms.CharField(label=_("工作综述"), widget=forms.Textarea, required=False)
