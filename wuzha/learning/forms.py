"""Forms of the learning app: bank editing and import, quizzes, taking a test, the self-test."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from wuzha.orgs.models import OrgUnit, PersonKind, UnitKind

from .content import QuestionData, SelfTest, question_problems
from .models import AttemptItem, Difficulty, QuestionKind
from .taxonomy import FRAUD_CODES, FRAUD_LABELS, AgeBand

OPTION_FIELDS = 6
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class QuestionForm(forms.Form):
    """Edit a question: saving creates a new version, the old one stays with its attempts."""

    kind = forms.ChoiceField(label=_l("题型"), choices=QuestionKind.choices)
    fraud_type = forms.ChoiceField(
        label=_l("诈骗类型"), choices=[(c, FRAUD_LABELS[c]) for c in FRAUD_CODES]
    )
    age_bands = forms.MultipleChoiceField(
        label=_l("年龄段"), choices=AgeBand.choices, widget=forms.CheckboxSelectMultiple
    )
    difficulty = forms.TypedChoiceField(label=_l("难度"), choices=Difficulty.choices, coerce=int)
    stem = forms.CharField(label=_l("题干"), widget=forms.Textarea(attrs={"rows": 4}))
    option_0 = forms.CharField(label=_l("选项A"), max_length=300)
    option_1 = forms.CharField(label=_l("选项B"), max_length=300)
    option_2 = forms.CharField(label=_l("选项C"), max_length=300, required=False)
    option_3 = forms.CharField(label=_l("选项D"), max_length=300, required=False)
    option_4 = forms.CharField(label=_l("选项E"), max_length=300, required=False)
    option_5 = forms.CharField(label=_l("选项F"), max_length=300, required=False)
    answer = forms.CharField(
        label=_l("正确答案"),
        max_length=6,
        help_text=_l("填写选项字母，多选题如 AC；判断题选项为“正确”“错误”"),
    )
    explanation = forms.CharField(label=_l("解析"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key = key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        options = [data[f"option_{i}"].strip() for i in range(OPTION_FIELDS)]
        if "" in options[: len([o for o in options if o])]:
            self.add_error("option_2", _("选项请从A开始连续填写，中间不要留空"))
            return data
        options = [o for o in options if o]
        letters = sorted({c for c in data["answer"].upper() if not c.isspace()})
        if not letters or any(not "A" <= c <= chr(64 + len(options)) for c in letters):
            self.add_error("answer", _("答案必须是已填写选项的字母"))
            return data
        raw = {
            "key": self.key,
            "kind": data["kind"],
            "fraud_type": data["fraud_type"],
            "age_bands": data["age_bands"],
            "difficulty": data["difficulty"],
            "stem": data["stem"],
            "options": options,
            "answer": [ord(c) - 65 for c in letters],
            "explanation": data["explanation"],
        }
        for problem in question_problems(raw):
            self.add_error(
                "answer" if "答案" in problem or "正确选项" in problem else None, problem
            )
        self.question_data = QuestionData(
            key=self.key,
            kind=raw["kind"],
            fraud_type=raw["fraud_type"],
            age_bands=list(raw["age_bands"]),
            difficulty=raw["difficulty"],
            stem=raw["stem"].strip(),
            options=options,
            answer=raw["answer"],
            explanation=raw["explanation"].strip(),
        )
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_l("题库文件（.xlsx）"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("请上传 .xlsx 格式的文件"))
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("文件不能超过5MB"))
        return upload


class ImportChoiceForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("valid_only", _l("只导入无错误的行")), ("none", _l("全部不导入"))]
    )


def scope_units(unit: OrgUnit) -> list[OrgUnit]:
    """Units a quiz or self-test of `unit` may target: itself and its schools, grades, classes."""
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path)
        .filter(is_active=True)
        .exclude(kind=UnitKind.GROUP)
        .order_by("path")[:500]
    )


class _ScopeForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_l("范围"),
        queryset=OrgUnit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_l("可多选；选中单位下的全部人员都要参加"),
    )

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in scope_units(unit)]
        field = self.fields["units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = OrgUnit.objects.filter(pk__in=ids).order_by("path")

        def label(u: OrgUnit) -> str:
            return "　" * max(0, u.depth - unit.depth) + u.name

        field.label_from_instance = label  # type: ignore[method-assign,assignment]


class QuizForm(_ScopeForm):
    title = forms.CharField(label=_l("名称"), max_length=100)
    audience_kinds = forms.MultipleChoiceField(
        label=_l("对象"),
        choices=PersonKind.choices,
        initial=[PersonKind.STUDENT],
        widget=forms.CheckboxSelectMultiple,
    )
    age_band = forms.ChoiceField(label=_l("试题年龄段"), choices=AgeBand.choices)
    opens_at = forms.DateTimeField(
        label=_l("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_l("结束时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    pass_mark = forms.IntegerField(label=_l("及格分（百分制）"), min_value=1, max_value=100)
    attempts_allowed = forms.IntegerField(label=_l("允许作答次数"), min_value=1, max_value=10)
    time_limit_minutes = forms.IntegerField(label=_l("限时（分钟）"), min_value=1, max_value=180)

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, unit=unit, **kwargs)
        for code in FRAUD_CODES:
            for d in (1, 2, 3):
                self.fields[f"n_{code}_{d}"] = forms.IntegerField(
                    label=f"{FRAUD_LABELS[code]} · {Difficulty(d).label}",
                    min_value=0,
                    max_value=20,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "num-in"}),
                )

    @staticmethod
    def default_initial(unit: OrgUnit, age_band: str) -> dict[str, Any]:
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial: dict[str, Any] = {
            "age_band": age_band,
            "opens_at": now,
            "closes_at": now + datetime.timedelta(days=7),
            "pass_mark": 80,
            "attempts_allowed": 2,
            "time_limit_minutes": 15,
            "units": [unit.pk],
        }
        for code in FRAUD_CODES:
            initial[f"n_{code}_1"] = 1
        return initial

    def rule_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(FRAUD_LABELS[code]), [self[f"n_{code}_{d}"] for d in (1, 2, 3)])
            for code in FRAUD_CODES
        ]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("n_")]

    def rule(self) -> list[dict[str, Any]]:
        return [
            {
                "fraud_type": code,
                "difficulty": d,
                "count": self.cleaned_data.get(f"n_{code}_{d}") or 0,
            }
            for code in FRAUD_CODES
            for d in (1, 2, 3)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("结束时间必须晚于开始时间"))
        return data


class SelfTestRoundForm(_ScopeForm):
    title = forms.CharField(label=_l("名称"), max_length=100)
    closes_at = forms.DateTimeField(
        label=_l("截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_closes_at(self) -> datetime.datetime:
        value: datetime.datetime = self.cleaned_data["closes_at"]
        if value <= timezone.now():
            raise ValidationError(_("截止时间必须晚于现在"))
        return value


class TakeForm(forms.Form):
    """The answer sheet of one attempt: one field per question, named by position."""

    def __init__(self, *args: Any, items: list[AttemptItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            v = item.version
            choices = [(str(i), f"{chr(65 + i)}. {text}") for i, text in enumerate(v.options)]
            name = f"q{item.position}"
            if v.is_multiple:
                self.fields[name] = forms.MultipleChoiceField(
                    label=v.stem,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                self.fields[name] = forms.ChoiceField(
                    label=v.stem, choices=choices, required=False, widget=forms.RadioSelect
                )

    def answers(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for item in self.items:
            value = self.cleaned_data.get(f"q{item.position}")
            if isinstance(value, list):
                out[item.position] = [int(v) for v in value]
            elif value not in (None, ""):
                out[item.position] = [int(value)]
        return out

    def rows(self) -> list[tuple[AttemptItem, forms.BoundField]]:
        return [(item, self[f"q{item.position}"]) for item in self.items]


class SelfTestForm(forms.Form):
    """The self-test questionnaire: every question must be answered."""

    def __init__(self, *args: Any, test: SelfTest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.test = test
        for q in test.questions:
            self.fields[q.key] = forms.TypedChoiceField(
                label=q.text,
                choices=[(str(i), o.label) for i, o in enumerate(q.options)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _l("请选择一项")},
            )

    def answers(self) -> dict[str, int]:
        return {q.key: self.cleaned_data[q.key] for q in self.test.questions}
