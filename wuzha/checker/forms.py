from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_CHARS


class CheckForm(forms.Form):
    text = forms.CharField(
        label=_("收到的消息"),
        max_length=MAX_CHARS,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "placeholder": _("把短信、聊天记录或通话内容粘贴到这里"),
                "autocomplete": "off",
            }
        ),
        error_messages={
            "required": _("请粘贴要检查的消息。"),
            "max_length": _("消息太长了：最多 %(limit_value)d 个字，当前 %(show_value)d 个字。"),
        },
    )
