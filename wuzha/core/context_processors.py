from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """The current unit, the units the user can switch to and the role-based navigation."""
    from wuzha.orgs.selectors import shell_context

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return shell_context(request)
