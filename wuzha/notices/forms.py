"""Input cleaning for the notice editor, the public signing page and the follow-up actions."""

import base64
import binascii
import datetime
import io
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from wuzha.orgs.models import OrgUnit, UnitKind

from .models import Audience, Notice, NoticeKind, Relation, SignatureMode

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 300 * 1024
SIGNATURE_MAX_SIDE = 2000
# A signature needs at least this many dark pixels; a tap or an empty pad is refused.
SIGNATURE_MIN_INK = 40
PHOTO_MAX_BYTES = 5 * 1024 * 1024
DATA_URL_PREFIX = "data:image/png;base64,"


def decode_signature(value: str) -> bytes:
    """Return the PNG bytes of a `data:image/png;base64,…` signature, or raise ValidationError.

    Checks the PNG signature, the size, the dimensions and that something was drawn.
    """
    from PIL import Image, UnidentifiedImageError

    value = (value or "").strip()
    if not value:
        raise ValidationError(_("请在签名框内手写签名"), code="empty")
    if not value.startswith(DATA_URL_PREFIX):
        raise ValidationError(_("签名图片格式不正确，请重新签名"), code="format")
    encoded = value[len(DATA_URL_PREFIX) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(_("签名图片太大，请清除后重新签名"), code="size")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("签名图片格式不正确，请重新签名"), code="format") from None
    if not data.startswith(PNG_MAGIC):
        raise ValidationError(_("签名图片格式不正确，请重新签名"), code="format")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if max(img.size) > SIGNATURE_MAX_SIDE:
                raise ValidationError(_("签名图片太大，请清除后重新签名"), code="size")
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("签名图片格式不正确，请重新签名"), code="format") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(white, rgba).convert("L")
    ink = sum(gray.point(lambda v: 255 if v < 128 else 0).histogram()[255:])
    if ink < SIGNATURE_MIN_INK:
        raise ValidationError(_("签名框是空的，请用手指写下您的名字"), code="blank")
    return data


class SignForm(forms.Form):
    """What a parent, student or staff member fills in to sign; mirrors the JSON API."""

    relation = forms.ChoiceField(label=_l("您与学生的关系"), choices=Relation.choices)
    signer_name = forms.CharField(
        label=_l("签署人姓名"),
        max_length=50,
        error_messages={"required": _l("请填写签署人姓名")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    method = forms.ChoiceField(
        label=_l("签名方式"),
        choices=[("drawn", _l("手写签名")), ("typed", _l("输入姓名确认"))],
        required=False,
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_l("本人确认以上姓名即为我的签名"), required=False)
    cosigner_name = forms.CharField(label=_l("家长姓名（共同签名）"), max_length=50, required=False)
    app_installed = forms.BooleanField(label=_l("已安装国家反诈中心APP"), required=False)
    screenshot = forms.ImageField(
        label=_l("安装截图（可选）"),
        required=False,
        help_text=_l("可上传手机上国家反诈中心APP首页的截图，不超过5MB"),
    )

    def __init__(self, *args: Any, notice: Notice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notice = notice
        relation: forms.ChoiceField = self.fields["relation"]  # type: ignore[assignment]
        if notice.audience != Audience.GUARDIANS:
            relation.choices = [(Relation.SELF, Relation.SELF.label)]
            relation.initial = Relation.SELF
            relation.widget = forms.HiddenInput()
        else:
            relation.choices = [c for c in Relation.choices if c[0] != Relation.SELF]
        if not notice.guardian_cosign:
            del self.fields["cosigner_name"]
        if not notice.ask_app:
            del self.fields["app_installed"]
        if notice.kind != NoticeKind.APP:
            del self.fields["screenshot"]

    def clean_screenshot(self) -> Any:
        shot = self.cleaned_data.get("screenshot")
        if shot is not None and shot.size > PHOTO_MAX_BYTES:
            raise ValidationError(_("截图不能超过5MB"))
        return shot

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        notice = self.notice
        method = data.get("method") or ""
        if notice.signature_mode == SignatureMode.DRAWN:
            method = "drawn"
        elif notice.signature_mode == SignatureMode.TYPED:
            method = "typed"
        elif not method:
            method = "drawn" if data.get("signature") else "typed"
        data["method"] = method
        data["image"] = None
        if method == "drawn":
            try:
                data["image"] = decode_signature(data.get("signature", ""))
            except ValidationError as exc:
                self.add_error("signature", exc)
        elif not data.get("confirm"):
            self.add_error("confirm", _("请勾选确认，表示以上姓名即为您的签名"))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_l("回执上的8位码"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class PaperForm(forms.Form):
    signer_name = forms.CharField(label=_l("签字人"), max_length=50)
    relation = forms.ChoiceField(label=_l("关系"), choices=Relation.choices)
    photo = forms.ImageField(label=_l("回执照片"), required=False)

    def clean_photo(self) -> object:
        photo = self.cleaned_data.get("photo")
        if photo is not None and photo.size > PHOTO_MAX_BYTES:
            raise ValidationError(_("照片不能超过5MB"))
        return photo


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_l("作废原因"), max_length=200, error_messages={"required": _l("请填写作废原因")}
    )


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_l("类型"), choices=NoticeKind.choices)
    audience = forms.ChoiceField(label=_l("对象"), choices=Audience.choices)
    audience_units = forms.ModelMultipleChoiceField(
        label=_l("范围"),
        queryset=OrgUnit.objects.none(),
        error_messages={"required": _l("请至少选择一个单位")},
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    title = forms.CharField(label=_l("标题"), max_length=100)
    body = forms.CharField(
        label=_l("正文"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_l("可用变量：{学生姓名} {班级} {学校} {日期} {班主任}。空一行另起一段。"),
    )
    receipt_text = forms.CharField(label=_l("回执声明"), max_length=300)
    signature_mode = forms.ChoiceField(label=_l("签名方式"), choices=SignatureMode.choices)
    guardian_cosign = forms.BooleanField(label=_l("需要家长共同签名"), required=False)
    ask_app = forms.BooleanField(label=_l("询问是否已安装国家反诈中心APP"), required=False)
    deadline = forms.DateField(label=_l("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, unit: OrgUnit, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["audience_units"]
        field.queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            path__startswith=unit.path, is_active=True
        ).exclude(kind=UnitKind.GROUP)
        field.label_from_instance = lambda u: "　" * max(u.depth - unit.depth, 0) + u.name  # type: ignore[attr-defined]

    def clean_deadline(self) -> datetime.date:
        deadline: datetime.date = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise ValidationError(_("截止日期不能早于今天"))
        return deadline
