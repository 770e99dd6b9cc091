"""Form helpers shared by every app's views."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def attach_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)
