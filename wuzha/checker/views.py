"""The message checker: a public page (no login, nothing stored) and the same page for staff."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wuzha.core.ratelimit import ratelimit
from wuzha.orgs.models import User

from .forms import CheckForm
from .services import CheckResult, checker_check, highlight_segments

PUBLIC_LIMIT_PER_MINUTE = 20


def _check_page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    result: CheckResult | None = None
    segments: list[tuple[str, str, str]] = []
    if request.method == "POST":
        form = CheckForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"]
            result = checker_check(text)
            segments = highlight_segments(text, result.signals)
    else:
        form = CheckForm()
    context = {
        "form": form,
        "result": result,
        "segments": segments,
        "confidence_pct": round(result.confidence * 100) if result else None,
        # One entry per kind of signal; the highlights show where each occurs.
        "signal_labels": list(dict.fromkeys(s.label for s in result.signals)) if result else [],
        "staff": staff,
        "action": reverse("checker:staff" if staff else "checker:public"),
    }
    template = "checker/check.html"
    if getattr(request, "htmx", False) and request.method == "POST":
        template += "#result"
    return render(request, template, context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit("checker", limit=PUBLIC_LIMIT_PER_MINUTE, window_seconds=60)
def check_public(request: HttpRequest) -> HttpResponse:
    """Anyone may check a message; what is pasted is not stored."""
    return _check_page(request, staff=False)


@never_cache
@require_http_methods(["GET", "POST"])
def check_staff(request: HttpRequest) -> HttpResponse:
    """The checker in the staff layout, for accounts holding at least one role."""
    user = request.user
    assert isinstance(user, User)
    if not user.is_superuser and not user.memberships.exists():
        raise PermissionDenied
    return _check_page(request, staff=True)


@login_not_required
@require_GET
def next_steps(request: HttpRequest) -> HttpResponse:
    """What to do to report a clue or after money has left, until the clue form and the
    emergency lane exist."""
    kind = "emergency" if request.GET.get("kind") == "emergency" else "report"
    return render(request, "checker/next_steps.html", {"kind": kind})
