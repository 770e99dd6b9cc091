"""Form helpers shared by every app's views."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l


def attach_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


class ClassCheckForm(forms.Form):
    """The light identity check of a class link: the student's name and last 4 digits."""

    student_name = forms.CharField(label=_l("学生姓名"), max_length=50)
    number_tail = forms.RegexField(
        label=_l("学号后4位"),
        regex=r"^\w{4}$",
        error_messages={"invalid": _l("请输入学号的最后4位")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def match[M: Model](self, invites: QuerySet[M]) -> M | None:
        """The invitation (delivery, assignment…) of the named student among `invites` of the
        link's class, or None with a form error. Call after `is_valid()`."""
        found = (
            invites.filter(
                person__name=self.cleaned_data["student_name"].strip(),
                person__number__endswith=self.cleaned_data["number_tail"],
            )
            .only("token")
            .first()
        )
        if found is None:
            self.add_error(None, _("姓名和学号后4位与本班名单对不上，请核对后重试，或联系班主任"))
        return found
