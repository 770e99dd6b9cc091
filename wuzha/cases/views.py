"""Pages for the case ledger, the emergency lane, aftercare and 一案双查.

Parse → access → service → render. Victims' names are masked unless a restricted reader opens
the restricted page, and every such read is logged.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core.forms import attach_errors as _attach
from wuzha.core.htmx import render_page
from wuzha.core.periods import requested_period
from wuzha.core.ratelimit import ratelimit
from wuzha.core.services import sensitive_read_log
from wuzha.orgs.access import get_unit_for_user, has_role
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import User
from wuzha.orgs.selectors import unit_breadcrumbs

from . import access, selectors, services
from .forms import (
    AckForm,
    AftercareNoteForm,
    AftercarePlanForm,
    CaseForm,
    EmergencyForm,
    InquiryCloseForm,
    RestrictedForm,
    ReviewForm,
    StopResultForm,
)
from .models import Case, CaseAlert, Inquiry

PAGE_SIZE = 50
RESTRICTED_FIELDS = ("victim_name", "funds_source", "family_situation")


@require_GET
def ledger(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, error = requested_period(request.GET.get("period"), default=selectors.default_period)
    status = request.GET.get("status", "")
    status = status if status in Case.Status.values else ""
    qs = selectors.unit_cases(unit, start=period.start, end=period.end, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "period": period,
        "period_error": error,
        "status": status,
        "statuses": Case.Status.choices,
        "page": page,
        "stats": selectors.unit_case_stats(unit, period.start, period.end),
        "breadcrumbs": unit_breadcrumbs(unit, user),
        "can_edit": access.can_edit(user, unit),
        "can_file": has_role(user, unit, access.EMERGENCY_FILERS),
        "can_see_reads": has_role(user, unit, access.LOG_READERS),
        "waiting": selectors.unit_cases(unit)
        .filter(is_emergency=True, acknowledged_at__isnull=True)
        .count(),
    }
    return render_page(request, "cases/case_ledger.html", context, partial="rows")


@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest, code: str) -> HttpResponse:
    """学生刚被骗转账: save first, alert everyone after."""
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.EMERGENCY_FILERS)
    form = EmergencyForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, _created = services.case_emergency_open(
                unit=unit,
                by=user,
                victim=data["victim"],
                victim_name=data["victim_name"],
                amount_lost_fen=data["amount"],
                occurred_at=data["occurred_at"],
                channel=data["channel"],
                payment_method=data["payment_method"],
                receiving_account=data["receiving_account"],
                note=data["note"],
                client_token=data["client_token"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if case.unit_id != unit.pk:  # a reused token from another unit's form
                raise Http404
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_emergency.html", {"unit": unit, "form": form})


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.CASE_EDITORS)
    form = CaseForm(
        request.POST or None,
        unit=unit,
        initial={"status": Case.Status.OPEN, "occurred_at": timezone.localtime()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, _created = services.case_open(
                unit=unit,
                by=user,
                victim=data["victim"],
                victim_name=data["victim_name"],
                client_token=data["client_token"],
                **form.ledger_fields(),
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("案件已登记"))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request, "cases/case_form.html", {"unit": unit, "form": form, "title": _("登记案件")}
    )


def _detail_context(request: HttpRequest, case: Case) -> dict[str, object]:
    user = _user(request)
    alerts = list(case.alerts.select_related("notification"))
    return {
        "case": case,
        "timeline": selectors.case_timeline(case),
        "alerts": alerts,
        "alerts_pending": any(a.status == "pending" for a in alerts),
        "can_edit": access.can_edit(user, case.unit),
        "can_ack": has_role(user, case.unit, access.POLICE_SIDE),
        "can_restricted": access.can_read_restricted(user, case),
        "can_aftercare": access.can_aftercare(user, case),
        "can_check": has_role(user, case.unit, access.CHECKERS),
        "stop_form": StopResultForm(),
        "ack_url": services.ack_url(case),
    }


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(_user(request), pk)
    return render_page(
        request, "cases/case_detail.html", _detail_context(request, case), partial="live"
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, write=True)
    initial = {name: getattr(case, name) for name in services.LEDGER_FIELDS}
    initial["amount_lost"] = case.amount_lost_fen
    initial["amount_recovered"] = case.amount_recovered_fen
    for name in services.LEDGER_FIELDS:
        if name.endswith("_at") and initial[name]:
            initial[name] = timezone.localtime(initial[name])
    form = CaseForm(request.POST or None, unit=case.unit, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(case=case, by=user, **form.ledger_fields())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("案件已保存"))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {"unit": case.unit, "case": case, "form": form, "title": _("修改案件")},
    )


@require_http_methods(["GET", "POST"])
def restricted(request: HttpRequest, pk: int) -> HttpResponse:
    """Victim's name, family situation, source of the funds: shown in full and logged."""
    user = _user(request)
    case = access.get_case_for_user(user, pk, roles=access.RESTRICTED_READERS)
    initial = {"funds_source": case.funds_source, "family_situation": case.family_situation}
    form = RestrictedForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not access.can_edit(user, case.unit):
            raise PermissionDenied
        if form.is_valid():
            services.case_update(case=case, by=user, **form.cleaned_data)
            messages.success(request, _("受限信息已保存"))
            return redirect("cases:detail", pk=case.pk)
    for field in RESTRICTED_FIELDS:
        sensitive_read_log(
            request=request, subject=selectors.CASE_SUBJECT, object_id=case.pk, field=field
        )
    return render(
        request,
        "cases/case_restricted.html",
        {"case": case, "form": form, "can_edit": access.can_edit(user, case.unit)},
    )


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, roles=access.POLICE_SIDE)
    if services.case_acknowledge(case=case, by=user):
        messages.success(request, _("已确认接警，时间已记录"))
    return redirect("cases:detail", pk=case.pk)


@require_POST
def stop_result(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, write=True)
    form = StopResultForm(request.POST)
    if form.is_valid():
        try:
            services.case_stop_result_record(
                case=case,
                by=user,
                result=form.cleaned_data["result"],
                amount_frozen_fen=form.cleaned_data["amount_frozen"] or 0,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("止付结果已记录"))
            return redirect("cases:detail", pk=case.pk)
    context = _detail_context(request, case)
    context["stop_form"] = form
    return render(request, "cases/case_detail.html", context, status=400)


@require_POST
def alert_retry(request: HttpRequest, pk: int, alert_id: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, write=True)
    alert = get_object_or_404(CaseAlert, pk=alert_id, case=case)
    if services.case_alert_retry(alert=alert):
        messages.success(request, _("已重新发送"))
    else:
        messages.error(request, _("仍未发送成功，系统会继续自动重试"))
    return redirect("cases:detail", pk=case.pk)


@require_http_methods(["GET", "POST"])
def aftercare(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, roles=access.AFTERCARE_ROLES)
    plan = getattr(case, "aftercare", None)
    plan_form = AftercarePlanForm(
        initial={"plan": plan.plan, "next_session_on": plan.next_session_on} if plan else None
    )
    note_form = AftercareNoteForm(initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        if request.POST.get("form") == "plan":
            plan_form = AftercarePlanForm(request.POST)
            if plan_form.is_valid():
                services.aftercare_save(case=case, by=user, **plan_form.cleaned_data)
                messages.success(request, _("疏导计划已保存"))
                return redirect("cases:aftercare", pk=case.pk)
        else:
            note_form = AftercareNoteForm(request.POST)
            if note_form.is_valid():
                services.aftercare_note_add(case=case, by=user, **note_form.cleaned_data)
                messages.success(request, _("疏导记录已添加"))
                return redirect("cases:aftercare", pk=case.pk)
    sensitive_read_log(
        request=request, subject=selectors.CASE_SUBJECT, object_id=case.pk, field="aftercare"
    )
    context = {
        "case": case,
        "plan": plan,
        "notes": case.aftercare_notes.select_related("by"),
        "plan_form": plan_form,
        "note_form": note_form,
    }
    return render(request, "cases/case_aftercare.html", context)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, roles=access.CHECKERS)
    existing = getattr(case, "review", None)
    initial = (
        {
            "findings": existing.findings,
            "responsibility": existing.responsibility,
            "measures": existing.measures,
            "conclusion": existing.conclusion,
        }
        if existing
        else None
    )
    form = ReviewForm(request.POST or None, initial=initial)
    can_write = has_role(user, case.unit, access.REVIEW_WRITERS)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.case_review_save(case=case, by=user, **form.cleaned_data)
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("复盘已完成，可以结案"))
                return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/case_review.html",
        {"case": case, "form": form, "review": existing, "can_write": can_write},
    )


@require_http_methods(["GET", "POST"])
def dual_check(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = access.get_case_for_user(user, pk, roles=access.CHECKERS)
    if request.method == "POST":
        if not has_role(user, case.unit, access.CHECK_WRITERS):
            raise PermissionDenied
        outcome = services.dual_check_run(case=case, by=user)
        if outcome.inquiry is not None:
            messages.warning(request, _("受害人未接受宣传教育，已启动责任倒查"))
        else:
            messages.success(request, _("一案双查已记录"))
        return redirect("cases:dual_check", pk=case.pk)
    context = {
        "case": case,
        "report": selectors.dual_check_report(case),
        "checks": case.dual_checks.select_related("by")[:10],
        "inquiries": case.inquiries.select_related("unit", "closed_by").order_by("-created_at"),
        "can_write": has_role(user, case.unit, access.CHECK_WRITERS),
        "close_form": InquiryCloseForm(),
    }
    return render(request, "cases/case_dual_check.html", context)


@require_GET
def dual_check_docx(request: HttpRequest, pk: int) -> HttpResponse:
    case = access.get_case_for_user(_user(request), pk, roles=access.CHECKERS)
    data = selectors.dual_check_docx(selectors.dual_check_report(case))
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="dual-check-{case.pk}.docx"'
    return response


@require_POST
def inquiry_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inquiry = get_object_or_404(Inquiry, pk=pk)
    case = access.get_case_for_user(user, inquiry.case_id, roles=access.CHECK_WRITERS)
    form = InquiryCloseForm(request.POST)
    if form.is_valid():
        services.inquiry_close(inquiry=inquiry, by=user, finding=form.cleaned_data["finding"])
        messages.success(request, _("责任倒查已办结"))
    else:
        messages.error(request, _("请填写调查结论"))
    return redirect("cases:dual_check", pk=case.pk)


@require_GET
def reads(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.LOG_READERS)
    return render(
        request,
        "cases/case_reads.html",
        {"unit": unit, "rows": selectors.restricted_reads(unit)},
    )


def _ack_case(token: str) -> Case:
    case = get_object_or_404(
        Case.objects.select_related("unit", "created_by", "acknowledged_by"),
        ack_token=token,
        is_emergency=True,
    )
    return case


@login_not_required
@never_cache
@ratelimit("cases-ack", limit=20, window_seconds=60, methods=("GET", "POST"))
@require_http_methods(["GET", "POST"])
def ack(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to the police: acknowledging only, one tap when logged in as police."""
    case = _ack_case(token)
    user = request.user if request.user.is_authenticated else None
    police = isinstance(user, User) and has_role(user, case.unit, access.POLICE_SIDE)
    expired = case.ack_expires_at is not None and timezone.now() > case.ack_expires_at
    form = AckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and case.acknowledged_at is None:
        if expired and not police:
            return render(request, "cases/ack.html", {"case": case, "expired": True}, status=410)
        if form.is_valid():
            services.case_acknowledge(
                case=case, by=user if police else None, name=form.cleaned_data["name"]
            )
            case.refresh_from_db()
            if police:
                messages.success(request, _("已确认接警，时间已记录"))
                return redirect("cases:detail", pk=case.pk)
    context = {
        "case": case,
        "form": form,
        "police": police,
        "expired": expired and case.acknowledged_at is None and not police,
        "timeline": selectors.case_timeline(case),
    }
    return render(request, "cases/ack.html", context, status=410 if context["expired"] else 200)
