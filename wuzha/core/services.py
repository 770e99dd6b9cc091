from django.http import HttpRequest

from .models import SensitiveRead


def sensitive_read_log(*, request: HttpRequest, subject: str, object_id: int, field: str) -> None:
    """Record that `request.user` has just been shown `field` of an object in full."""
    SensitiveRead.objects.create(
        user=request.user,  # type: ignore[misc]  # views that reveal data require login
        subject=subject,
        object_id=object_id,
        field=field,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
