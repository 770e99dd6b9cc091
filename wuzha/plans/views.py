"""Pages for work plans, duties, completeness and inspections: parse → access → service → render."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core import notify
from wuzha.core.forms import attach_errors as _attach
from wuzha.core.htmx import render_page
from wuzha.core.models import Notification, NotificationChannel
from wuzha.core.periods import PeriodError, PeriodKind, parse, period_containing, requested_period
from wuzha.orgs import access as org_access
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import OrgUnit, User
from wuzha.orgs.selectors import current_unit, unit_breadcrumbs

from . import access, packs, selectors, services
from .forms import (
    CampaignFileForm,
    CampaignForm,
    ChannelForm,
    ConfirmForm,
    DutyTemplateForm,
    ExceptionForm,
    FindingForm,
    GoalForm,
    HolidayForm,
    InspectionForm,
    MemberForm,
    PhaseForm,
    RespondForm,
    ReviewForm,
    SubmitForm,
    TermForm,
)
from .models import Campaign, Duty, DutyTemplate, InspectionPack, Rectification, Term
from .templates_data import default_end, template_choices


def _unit_for(request: HttpRequest, code: str, roles: Any = None) -> OrgUnit:
    return org_access.get_unit_for_user(_user(request), code, roles=roles)


# Home


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's own duties first (phone-first), then reviews and the current unit's campaigns."""
    user = _user(request)
    today = timezone.localdate()
    unit = current_unit(request)
    context: dict[str, Any] = {
        "today": today,
        "unit": unit,
        "duties": list(selectors.user_open_duties(user, today=today)[:50]),
        "reviews": list(selectors.review_queue(user)[:50]),
        "campaigns": list(selectors.campaigns_for(user, unit)[:20]) if unit else [],
        "can_manage": bool(unit and access.can_manage_plans(user, unit)),
        "can_inspect": bool(unit and access.can_inspect(user, unit)),
    }
    return render(request, "plans/home.html", context)


# Campaigns


@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code, access.PLAN_MANAGERS)
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, unit=unit, initial={"start_date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = Campaign.objects.filter(unit=unit, name=data["name"].strip()).first()
        if (
            existing is not None
            and existing.created_by_id == user.pk
            and (timezone.now() - existing.created_at).total_seconds() < 60
        ):
            # The same form sent twice (double click): show the campaign already created.
            return redirect("plans:campaign_detail", token=existing.token)
        if existing is not None:
            form.add_error("name", _("本单位已有同名方案"))
        else:
            try:
                campaign = services.campaign_create(unit=unit, by=user, **data)
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("方案已创建，任务已按频次生成"))
                return redirect("plans:campaign_detail", token=campaign.token)
    ends = {code: default_end(code, today).isoformat() for code, _label in template_choices(unit)}
    return render(
        request,
        "plans/campaign_form.html",
        {"unit": unit, "form": form, "title": _("新建工作方案"), "template_ends": ends},
    )


@require_GET
def campaign_detail(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, token)
    templates = campaign.templates.prefetch_related("target_units").order_by("pk")
    context = {
        "campaign": campaign,
        "unit": campaign.unit,
        "goals": campaign.goals.all(),
        "phases": campaign.phases.all(),
        "leadership": campaign.leadership.all(),
        "files": campaign.files.select_related("evidence"),
        "templates": templates,
        "can_manage": access.can_manage_plans(user, campaign.unit),
        "today": timezone.localdate(),
    }
    return render(request, "plans/campaign_detail.html", context)


@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, token: str) -> HttpResponse:
    campaign = access.get_campaign_for_user(_user(request), token, write=True)
    initial = {
        "name": campaign.name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "guiding_text": campaign.guiding_text,
    }
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("plans:campaign_detail", token=campaign.token)
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": _("修改方案"), "back": campaign, "unit": campaign.unit},
    )


def _campaign_child(
    request: HttpRequest,
    token: str,
    form_class: type[forms.BaseForm],
    save: Callable[[Campaign, dict[str, Any]], Any],
    title: str,
    *,
    multipart: bool = False,
) -> HttpResponse:
    user = _user(request)
    campaign = access.get_campaign_for_user(user, token, write=True)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(campaign, form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已添加"))
            return redirect("plans:campaign_detail", token=campaign.token)
    return render(
        request,
        "plans/form.html",
        {
            "form": form,
            "title": title,
            "back": campaign,
            "unit": campaign.unit,
            "multipart": multipart,
        },
    )


@require_http_methods(["GET", "POST"])
def goal_add(request: HttpRequest, token: str) -> HttpResponse:
    return _campaign_child(
        request,
        token,
        GoalForm,
        lambda c, d: services.goal_add(campaign=c, **d),
        _("添加工作目标"),
    )


@require_http_methods(["GET", "POST"])
def phase_add(request: HttpRequest, token: str) -> HttpResponse:
    return _campaign_child(
        request,
        token,
        PhaseForm,
        lambda c, d: services.phase_add(campaign=c, **d),
        _("添加工作阶段"),
    )


@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, token: str) -> HttpResponse:
    return _campaign_child(
        request,
        token,
        MemberForm,
        lambda c, d: services.member_add(campaign=c, **d),
        _("添加领导小组成员"),
    )


@require_http_methods(["GET", "POST"])
def file_add(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    return _campaign_child(
        request,
        token,
        CampaignFileForm,
        lambda c, d: services.campaign_file_add(
            campaign=c, upload=d["upload"], title=d["title"], by=user
        ),
        _("上传方案附件"),
        multipart=True,
    )


@require_http_methods(["GET", "POST"])
def template_add(request: HttpRequest, token: str) -> HttpResponse:
    campaign = access.get_campaign_for_user(_user(request), token, write=True)
    form = DutyTemplateForm(request.POST or None, scope=campaign.unit)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        targets = list(data.pop("target_units") or [])
        try:
            services.duty_template_create(campaign=campaign, target_units=targets, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("任务已添加，各单位的任务已生成"))
            return redirect("plans:campaign_detail", token=campaign.token)
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": _("添加任务"), "back": campaign, "unit": campaign.unit},
    )


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    campaign = access.get_campaign_for_user(_user(request), token, write=True)
    template = get_object_or_404(DutyTemplate, pk=pk, campaign=campaign)
    form = DutyTemplateForm(request.POST or None, instance=template, scope=campaign.unit)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        targets = list(data.pop("target_units") or [])
        try:
            services.duty_template_update(template=template, target_units=targets, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存；只影响尚未开始的期间"))
            return redirect("plans:campaign_detail", token=campaign.token)
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": _("修改任务"), "back": campaign, "unit": campaign.unit},
    )


@require_POST
def campaign_instantiate(request: HttpRequest, token: str) -> HttpResponse:
    campaign = access.get_campaign_for_user(_user(request), token, write=True)
    created = services.campaign_instantiate(campaign=campaign)
    messages.success(request, _("已补充生成 %(n)s 项任务") % {"n": created})
    return redirect("plans:campaign_detail", token=campaign.token)


# Duties


def _submit_form(duty: Duty, user: User, *args: Any) -> SubmitForm:
    """The submit form; a resubmission starts with the activities linked last time."""
    resubmission = duty.status == Duty.Status.RETURNED
    initial = {}
    if resubmission and not args:
        previous = duty.submissions.order_by("-number").first()
        if previous is not None:
            initial["activities"] = list(previous.activities.values_list("pk", flat=True))
    return SubmitForm(
        *args,
        template=duty.template,
        resubmission=resubmission,
        activities=selectors.linkable_activities(duty, user),
        initial=initial,
    )


def _duty_page(
    request: HttpRequest,
    duty: Duty,
    *,
    submit_form: SubmitForm | None = None,
    review_form: ReviewForm | None = None,
    exception_form: ExceptionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    can_submit = access.can_submit(user, duty) and duty.status in (
        Duty.Status.PENDING,
        Duty.Status.RETURNED,
    )
    can_review = access.can_review(user, duty)
    exceptions = list(duty.exceptions.all())
    locked = duty.is_locked(today, exceptions)
    timeline = selectors.duty_timeline(duty)
    reuse = selectors.submission_reuse(duty, user) if can_review else {}
    for event in timeline:
        if event["kind"] == "submitted":
            for link in event["submission"].files.all():
                link.reuse = reuse.get(link.evidence_id, [])
    context = {
        "duty": duty,
        "unit": duty.unit,
        "template": duty.template,
        "today": today,
        "locked": locked,
        "timeline": timeline,
        # A refused submission keeps its form on screen so nothing typed is lost.
        "can_submit": (can_submit and not locked) or bool(submit_form and submit_form.is_bound),
        "can_review": can_review and duty.status == Duty.Status.SUBMITTED,
        "can_unlock": can_review and locked,
        "submit_form": submit_form or _submit_form(duty, user),
        "review_form": review_form or ReviewForm(),
        "exception_form": exception_form or ExceptionForm(),
        "breadcrumbs": unit_breadcrumbs(duty.unit, user),
    }
    return render(request, "plans/duty_detail.html", context, status=status)


@require_GET
def duty_detail(request: HttpRequest, token: str) -> HttpResponse:
    return _duty_page(request, access.get_duty_for_user(_user(request), token))


@require_POST
def duty_submit(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    duty = access.get_duty_for_user(user, token, write=True)
    form = _submit_form(duty, user, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.duty_submit(
                duty=duty,
                by=user,
                text=data["text"],
                files=data.get("attachments") or [],
                count=data.get("count"),
                attendance=data.get("attendance"),
                keep_previous_files=data.get("keep_previous_files", True),
                activities=list(data.get("activities") or []),
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_submitted":
                messages.info(request, exc.messages[0])
                return redirect("plans:duty_detail", token=duty.token)
            _attach(form, exc)
        else:
            messages.success(request, _("已提交，等待上级审核"))
            return redirect("plans:duty_detail", token=duty.token)
    if form.errors and request.FILES:
        form.add_error("attachments", _("请重新选择要上传的文件"))
    duty.refresh_from_db()
    return _duty_page(request, duty, submit_form=form)


@require_POST
def duty_review(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    duty = access.get_duty_for_user(user, token)
    if not access.can_review(user, duty):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.duty_review(
                duty=duty,
                by=user,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("审核结果已保存"))
            return redirect("plans:duty_detail", token=duty.token)
    return _duty_page(request, duty, review_form=form)


@require_POST
def duty_exception(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    duty = access.get_duty_for_user(user, token)
    if not access.can_review(user, duty):
        raise PermissionDenied
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.duty_exception_grant(duty=duty, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已开放补报"))
            return redirect("plans:duty_detail", token=duty.token)
    return _duty_page(request, duty, exception_form=form)


# Completeness


@require_GET
def completeness(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code)
    today = timezone.localdate()
    resolver = selectors.term_resolver_for(unit)
    raw = request.GET.get("period", "").strip()
    period, error = requested_period(
        raw,
        default=lambda: period_containing(PeriodKind.MONTH, today),
        terms=resolver,
    )
    campaign = None
    campaign_token = request.GET.get("campaign", "")
    if campaign_token:
        campaign = access.get_campaign_for_user(user, campaign_token)
    total, rows = selectors.duty_completeness(unit, period, today=today, campaign=campaign)
    shortcuts = [
        period_containing(PeriodKind.WEEK, today),
        period_containing(PeriodKind.MONTH, today),
        period_containing(PeriodKind.TERM, today, terms=resolver),
        period_containing(PeriodKind.YEAR, today),
    ]
    context = {
        "unit": unit,
        "period": period,
        "raw_period": raw or period.key,
        "period_error": error,
        "shortcuts": shortcuts,
        "campaign": campaign,
        "total": total,
        "rows": rows,
        "duties": list(selectors.unit_duties(unit, period, campaign=campaign))
        if not rows or unit.is_class
        else [],
        "today": today,
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render_page(request, "plans/completeness.html", context, partial="table")


@require_GET
def overdue(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code)
    today = timezone.localdate()
    page = Paginator(selectors.overdue_duties(unit, today=today), 50).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "plans/overdue.html",
        {"unit": unit, "page": page, "today": today, "breadcrumbs": unit_breadcrumbs(unit, user)},
        partial="rows",
    )


# Evidence


@require_GET
def evidence_download(request: HttpRequest, token: str) -> FileResponse:
    evidence = access.get_evidence_for_user(_user(request), token)
    inline = evidence.kind in ("image", "video", "pdf")
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=not inline,
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def evidence_thumb(request: HttpRequest, token: str) -> FileResponse:
    evidence = access.get_evidence_for_user(_user(request), token)
    if not evidence.thumbnail:
        raise Http404
    response = FileResponse(evidence.thumbnail.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Term calendar


@require_http_methods(["GET", "POST"])
def term_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code)
    can_manage = access.can_manage_plans(user, unit)
    form = TermForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.term_add(unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("学期已添加"))
                return redirect("plans:term_list", code=unit.code)
    terms = Term.objects.filter(unit=unit).prefetch_related("holidays")
    inherited = services.terms_for_unit(unit) if not terms else []
    return render(
        request,
        "plans/term_list.html",
        {
            "unit": unit,
            "terms": terms,
            "inherited": inherited,
            "form": form,
            "holiday_form": HolidayForm(),
            "can_manage": can_manage,
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )


@require_POST
def holiday_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit = _unit_for(request, code, access.PLAN_MANAGERS)
    term = get_object_or_404(Term, pk=pk, unit=unit)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            services.holiday_add(term=term, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("节假日已添加"))
            return redirect("plans:term_list", code=unit.code)
    for error in [*form.non_field_errors(), *[e for f in form.errors.values() for e in f]]:
        messages.error(request, error)
    return redirect("plans:term_list", code=unit.code)


# Notification channels


@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code, access.PLAN_MANAGERS)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.unit = unit
        try:
            channel.full_clean()
        except ValidationError as exc:
            _attach(form, exc)
        else:
            channel.save()
            messages.success(request, _("通知渠道已添加"))
            return redirect("plans:channel_list", code=unit.code)
    channels = NotificationChannel.objects.filter(unit=unit).order_by("pk")
    deliveries = (
        Notification.objects.filter(unit__path__startswith=unit.path)
        .select_related("robot")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "plans/channel_list.html",
        {
            "unit": unit,
            "channels": channels,
            "deliveries": deliveries,
            "form": form,
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )


@require_POST
def notification_retry(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    unit = _unit_for(request, code, access.PLAN_MANAGERS)
    notification = get_object_or_404(Notification, pk=pk, unit__path__startswith=unit.path)
    notify.notification_retry(notification=notification)
    notify.notification_deliver(notification=notification)
    messages.success(request, _("已重新发送"))
    return redirect("plans:channel_list", code=unit.code)


# Inspections


@require_GET
def inspection_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code)
    context = {
        "unit": unit,
        "inspections": selectors.unit_inspections(unit)[:100],
        "rectifications": selectors.open_rectifications(unit)[:100],
        "can_inspect": access.can_inspect(user, unit),
        "today": timezone.localdate(),
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render(request, "plans/inspection_list.html", context)


@require_http_methods(["GET", "POST"])
def inspection_add(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _unit_for(request, code, access.INSPECTORS)
    form = InspectionForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_create(unit=unit, inspector=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("检查已记录，请逐条登记发现的问题"))
            return redirect("plans:inspection_detail", token=inspection.token)
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": _("记录督导检查"), "unit": unit, "back_unit": unit},
    )


def _inspection_page(
    request: HttpRequest, token: str, finding_form: FindingForm | None = None
) -> HttpResponse:
    user = _user(request)
    inspection = access.get_inspection_for_user(user, token)
    findings = inspection.findings.select_related("rectification__owner_unit")
    return render(
        request,
        "plans/inspection_detail.html",
        {
            "inspection": inspection,
            "unit": inspection.unit,
            "findings": findings,
            "can_inspect": access.can_inspect(user, inspection.unit),
            "form": finding_form or FindingForm(scope=inspection.unit),
            "today": timezone.localdate(),
        },
    )


@require_GET
def inspection_detail(request: HttpRequest, token: str) -> HttpResponse:
    return _inspection_page(request, token)


@require_POST
def finding_add(request: HttpRequest, token: str) -> HttpResponse:
    inspection = access.get_inspection_for_user(_user(request), token, write=True)
    form = FindingForm(request.POST, scope=inspection.unit)
    if form.is_valid():
        try:
            services.finding_add(inspection=inspection, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("问题已登记"))
            return redirect("plans:inspection_detail", token=inspection.token)
    return _inspection_page(request, token, form)


def _rectification_page(
    request: HttpRequest,
    rectification: Rectification,
    *,
    respond_form: RespondForm | None = None,
    confirm_form: ConfirmForm | None = None,
) -> HttpResponse:
    user = _user(request)
    inspection = rectification.finding.inspection
    can_respond = org_access.has_role(user, rectification.owner_unit, access.SUBMITTERS)
    can_confirm = access.can_confirm_rectification(user, rectification)
    return render(
        request,
        "plans/rectification_detail.html",
        {
            "r": rectification,
            "unit": rectification.owner_unit,
            "inspection": inspection,
            "files": rectification.files.select_related("evidence"),
            "can_respond": can_respond and rectification.status != Rectification.Status.CLOSED,
            "can_confirm": can_confirm and rectification.status == Rectification.Status.RESPONDED,
            "respond_form": respond_form
            or RespondForm(initial={"response": rectification.response}),
            "confirm_form": confirm_form or ConfirmForm(),
            "today": timezone.localdate(),
        },
    )


@require_GET
def rectification_detail(request: HttpRequest, token: str) -> HttpResponse:
    return _rectification_page(request, access.get_rectification_for_user(_user(request), token))


@require_POST
def rectification_respond(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    rectification = access.get_rectification_for_user(user, token)
    if not org_access.has_role(user, rectification.owner_unit, access.SUBMITTERS):
        raise PermissionDenied
    form = RespondForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.rectification_respond(
                rectification=rectification,
                by=user,
                response=form.cleaned_data["response"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("整改情况已提交，等待督导确认"))
            return redirect("plans:rectification_detail", token=rectification.token)
    return _rectification_page(request, rectification, respond_form=form)


@require_POST
def rectification_confirm(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    rectification = access.get_rectification_for_user(user, token)
    if not access.can_confirm_rectification(user, rectification):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.rectification_confirm(
                rectification=rectification,
                by=user,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("plans:rectification_detail", token=rectification.token)
    return _rectification_page(request, rectification, confirm_form=form)


# Inspection packs (台账)


@require_http_methods(["GET", "POST"])
def pack_list(request: HttpRequest, code: str) -> HttpResponse:
    """Request a 台账 zip for a period and watch it being built; finished packs stay listed."""
    user = _user(request)
    unit = _unit_for(request, code)
    resolver = selectors.term_resolver_for(unit)
    raw = request.POST.get("period", "").strip()
    error = None
    if request.method == "POST":
        try:
            period = parse(raw, terms=resolver)
        except PeriodError as exc:
            error = str(exc)
        else:
            packs.pack_request(unit=unit, period=period, by=user)
            messages.success(request, _("已开始生成台账，完成后可在下方下载"))
            return redirect("plans:pack_list", code=unit.code)
    items = list(InspectionPack.objects.filter(unit=unit).select_related("created_by")[:20])
    today = timezone.localdate()
    context = {
        "unit": unit,
        "packs": items,
        "polling": any(p.in_progress for p in items),
        "error": error,
        "raw_period": raw or period_containing(PeriodKind.TERM, today, terms=resolver).key,
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render_page(request, "plans/pack_list.html", context, partial="packs")


@require_GET
def pack_download(request: HttpRequest, token: str) -> FileResponse:
    pack = get_object_or_404(InspectionPack.objects.select_related("unit"), token=token)
    if not OrgUnit.objects.visible_to(_user(request)).filter(pk=pack.unit_id).exists():
        raise Http404
    if pack.status != InspectionPack.Status.DONE or not pack.file:
        raise Http404
    filename = f"{pack.unit.name}_{pack.period_label}_台账.zip"
    return FileResponse(
        pack.file.open("rb"), as_attachment=True, filename=filename, content_type="application/zip"
    )
