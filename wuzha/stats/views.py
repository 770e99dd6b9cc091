"""Dashboards, rankings, escalations, 无诈 evaluations and briefings.

Parse → access → service → render. Units outside the user's scope answer 404.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wuzha.core.forms import attach_errors
from wuzha.core.htmx import render_page
from wuzha.core.periods import Period, PeriodError
from wuzha.orgs.access import get_unit_for_user
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import OrgUnit
from wuzha.orgs.selectors import current_unit, unit_breadcrumbs

from . import access, briefings, documents, exports, indicators, selectors, services
from .forms import BriefingDraftForm, BriefingEditForm, EvaluationForm, RankingForm, RuleForm
from .models import Briefing, Escalation, EvaluationRound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _period(request: HttpRequest, unit: OrgUnit) -> tuple[Period, str]:
    """The period asked for, or the current term with the Chinese error when it is invalid."""
    key = request.GET.get("period", "").strip()
    try:
        return selectors.dashboard_period(unit, key), ""
    except PeriodError as exc:
        return selectors.dashboard_period(unit, None), str(exc)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The nav's 统计: the dashboard of the unit chosen in the switcher."""
    unit = current_unit(request)
    if unit is None:
        raise Http404
    return redirect("stats:dashboard", code=unit.code)


@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, period_error = _period(request, unit)
    today = timezone.localdate()
    board = selectors.dashboard(unit, period, today=today)
    context = {
        "unit": unit,
        "period": period,
        "period_error": period_error,
        "periods": selectors.period_choices(unit, today),
        "board": board,
        "table": board.table,
        "chart_codes": ["coverage", "receipts", "duties", "cases"],
        "definitions": indicators.DEFINITIONS,
        "min_denominator": indicators.min_denominator(),
        "query": urlencode({"period": period.key}),
        "breadcrumbs": unit_breadcrumbs(unit, user),
        "can_office": access.can_run_office(user, unit),
    }
    return render_page(request, "stats/dashboard.html", context, partial="body")


@require_GET
def dashboard_export(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(_user(request), code)
    period, _error = _period(request, unit)
    board = selectors.dashboard(unit, period, today=timezone.localdate())
    response = HttpResponse(exports.dashboard_xlsx(board), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="stats-{unit.code}-{period.key}.xlsx"'
    return response


# Rankings and escalation


@require_http_methods(["GET", "POST"])
def rankings(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    can_office = access.can_run_office(user, unit)
    form = RankingForm(
        request.POST or None,
        initial={"indicators": ["cases", "losses", "cases_per_10k"]},
    )
    rule_error = ""
    if request.method == "POST" and request.POST.get("campaign"):
        if not can_office:
            raise PermissionDenied
        campaign = selectors.unit_campaigns(unit).filter(pk=request.POST["campaign"]).first()
        if campaign is None:
            raise Http404
        form = RankingForm(initial={"indicators": ["cases", "losses", "cases_per_10k"]})
        try:
            period = indicators.period_for(unit, request.POST.get("period_key", ""))
            created = services.rule_run(
                rule=services.escalation_rule_for(campaign), period=period, by=user
            )
        except PeriodError as exc:
            rule_error = str(exc)
        except ValidationError as exc:
            rule_error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("已按规则发布%(p)s排名，新增通报/约谈 %(n)s 项")
                % {"p": period.label, "n": len(created)},
            )
            return redirect("stats:rankings", code=unit.code)
    elif request.method == "POST":
        if not can_office:
            raise PermissionDenied
        if form.is_valid():
            try:
                period = indicators.period_for(unit, form.cleaned_data["period_key"])
                services.ranking_publish(
                    parent=unit, period=period, codes=form.cleaned_data["indicators"]
                )
            except PeriodError as exc:
                form.add_error("period_key", str(exc))
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已发布%(p)s排名") % {"p": period.label})
                return redirect("stats:rankings", code=unit.code)
    context = {
        "unit": unit,
        "form": form,
        "months": selectors.rankings_for(unit),
        "escalations": selectors.unit_escalations(unit)[:100],
        "campaigns": selectors.unit_campaigns(unit),
        "can_office": can_office,
        "rule_error": rule_error,
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    status = 400 if form.errors or rule_error else 200
    return render(request, "stats/rankings.html", context, status=status)


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, code: str, campaign_id: int) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    campaign = selectors.unit_campaigns(unit).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    if not access.can_run_office(user, unit):
        raise PermissionDenied
    rule = services.escalation_rule_for(campaign)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_rule_update(rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("排名与通报规则已保存"))
            return redirect("stats:rankings", code=unit.code)
    return render(
        request,
        "core/form_page.html",
        {"unit": unit, "form": form, "title": _("%(c)s：排名与通报规则") % {"c": campaign.name}},
        status=400 if form.errors else 200,
    )


@require_GET
def escalation_detail(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    escalation = access.get_escalation_for_user(user, token)
    return render(
        request,
        "stats/escalation_detail.html",
        {"escalation": escalation, "breadcrumbs": unit_breadcrumbs(escalation.unit, user)},
    )


@require_GET
def escalation_document(request: HttpRequest, token: str) -> FileResponse:
    escalation: Escalation = access.get_escalation_for_user(_user(request), token)
    if not escalation.document:
        raise Http404
    return FileResponse(
        escalation.document.open("rb"),
        as_attachment=True,
        filename=f"通报-{escalation.unit.name}-{escalation.period_key}.docx",
        content_type=DOCX,
    )


# 无诈 evaluations


@require_http_methods(["GET", "POST"])
def evaluations(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    can_office = access.can_run_office(user, unit)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST":
        if not can_office:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            existing = EvaluationRound.objects.filter(
                unit=unit, kind=data["kind"], period_key=data["period_key"].strip()
            ).first()
            if existing is not None:  # a double submit opens one round
                return redirect("stats:evaluation_detail", token=existing.token)
            try:
                round = services.evaluation_open(
                    unit=unit,
                    kind=data["kind"],
                    period_key=data["period_key"],
                    by=user,
                    require_no_case=data["require_no_case"],
                    require_receipts_full=data["require_receipts_full"],
                    min_pass_rate=data["min_pass_rate"],
                    require_duties_complete=data["require_duties_complete"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("stats:evaluation_detail", token=round.token)
    context = {
        "unit": unit,
        "form": form,
        "rounds": selectors.unit_evaluations(unit),
        "can_office": can_office,
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render(request, "stats/evaluations.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    round = access.get_evaluation_for_user(user, token, write=request.method == "POST")
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "refresh":
                services.evaluation_refresh(round=round)
            else:
                ids = [int(x) for x in request.POST.getlist("candidate") if x.isdigit()]
                services.evaluation_approve(round=round, by=user, candidate_ids=ids)
                messages.success(request, _("评选结果已审定"))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("stats:evaluation_detail", token=round.token)
    round.refresh_from_db()
    candidates = list(round.candidates.select_related("unit", "person"))
    context = {
        "round": round,
        "candidates": candidates,
        "qualifying": sum(1 for c in candidates if c.qualifies),
        "can_approve": access.can_approve(user, round.unit),
        "error": error,
        "breadcrumbs": unit_breadcrumbs(round.unit, user),
    }
    return render(request, "stats/evaluation_detail.html", context, status=400 if error else 200)


@require_GET
def evaluation_certificates(request: HttpRequest, token: str) -> HttpResponse:
    round = access.get_evaluation_for_user(_user(request), token)
    try:
        pdf = services.evaluation_certificates(round)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificates-{round.token}.pdf"'
    return response


# Briefings


@require_http_methods(["GET", "POST"])
def briefing_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    can_office = access.can_run_office(user, unit)
    form = BriefingDraftForm(request.POST or None)
    if request.method == "POST":
        if not can_office:
            raise PermissionDenied
        if form.is_valid():
            try:
                briefing = briefings.briefing_draft(
                    unit=unit,
                    kind=form.cleaned_data["kind"],
                    period_key=form.cleaned_data["period_key"],
                    by=user,
                )
            except documents.ChartFontMissing as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("stats:briefing_detail", token=briefing.token)
    context = {
        "unit": unit,
        "form": form,
        "briefings": selectors.unit_briefings(unit),
        "can_office": can_office,
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render(request, "stats/briefing_list.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def briefing_detail(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    briefing = access.get_briefing_for_user(user, token, write=request.method == "POST")
    form = BriefingEditForm(
        request.POST or None, initial={"title": briefing.title, "summary": briefing.summary}
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "issue":
                briefings.briefing_issue(briefing=briefing, by=user)
                messages.success(request, _("简报已印发并归档"))
                return redirect("stats:briefing_detail", token=briefing.token)
            if form.is_valid():
                briefings.briefing_update(
                    briefing=briefing,
                    by=user,
                    title=form.cleaned_data["title"],
                    summary=form.cleaned_data["summary"],
                )
                messages.success(request, _("简报已保存"))
                return redirect("stats:briefing_detail", token=briefing.token)
        except ValidationError as exc:
            attach_errors(form, exc)
    context: dict[str, Any] = {
        "briefing": briefing,
        "form": form,
        "figures": briefing.figures,
        "can_office": access.can_run_office(user, briefing.unit),
        "breadcrumbs": unit_breadcrumbs(briefing.unit, user),
    }
    return render(
        request, "stats/briefing_detail.html", context, status=400 if form.errors else 200
    )


@require_GET
def briefing_download(request: HttpRequest, token: str) -> FileResponse:
    briefing: Briefing = access.get_briefing_for_user(_user(request), token)
    if not briefing.file:
        raise Http404
    return FileResponse(
        briefing.file.open("rb"),
        as_attachment=True,
        filename=f"{briefing.title}.docx",
        content_type=DOCX,
    )
