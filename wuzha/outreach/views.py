"""Pages for activities, attendance, coverage, chat groups and household visits.

Parse → access → service → render. Lists of persons show masked names unless a role that may
read them asks for full names (`?names=1`), and that read is logged.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core.forms import attach_errors as _attach
from wuzha.core.htmx import render_page
from wuzha.core.models import EvidenceFile
from wuzha.core.periods import Period, PeriodError
from wuzha.core.services import sensitive_read_log
from wuzha.core.validators import mask_name
from wuzha.orgs.access import get_person_for_user, get_unit_for_user
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import OrgUnit, PersonKind, UnitKind, User
from wuzha.orgs.selectors import unit_breadcrumbs

from . import access, exports, selectors, services
from .forms import (
    ActivityFieldsForm,
    ActivityForm,
    AttendanceForm,
    ChatGroupForm,
    FilesForm,
    GroupTipForm,
    HouseholdBulkForm,
    VisitForm,
)
from .models import Activity, ActivityKind, AttendanceMode, Audience, ChatGroup

PAGE_SIZE = 50
COUNTY_KINDS = {
    UnitKind.PROVINCE,
    UnitKind.CITY,
    UnitKind.COUNTY,
    UnitKind.TOWN,
    UnitKind.POLICE_STATION,
    UnitKind.COMMUNITY,
    UnitKind.VILLAGE,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest, unit: OrgUnit) -> tuple[Period, str]:
    """The period asked for in `?period=`, else the current term; with the parse error if any."""
    key = request.GET.get("period", "").strip()
    try:
        return selectors.period_for(unit, key or None), ""
    except PeriodError as exc:
        return selectors.period_for(unit, None), str(exc)


def _show_names(request: HttpRequest, unit: OrgUnit, subject: str) -> bool:
    """Full names when asked for by a role that may read them; the read is logged."""
    if request.GET.get("names") != "1":
        return False
    if not access.can_see_names(_user(request), unit):
        raise PermissionDenied
    sensitive_read_log(request=request, subject=subject, object_id=unit.pk, field="names")
    return True


def _default_audience(unit: OrgUnit) -> str:
    if unit.kind in COUNTY_KINDS:
        return Audience.RESIDENT
    if unit.kind == UnitKind.BUREAU:
        return Audience.STAFF
    return Audience.STUDENT


def _download(evidence: EvidenceFile, *, thumb: bool = False) -> FileResponse:
    if thumb:
        if not evidence.thumbnail:
            raise Http404
        response = FileResponse(evidence.thumbnail.open("rb"), content_type="image/jpeg")
    else:
        response = FileResponse(
            evidence.file.open("rb"),
            content_type=evidence.content_type,
            as_attachment=evidence.kind not in ("image", "video", "pdf"),
            filename=evidence.original_name,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


@require_GET
def coverage(request: HttpRequest, code: str) -> HttpResponse:
    """Coverage of a unit: per child unit, or for a class the persons not yet reached."""
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, period_error = _period(request, unit)
    kind = request.GET.get("kind", PersonKind.STUDENT)
    if kind not in PersonKind.values:
        kind = PersonKind.STUDENT
    total, rows = selectors.unit_coverage(unit, period.start, period.end, kind=kind)
    people: list[selectors.PersonCoverage] = []
    by_person = unit.is_class or not rows
    unreached_only = request.GET.get("all") != "1"
    show_names = False
    if by_person:
        show_names = _show_names(request, unit, "outreach_coverage")
        people = selectors.unit_person_coverage(
            unit, period.start, period.end, kind=kind, unreached_only=unreached_only
        )
    channels = selectors.channel_labels()
    context = {
        "unit": unit,
        "period": period,
        "period_error": period_error,
        "kind": kind,
        "kinds": PersonKind.choices,
        "total": total,
        "rows": rows,
        "channels": channels,
        "by_person": by_person,
        "people": [
            (row, row.person.name if show_names else mask_name(row.person.name)) for row in people
        ],
        "unreached_only": unreached_only,
        "show_names": show_names,
        "can_see_names": access.can_see_names(user, unit),
        "can_record": access.can_record(user, unit),
        "show_visits": unit.kind in COUNTY_KINDS,
        "query": urlencode({"period": period.key, "kind": kind}),
        "keep": [("kind", kind)],
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render_page(request, "outreach/coverage_detail.html", context, partial="table")


@require_GET
def person_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """The coverage ledger of one person: each channel with the records that reached them."""
    user = _user(request)
    person = get_person_for_user(user, pk)
    period, period_error = _period(request, person.unit)
    ledger = selectors.person_ledger(person, period.start, period.end)
    full = access.can_see_names(user, person.unit)
    return render(
        request,
        "outreach/person_coverage.html",
        {
            "person": person,
            "name": person.name if full else mask_name(person.name),
            "period": period,
            "period_error": period_error,
            "ledger": ledger,
            "reached": any(c.events for c in ledger),
            "breadcrumbs": [*unit_breadcrumbs(person.unit, user), person.unit],
        },
    )


@require_GET
def coverage_export(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, _error = _period(request, unit)
    kind = request.GET.get("kind", PersonKind.STUDENT)
    if kind not in PersonKind.values:
        kind = PersonKind.STUDENT
    full = _show_names(request, unit, "outreach_coverage_export")
    people = selectors.unit_person_coverage(unit, period.start, period.end, kind=kind)
    data = exports.coverage_xlsx(unit, period, people, selectors.channel_labels(), full=full)
    response = HttpResponse(data, content_type=XLSX)
    filename = f"coverage-{unit.code}-{period.key}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------------------------


@require_GET
def activity_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, period_error = _period(request, unit)
    activities = selectors.activity_register(unit, period)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "period": period,
        "period_error": period_error,
        "page": page,
        "can_record": access.can_record(user, unit),
        "breadcrumbs": unit_breadcrumbs(unit, user),
    }
    return render_page(request, "outreach/activity_list.html", context, partial="rows")


@require_GET
def activity_export(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, _error = _period(request, unit)
    full = _show_names(request, unit, "outreach_activity_export")
    data = exports.activities_xlsx(unit, period, full=full)
    response = HttpResponse(data, content_type=XLSX)
    filename = f"activities-{unit.code}-{period.key}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, code: str) -> HttpResponse:
    """Quick entry: what happened, a photo, and (for a class) untick the absentees."""
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.RECORDERS)
    roster = selectors.roster_for(unit, [PersonKind.STUDENT])
    if not selectors.roster_fits(roster):
        roster = []
    full_names = access.can_see_names(user, unit)
    initial: dict[str, Any] = {
        "date": timezone.localdate(),
        "kind": ActivityKind.CLASS_MEETING if unit.is_class else ActivityKind.LECTURE,
        "audiences": [_default_audience(unit)],
        "attendance_mode": AttendanceMode.ROSTER if roster else AttendanceMode.COUNT,
        "present": [p.pk for p in roster],
        "client_id": uuid.uuid4(),
    }
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        roster=roster,
        full_names=full_names,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        mode = data["attendance_mode"]
        by_student_roster = mode == AttendanceMode.ROSTER and Audience.STUDENT in data["audiences"]
        try:
            activity, created = services.activity_create(
                unit=unit,
                by=user,
                kind=data["kind"],
                title=data["title"],
                date=data["date"],
                start_time=data["start_time"],
                place=data["place"],
                speaker=data["speaker"],
                audiences=data["audiences"],
                fraud_types=data["fraud_types"],
                description=data["description"],
                attendance_mode=mode,
                headcount=data["headcount"],
                roster_ids=[p.pk for p in roster] if by_student_roster else None,
                present_ids=data.get("present") or [],
                photos=data["photos"],
                sign_in_sheets=data["sign_in_sheets"],
                client_id=data["client_id"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if not created:
                messages.info(request, _("这条活动已经保存过，没有重复登记"))
            elif mode == AttendanceMode.ROSTER and not by_student_roster:
                messages.success(request, _("活动已保存。请在名册上勾选出席的人"))
                return redirect("outreach:activity_attendance", pk=activity.pk)
            else:
                messages.success(request, _("活动已保存"))
            return redirect("outreach:activity_detail", pk=activity.pk)
    return render(
        request,
        "outreach/activity_form.html",
        {
            "unit": unit,
            "form": form,
            "roster": roster,
            "title": _("登记宣传教育活动"),
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, pk)
    show_names = _show_names(request, activity.unit, "outreach_attendance")
    attendance = selectors.activity_attendance(activity)

    def label(person: Any) -> str:
        return person.name if show_names else mask_name(person.name)

    context = {
        "activity": activity,
        "unit": activity.unit,
        "present": [(p, label(p)) for p in attendance.present],
        "absent": [(p, label(p)) for p in attendance.absent],
        "revisions": attendance.revisions,
        "files": selectors.activity_files(activity, Activity.objects.visible_to(user)),
        "files_form": FilesForm(),
        "can_record": access.can_record(user, activity.unit),
        "can_see_names": access.can_see_names(user, activity.unit),
        "show_names": show_names,
        "breadcrumbs": [*unit_breadcrumbs(activity.unit, user), activity.unit],
    }
    return render(request, "outreach/activity_detail.html", context)


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, pk, write=True)
    initial = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
    form = ActivityFieldsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(activity=activity, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("outreach:activity_detail", pk=activity.pk)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("修改活动"),
            "back": activity,
            "breadcrumbs": [*unit_breadcrumbs(activity.unit, user), activity.unit],
        },
    )


@require_http_methods(["GET", "POST"])
def activity_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick who attended (or give a count); every save is kept as a revision."""
    user = _user(request)
    activity = access.get_activity_for_user(user, pk, write=True)
    roster = selectors.roster_for(activity.unit, activity.audiences)
    if not selectors.roster_fits(roster):
        roster = []
    view = selectors.activity_attendance(activity)
    recorded = {p.pk for p in view.present} | {p.pk for p in view.absent}
    present = (
        [p.pk for p in view.present] if recorded else [p.pk for p in roster]
    )  # first time: everyone ticked, untick the absentees
    initial = {
        "mode": activity.attendance_mode if roster else AttendanceMode.COUNT,
        "present": present,
        "headcount": activity.headcount,
    }
    form = AttendanceForm(
        request.POST or None,
        initial=initial,
        roster=roster,
        full_names=access.can_see_names(user, activity.unit),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.attendance_record(
                activity=activity,
                by=user,
                mode=data["mode"],
                roster_ids=[p.pk for p in roster] if data["mode"] == AttendanceMode.ROSTER else [],
                present_ids=data.get("present") or [],
                headcount=data.get("headcount"),
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("出勤已保存"))
            return redirect("outreach:activity_detail", pk=activity.pk)
    return render(
        request,
        "outreach/attendance_form.html",
        {
            "activity": activity,
            "form": form,
            "roster": roster,
            "breadcrumbs": [*unit_breadcrumbs(activity.unit, user), activity.unit],
        },
    )


@require_POST
def activity_files_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = access.get_activity_for_user(user, pk, write=True)
    form = FilesForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            n = services.activity_add_files(
                activity=activity,
                by=user,
                files=form.cleaned_data["files"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已添加 %(n)s 个文件") % {"n": n})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("outreach:activity_detail", pk=activity.pk)


@require_GET
def activity_file(request: HttpRequest, pk: int, token: str) -> FileResponse:
    return _download(access.get_activity_file_for_user(_user(request), pk, token))


@require_GET
def activity_file_thumb(request: HttpRequest, pk: int, token: str) -> FileResponse:
    return _download(access.get_activity_file_for_user(_user(request), pk, token), thumb=True)


# ---------------------------------------------------------------------------------------------
# Chat groups
# ---------------------------------------------------------------------------------------------


@require_GET
def group_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, period_error = _period(request, unit)
    today = timezone.localdate()
    groups = [(g, g.gaps(today)) for g in selectors.unit_groups(unit, period)]
    return render_page(
        request,
        "outreach/group_list.html",
        {
            "unit": unit,
            "period": period,
            "period_error": period_error,
            "groups": groups,
            "with_gaps": sum(1 for _g, gaps in groups if gaps),
            "can_record": access.can_record(user, unit),
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
        partial="rows",
    )


@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.RECORDERS)
    initial = {"kind": ChatGroup.Kind.PARENT if unit.is_class else ChatGroup.Kind.VILLAGE}
    form = ChatGroupForm(request.POST or None, initial=initial)
    form.instance.unit = unit
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        checked = data.pop("checked_today")
        try:
            group = services.group_save(unit=unit, by=user, checked_today=checked, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已登记“%(n)s”") % {"n": group.name})
            return redirect("outreach:group_detail", pk=group.pk)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("登记群"),
            "back_unit": unit,
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )


@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group = access.get_group_for_user(user, pk, write=True)
    form = ChatGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        checked = data.pop("checked_today")
        try:
            services.group_save(
                unit=group.unit, by=user, group=group, checked_today=checked, **data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("outreach:group_detail", pk=group.pk)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("修改群信息"),
            "back_group": group,
            "breadcrumbs": [*unit_breadcrumbs(group.unit, user), group.unit],
        },
    )


def _group_page(request: HttpRequest, group: ChatGroup, form: GroupTipForm) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "outreach/group_detail.html",
        {
            "group": group,
            "gaps": group.gaps(timezone.localdate()),
            "tips": group.tips.select_related("posted_by")[:50],
            "form": form,
            "can_record": access.can_record(user, group.unit),
            "breadcrumbs": [*unit_breadcrumbs(group.unit, user), group.unit],
        },
    )


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A chat group, its security checklist and the tips posted to it."""
    group = access.get_group_for_user(_user(request), pk)
    return _group_page(request, group, GroupTipForm())


@require_POST
def group_tip_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a tip posted to the group (the same tip on the same day is logged once)."""
    user = _user(request)
    group = access.get_group_for_user(user, pk, write=True)
    form = GroupTipForm(request.POST)
    if form.is_valid():
        try:
            _tip, created = services.group_tip_log(group=group, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if created:
                messages.success(request, _("已记录本次群内提示"))
            else:
                messages.info(request, _("这条提示已经记录过"))
            return redirect("outreach:group_detail", pk=group.pk)
    return _group_page(request, group, form)


# ---------------------------------------------------------------------------------------------
# Household visits
# ---------------------------------------------------------------------------------------------


def _villages(user: User, unit: OrgUnit) -> Any:
    """Villages and communities in `unit`'s subtree where the user may record a visit."""
    qs = OrgUnit.objects.visible_to(user).filter(
        path__startswith=unit.path, kind__in=selectors.VISIT_UNIT_KINDS, is_active=True
    )
    return qs.filter(pk__in=[u.pk for u in qs if access.can_record(user, u)])


@require_GET
def visit_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code)
    period, period_error = _period(request, unit)
    progress = selectors.visit_progress(unit, period)
    visits = Paginator(selectors.unit_visits(unit, period), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    households = sum(p.households for p in progress)
    visited = sum(p.visited for p in progress)
    return render(
        request,
        "outreach/visit_list.html",
        {
            "unit": unit,
            "period": period,
            "period_error": period_error,
            "progress": progress,
            "households": households,
            "visited": visited,
            "rate": round(100 * visited / households, 1) if households else None,
            "visits": visits,
            "can_record": access.can_record(user, unit),
            "is_village": unit.kind in selectors.VISIT_UNIT_KINDS,
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )


@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, code: str) -> HttpResponse:
    """The phone form of a grid worker or police officer at the door."""
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.RECORDERS)
    villages = _villages(user, unit)
    initial: dict[str, Any] = {
        "client_id": uuid.uuid4(),
        "visited_on": timezone.localdate(),
        "materials": ["card"],
    }
    residents = None
    if unit.kind in selectors.VISIT_UNIT_KINDS:
        initial["village"] = unit
        residents = selectors.village_residents(unit)
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        villages=villages,
        residents=residents,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        village = data.pop("village")
        data["met_persons"] = list(data.get("met_persons") or [])
        try:
            visit, created = services.visit_record(unit=village, by=user, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if created:
                messages.success(
                    request, _("已保存入户登记：%(a)s") % {"a": visit.household.address}
                )
            else:
                messages.info(request, _("这次走访已经保存过，没有重复登记"))
            return redirect("outreach:visit_detail", pk=visit.pk)
    return render(
        request,
        "outreach/visit_form.html",
        {"unit": unit, "form": form, "no_villages": not villages.exists()},
    )


@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = access.get_visit_for_user(user, pk)
    return render(
        request,
        "outreach/visit_detail.html",
        {
            "visit": visit,
            "files": visit.files.select_related("evidence"),
            "breadcrumbs": [*unit_breadcrumbs(visit.household.unit, user), visit.household.unit],
        },
    )


@require_GET
def visit_file(request: HttpRequest, pk: int, token: str) -> FileResponse:
    return _download(access.get_visit_file_for_user(_user(request), pk, token))


@require_http_methods(["GET", "POST"])
def household_add(request: HttpRequest, code: str) -> HttpResponse:
    """Register the households of a village or community, one per line."""
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.RECORDERS)
    if unit.kind not in selectors.VISIT_UNIT_KINDS:
        raise Http404
    form = HouseholdBulkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = 0
        for address, head in form.cleaned_data["lines"]:
            created += services.household_register(unit=unit, address=address, head_name=head)[1]
        messages.success(request, _("新登记 %(n)s 户") % {"n": created})
        return redirect("outreach:visit_list", code=unit.code)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("登记户（%(u)s）") % {"u": unit.name},
            "back_unit": unit,
            "breadcrumbs": unit_breadcrumbs(unit, user),
        },
    )
