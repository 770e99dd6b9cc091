"""The message checker: a public page (no login, nothing stored) and the same page for staff."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from wuzha.core.ratelimit import ratelimit
from wuzha.orgs.models import OrgUnit, User
from wuzha.orgs.selectors import current_unit

from .forms import CheckForm
from .services import CheckResult, checker_check, highlight_segments

PUBLIC_LIMIT_PER_MINUTE = 20
# Signals whose text is the thing to report, and the clue kind it makes (risk.ClueKind values).
REPORT_TARGETS = {"link": "link", "phone_number": "phone", "im_contact": "group"}


def _public_unit(request: HttpRequest) -> str:
    """The unit a shared link names (`/check/?unit=CODE`), kept through the check; "" if none."""
    code = (request.POST.get("unit") or request.GET.get("unit") or "").strip()[:40]
    return code if code and OrgUnit.objects.filter(code=code, is_active=True).exists() else ""


def _report_handover(text: str, result: CheckResult) -> dict[str, str]:
    """What the 举报线索 button carries to the clue form: the message, its kind and the number
    or link to report. It is only sent if the person presses the button."""
    target = next((s for s in result.signals if s.code in REPORT_TARGETS), None)
    return {
        "kind": REPORT_TARGETS[target.code] if target else "sms",
        "target": text[target.start : target.end] if target else "",
        "content": text,
    }


def _actions(request: HttpRequest, staff: bool, unit: str) -> dict[str, str]:
    """Where 举报线索 and 紧急止付 lead: the staff forms of the current unit for staff, the
    unit's public clue form for a shared link, else the unit picker and the emergency advice."""
    emergency = reverse("checker:next_steps") + "?kind=emergency"
    if staff:
        own = current_unit(request)
        if own is not None:
            return {
                "report_url": reverse("risk:clue_create", args=[own.code]),
                "emergency_url": reverse("cases:emergency", args=[own.code]),
            }
    if unit:
        return {"report_url": reverse("risk:report", args=[unit]), "emergency_url": emergency}
    return {"report_url": reverse("risk:report_pick"), "emergency_url": emergency}


def _check_page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    result: CheckResult | None = None
    segments: list[tuple[str, str, str]] = []
    handover: dict[str, str] = {}
    unit = "" if staff else _public_unit(request)
    if request.method == "POST":
        form = CheckForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"]
            result = checker_check(text)
            segments = highlight_segments(text, result.signals)
            handover = _report_handover(text, result)
    else:
        form = CheckForm()
    context = {
        "unit": unit,
        "handover": handover,
        **_actions(request, staff, unit),
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
    """What to do after money has left (call 110 at once: the police file the stop-payment), or
    how to report a clue."""
    kind = "emergency" if request.GET.get("kind") == "emergency" else "report"
    return render(request, "checker/next_steps.html", {"kind": kind})
