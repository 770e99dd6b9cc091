"""Pages for screening rounds, key-person files and clues: parse → access → service → render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core.forms import attach_errors as _attach
from wuzha.core.htmx import render_page
from wuzha.core.periods import requested_period
from wuzha.core.ratelimit import ratelimit
from wuzha.core.services import sensitive_read_log
from wuzha.orgs.access import get_person_for_user, get_unit_for_user, has_role
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import SENSITIVE_READERS, OrgUnit, Person, PersonKind, User
from wuzha.orgs.selectors import unit_breadcrumbs

from . import access, selectors, services
from .forms import (
    ClearForm,
    CloseRequestForm,
    ClueForm,
    FollowUpDoneForm,
    FollowUpForm,
    ForwardForm,
    KeyPersonForm,
    NoteForm,
    ReviewForm,
    StatusLookupForm,
    TriageForm,
)
from .models import Clue, ClueKind, KeyPerson, ScreeningEntry

PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------
# Overview and screening
# ---------------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest, code: str) -> HttpResponse:
    """The unit's screening completeness this period, key-person and clue counts."""
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, error = requested_period(request.GET.get("period"), default=services.screening_period)
    report = selectors.screening_completeness(unit, period)
    can_key = has_role(user, unit, access.COUNTY_KEY_READERS)
    context = {
        "unit": unit,
        "period": period,
        "period_error": error,
        "report": report,
        "breadcrumbs": unit_breadcrumbs(unit, user),
        "can_screen": has_role(user, unit, access.SCREENERS)
        and services.round_kind_for(unit) is not None,
        "own_round": next((u for u in report.units if u.unit.pk == unit.pk), None),
        "key_counts": selectors.key_person_counts(unit),
        "can_key": can_key,
        "suggestions": selectors.flagged_without_file(unit, period) if can_key else [],
        "clue_counts": selectors.clue_counts(unit),
        "can_clues": has_role(user, unit, access.CLUE_REPORTERS),
        "can_review": has_role(user, unit, access.KEY_REVIEWERS),
    }
    return render_page(request, "risk/risk_home.html", context, partial="completeness")


@require_POST
def round_open(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.SCREENERS)
    try:
        round, _created = services.screening_round_open(unit=unit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("risk:home", code=unit.code)
    return redirect("risk:round_detail", pk=round.pk)


@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: each person with the items found; only rows marked as looked at are saved."""
    user = _user(request)
    round = access.get_round_for_user(user, pk)
    can_screen = has_role(user, round.unit, access.SCREENERS)
    error = ""
    if request.method == "POST":
        if not can_screen:
            raise PermissionDenied
        results: dict[int, tuple[list[str], str]] = {}
        for raw in request.POST.getlist("person"):
            if not raw.isdigit():
                continue
            pid = int(raw)
            flags = request.POST.getlist(f"flags_{pid}")
            note = request.POST.get(f"note_{pid}", "")
            if request.POST.get(f"seen_{pid}") or flags or note.strip():
                results[pid] = (flags, note)
        try:
            saved = services.screening_entries_save(round=round, by=user, results=results)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("已保存 %(n)s 人的摸排情况") % {"n": saved})
            return redirect("risk:round_detail", pk=round.pk)
    rows = selectors.round_rows(round)
    context = {
        "round": round,
        "rows": rows,
        "checked": sum(1 for r in rows if r.entry),
        "flagged": [r for r in rows if r.entry and r.entry.flags],
        "can_screen": can_screen,
        "show_names": has_role(user, round.unit, SENSITIVE_READERS),
        "can_key": has_role(user, round.unit, access.key_readers_for(round.unit)),
        "clear_form": ClearForm(),
        "error": error,
    }
    return render(request, "risk/round_detail.html", context, status=400 if error else 200)


@require_POST
def round_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """本班本轮无异常: the rest of the roster looked at, nothing found."""
    user = _user(request)
    round = access.get_round_for_user(user, pk, write=True)
    form = ClearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请先确认已逐一了解每名学生的情况"))
        return redirect("risk:round_detail", pk=round.pk)
    try:
        added = services.screening_round_clear(round=round, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("本轮摸排已完成（%(n)s 人记为无异常）") % {"n": added})
    return redirect("risk:round_detail", pk=round.pk)


# ---------------------------------------------------------------------------------------------
# Key persons
# ---------------------------------------------------------------------------------------------


def _key_unit(user: User, code: str) -> OrgUnit:
    return get_unit_for_user(user, code, roles=access.COUNTY_KEY_READERS)


@require_GET
def keyperson_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = _key_unit(user, code)
    status = request.GET.get("status", "")
    status = status if status in KeyPerson.Status.values else ""
    qs = selectors.unit_key_persons(unit, user, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "page": page,
        "status": status,
        "statuses": KeyPerson.Status.choices,
        "breadcrumbs": unit_breadcrumbs(unit, user),
        "can_review": has_role(user, unit, access.KEY_REVIEWERS),
        "today": timezone.localdate(),
    }
    return render_page(request, "risk/keyperson_list.html", context, partial="rows")


@require_http_methods(["GET", "POST"])
def keyperson_create(request: HttpRequest, code: str) -> HttpResponse:
    """Open a file for one person, usually from a screening finding (`?entry=`)."""
    user = _user(request)
    unit = _key_unit(user, code)
    source = request.GET.get("entry") or request.POST.get("entry") or ""
    entry = None
    if source.isdigit():
        entry = get_object_or_404(
            ScreeningEntry.objects.select_related("person__unit", "round"),
            pk=int(source),
            round__unit__path__startswith=unit.path,
        )
    raw_person = request.GET.get("person") or request.POST.get("person") or ""
    person = entry.person if entry else None
    if person is None and raw_person.isdigit():
        person = get_person_for_user(user, int(raw_person))
    if person is None:
        return _person_picker(request, unit)
    if not person.unit.path.startswith(unit.path):
        raise Http404
    county = person.unit.school() is None
    if not has_role(user, person.unit, access.COUNTY_KEY_READERS if county else access.KEY_READERS):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if entry is not None:
        initial = {"categories": entry.flags, "plan": entry.note}
    form = KeyPersonForm(request.POST or None, county=county, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kp = services.keyperson_open(
                person=person, by=user, source_entry=entry, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已建立重点人员档案"))
            return redirect("risk:keyperson_detail", pk=kp.pk)
    context = {"unit": unit, "person": person, "entry": entry, "form": form}
    return render(request, "risk/keyperson_form.html", context)


def _person_picker(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    """Find the person to open a file for, by name or number, within `unit`'s subtree."""
    q = request.GET.get("q", "").strip()
    matches = []
    if q:
        matches = list(
            Person.objects.in_subtree(unit)
            .filter(is_active=True, kind__in=[PersonKind.STUDENT, PersonKind.RESIDENT])
            .filter(Q(name__contains=q) | Q(number__startswith=q))
            .select_related("unit")
            .order_by("unit__path", "number")[:20]
        )
    context = {"unit": unit, "q": q, "matches": matches}
    return render(request, "risk/keyperson_pick.html", context)


@require_GET
def keyperson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk)
    sensitive_read_log(
        request=request, subject=selectors.KEYPERSON_SUBJECT, object_id=kp.pk, field="file"
    )
    context = {
        "kp": kp,
        "followups": kp.followups.select_related("done_by"),
        "notes": kp.notes.select_related("by"),
        "followup_form": FollowUpForm(),
        "done_form": FollowUpDoneForm(),
        "note_form": NoteForm(),
        "close_form": CloseRequestForm(),
        "review_form": ReviewForm(),
        "can_review": has_role(user, kp.unit, access.KEY_REVIEWERS),
        "today": timezone.localdate(),
    }
    return render(request, "risk/keyperson_detail.html", context)


@require_http_methods(["GET", "POST"])
def keyperson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk, write=True)
    initial = {
        "categories": kp.categories,
        "risk_level": kp.risk_level,
        "measures": kp.measures,
        "plan": kp.plan,
    }
    form = KeyPersonForm(
        request.POST or None,
        county=kp.person.unit.school() is None,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.keyperson_update(kp=kp, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("档案已保存"))
            return redirect("risk:keyperson_detail", pk=kp.pk)
    context = {"unit": kp.unit, "person": kp.person, "kp": kp, "form": form}
    return render(request, "risk/keyperson_form.html", context)


@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk, write=True)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.followup_schedule(kp=kp, by=user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已安排跟进"))
    else:
        messages.error(request, _("请选择跟进方式和日期"))
    return redirect("risk:keyperson_detail", pk=kp.pk)


@require_POST
def followup_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    followup = access.get_followup_for_user(user, pk)
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        services.followup_complete(followup=followup, by=user, note=form.cleaned_data["note"])
        messages.success(request, _("跟进已记录"))
    else:
        messages.error(request, _("请填写跟进情况"))
    return redirect("risk:keyperson_detail", pk=followup.key_person_id)


@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.keyperson_note_add(kp=kp, by=user, text=form.cleaned_data["text"])
        messages.success(request, _("备注已添加"))
    else:
        messages.error(request, _("备注不能为空"))
    return redirect("risk:keyperson_detail", pk=kp.pk)


@require_POST
def keyperson_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk, write=True)
    form = CloseRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写销档理由"))
        services.keyperson_close_request(kp=kp, by=user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已提交销档申请，等待学校领导审核"))
    return redirect("risk:keyperson_detail", pk=kp.pk)


@require_POST
def keyperson_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    kp = access.get_keyperson_for_user(user, pk)
    if not has_role(user, kp.unit, access.KEY_REVIEWERS):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择审核结果"))
        services.keyperson_review(
            kp=kp,
            by=user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("审核已保存"))
    return redirect("risk:keyperson_detail", pk=kp.pk)


@require_GET
def reads(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.KEY_REVIEWERS)
    return render(
        request,
        "risk/keyperson_reads.html",
        {"unit": unit, "rows": selectors.keyperson_reads(unit)},
    )


# ---------------------------------------------------------------------------------------------
# Clues
# ---------------------------------------------------------------------------------------------


@require_GET
def clue_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.CLUE_REPORTERS)
    status = request.GET.get("status", "")
    status = status if status in Clue.Status.values else ""
    page = Paginator(selectors.unit_clues(unit, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "unit": unit,
        "page": page,
        "status": status,
        "statuses": Clue.Status.choices,
        "breadcrumbs": unit_breadcrumbs(unit, user),
        "public_url": request.build_absolute_uri(reverse("risk:report", args=[unit.code])),
        "checker_url": request.build_absolute_uri(reverse("checker:public")) + f"?unit={unit.code}",
    }
    return render_page(request, "risk/clue_list.html", context, partial="rows")


REPORT_PICK_MAX = 20
# What another page (the message checker) may hand over to pre-fill the clue form.
PREFILL_FIELDS = ("kind", "target", "content")


def _carried(request: HttpRequest) -> dict[str, str]:
    """The pre-fill values a POST carries, cut to the form's limits; nothing is stored."""
    kinds = {k for k, _label in ClueKind.choices}
    data = {f: request.POST.get(f, "").strip() for f in PREFILL_FIELDS}
    data["kind"] = data["kind"] if data["kind"] in kinds else ClueKind.OTHER
    data["target"] = data["target"][:300]
    data["content"] = data["content"][:5000]
    return data


def _prefilled(request: HttpRequest) -> ClueForm | None:
    """An unbound form filled from a hand-over POST (`prefill=1`): shown, never submitted, so
    the person reads and completes it before anything is saved."""
    if request.method != "POST" or request.POST.get("prefill") != "1":
        return None
    return ClueForm(initial=_carried(request))


def _submit_clue(unit: OrgUnit, form: ClueForm, by: User | None) -> Clue | None:
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    files = data.pop("screenshots")
    try:
        return services.clue_submit(unit=unit, by=by, files=files, **data)
    except ValidationError as exc:
        _attach(form, exc)
        return None


@require_http_methods(["GET", "POST"])
def clue_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.CLUE_REPORTERS)
    form = _prefilled(request) or ClueForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_bound:
        clue = _submit_clue(unit, form, user)
        if clue is not None:
            messages.success(request, _("线索已登记，查询码 %(c)s") % {"c": clue.code})
            return redirect("risk:clue_detail", pk=clue.pk)
    return render(request, "risk/clue_form.html", {"unit": unit, "form": form, "public": False})


@require_http_methods(["GET", "POST"])
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    clue = access.get_clue_for_user(user, pk)
    can_handle = has_role(user, clue.unit, access.CLUE_HANDLERS)
    triage_form = TriageForm(request.POST or None)
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied
        if triage_form.is_valid():
            try:
                services.clue_triage(clue=clue, by=user, **triage_form.cleaned_data)
            except ValidationError as exc:
                _attach(triage_form, exc)
            else:
                messages.success(request, _("处理结果已保存"))
                return redirect("risk:clue_detail", pk=clue.pk)
    context = {
        "clue": clue,
        "events": clue.events.select_related("by"),
        "files": [cf.file for cf in clue.files.select_related("file")],
        "can_handle": can_handle,
        "triage_form": triage_form,
        "forward_form": ForwardForm(police=services.police_liaisons(clue.unit)),
        "can_forward": "forwarded" in services.TRANSITIONS[Clue.Status(clue.status)],
    }
    return render(
        request, "risk/clue_detail.html", context, status=400 if triage_form.errors else 200
    )


@require_POST
def clue_forward(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    clue = access.get_clue_for_user(user, pk, write=True)
    form = ForwardForm(request.POST, police=services.police_liaisons(clue.unit))
    if form.is_valid():
        try:
            services.clue_forward(clue=clue, by=user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已移交民警"))
    else:
        messages.error(request, _("请选择移交的民警（本单位及上级单位需有民警账号）"))
    return redirect("risk:clue_detail", pk=clue.pk)


@require_GET
def clue_file(request: HttpRequest, pk: int, token: str) -> FileResponse:
    clue = access.get_clue_for_user(_user(request), pk)
    link = clue.files.select_related("file").filter(file__token=token).first()
    if link is None:
        raise Http404
    return FileResponse(link.file.file.open("rb"), content_type=link.file.content_type)


@login_not_required
@ratelimit("risk-report", limit=10, window_seconds=600)
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The public clue form of a unit (anonymous allowed); gives the reporter a lookup code."""
    unit = get_object_or_404(OrgUnit, code=code, is_active=True)
    form = _prefilled(request) or ClueForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_bound:
        clue = _submit_clue(unit, form, None)
        if clue is not None:
            return redirect(f"{reverse('risk:report_status')}?code={clue.code}&new=1")
    return render(request, "risk/clue_form.html", {"unit": unit, "form": form, "public": True})


@login_not_required
@never_cache
@ratelimit("risk-report-pick", limit=30, window_seconds=600, methods=("GET", "POST"))
@require_http_methods(["GET", "POST"])
def report_pick(request: HttpRequest) -> HttpResponse:
    """Find the school, community or police station to report to. A clue handed over from the
    message checker travels along in hidden fields (in the person's browser, not stored)."""
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:50]
    units: list[OrgUnit] = []
    if query:
        # One more than shown: only then is "only the first 20" true.
        units = list(
            OrgUnit.objects.filter(is_active=True, name__icontains=query).order_by("path")[
                : REPORT_PICK_MAX + 1
            ]
        )
    more = len(units) > REPORT_PICK_MAX
    units = units[:REPORT_PICK_MAX]
    # Each unit with its parent's name, so that two 第一小学 can be told apart.
    step = OrgUnit.steplen
    parents = {
        p.path: p.name
        for p in OrgUnit.objects.filter(path__in={u.path[:-step] for u in units if u.depth > 1})
    }
    carried = _carried(request) if request.method == "POST" else {}
    context = {
        "query": query,
        "units": [(u, parents.get(u.path[:-step], "")) for u in units],
        "carried": carried if any(carried.get(f) for f in ("target", "content")) else {},
        "more": more,
    }
    return render(request, "risk/report_pick.html", context)


@login_not_required
@never_cache
@ratelimit("risk-report-status", limit=30, window_seconds=600, methods=("GET",))
@require_GET
def report_status(request: HttpRequest) -> HttpResponse:
    """Progress of a clue by its code: status and the public reply, never the content."""
    form = StatusLookupForm(request.GET or None)
    clue = None
    status = 200
    if form.is_bound and form.is_valid():
        clue = Clue.objects.filter(code=form.cleaned_data["code"]).first()
        if clue is None:
            form.add_error("code", _("没有找到这个查询码，请核对后重试"))
            status = 404
    context = {
        "form": form,
        "clue": clue,
        "events": clue.events.all() if clue else [],
        "new": request.GET.get("new") == "1",
    }
    return render(request, "risk/clue_status.html", context, status=status)
