"""Pages for the org tree, the roster and staff accounts: parse → access → service → render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuzha.core.htmx import render_page
from wuzha.core.services import sensitive_read_log

from . import access, selectors, services
from .access import request_user as _user
from .forms import MembershipForm, PersonForm, StaffInviteForm, UnitAddForm, UnitForm, UnitMoveForm
from .models import (
    PERSON_EDITORS,
    ROSTER_EDITORS,
    STAFF_MANAGERS,
    Membership,
    OrgUnit,
    OrgUnitHistory,
    PersonKind,
)

PAGE_SIZE = 50


def _form_errors_to_form(form: object, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form so it shows next to the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None  # type: ignore[attr-defined]
            for error in errors:
                form.add_error(target, error)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc)  # type: ignore[attr-defined]


@require_POST
def switch_unit(request: HttpRequest) -> HttpResponse:
    """Remember the unit chosen in the switcher; only units of the user's own memberships."""
    code = request.POST.get("code", "")
    membership = Membership.objects.filter(user=_user(request), unit__code=code).first()
    if membership is None:
        raise Http404
    request.session[selectors.SESSION_UNIT_KEY] = code
    return redirect("orgs:unit_detail", code=code)


@require_http_methods(["GET"])
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    total, rows = selectors.unit_subtree_counts(unit)
    roles = user.roles_for(unit)
    context = {
        "unit": unit,
        "total": total,
        "rows": rows,
        "breadcrumbs": selectors.unit_breadcrumbs(unit, user),
        "history": OrgUnitHistory.objects.filter(unit=unit).select_related("by")[:10],
        "can_edit": bool(roles & ROSTER_EDITORS),
        "can_manage_staff": bool(roles & STAFF_MANAGERS),
    }
    return render_page(request, "orgs/unit_detail.html", context, partial="subtree")


@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code, roles=ROSTER_EDITORS)
    initial = {"name": unit.name, "code": unit.code, "population": unit.population}
    form = UnitForm(request.POST or None, initial=initial, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(unit=unit, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("单位信息已保存"))
            return redirect("orgs:unit_detail", code=unit.code)
    return render(
        request, "core/form_page.html", {"unit": unit, "form": form, "title": _("修改单位")}
    )


@require_http_methods(["GET", "POST"])
def unit_add(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    parent = access.get_unit_for_user(user, code, roles=ROSTER_EDITORS)
    form = UnitAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.unit_create(parent=parent, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        except IntegrityError:
            form.add_error("code", _("代码已被其他单位使用"))
        else:
            messages.success(request, _("已添加下级单位“%(name)s”") % {"name": child.name})
            return redirect("orgs:unit_detail", code=parent.code)
    return render(
        request, "core/form_page.html", {"unit": parent, "form": form, "title": _("添加下级单位")}
    )


@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code, roles=ROSTER_EDITORS)
    parent = OrgUnit.objects.get_parent(unit)
    if parent is None or not access.has_role(user, parent, ROSTER_EDITORS):
        # Moving a unit takes it out of its parent, so the parent must be editable too.
        raise PermissionDenied
    form = UnitMoveForm(request.POST or None, unit=unit, user=user)
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        if not access.has_role(user, new_parent, ROSTER_EDITORS):
            form.add_error("new_parent", _("您没有目标单位的管理权限"))
        else:
            try:
                services.unit_move(unit=unit, new_parent=new_parent, by=user)
            except ValidationError as exc:
                _form_errors_to_form(form, exc)
            else:
                messages.success(request, _("已移动到“%(name)s”之下") % {"name": new_parent.name})
                return redirect("orgs:unit_detail", code=unit.code)
    return render(
        request, "core/form_page.html", {"unit": unit, "form": form, "title": _("移动单位")}
    )


@require_http_methods(["GET"])
def person_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    kind = request.GET.get("kind", PersonKind.STUDENT)
    if kind not in PersonKind.values:
        kind = PersonKind.STUDENT
    no_guardian = request.GET.get("no_guardian") == "1" and kind == PersonKind.STUDENT
    qs = selectors.unit_persons(unit, kind=kind, without_guardian=no_guardian)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(number__startswith=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "page": page,
        "kind": kind,
        "kinds": PersonKind.choices,
        "q": q,
        "no_guardian": no_guardian,
        "breadcrumbs": selectors.unit_breadcrumbs(unit, user),
        "can_edit": access.has_role(user, unit, PERSON_EDITORS),
    }
    return render_page(request, "orgs/person_list.html", context, partial="rows")


@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code, roles=PERSON_EDITORS)
    form = PersonForm(request.POST or None, user=user, scope=unit, initial={"unit": unit})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        target = data.pop("unit")
        try:
            person = services.person_create(unit=target, **data)
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        except IntegrityError:
            form.add_error("number", _("本校已有相同学号/工号的人员"))
        else:
            messages.success(request, _("已添加“%(name)s”") % {"name": person.name})
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request, "core/form_page.html", {"unit": unit, "form": form, "title": _("添加人员")}
    )


@require_http_methods(["GET"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = access.get_person_for_user(user, pk)
    guardianships = person.guardianships.select_related("guardian").order_by("pk")
    wards = person.wards.select_related("student__unit").order_by("pk")
    context = {
        "person": person,
        "guardianships": guardianships,
        "wards": wards,
        "breadcrumbs": [*selectors.unit_breadcrumbs(person.unit, user), person.unit],
        "can_edit": access.has_role(user, person.unit, PERSON_EDITORS),
        "can_reveal": access.can_read_sensitive(user, person),
    }
    return render(request, "orgs/person_detail.html", context)


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = access.get_person_for_user(user, pk, write=True)
    scope = person.school or person.unit
    if not access.has_role(user, scope, PERSON_EDITORS):
        scope = person.unit
    # The full ID number is only prefilled for roles that may read it (and the read is logged).
    may_read = access.can_read_sensitive(user, person)
    initial = {
        "kind": person.kind,
        "name": person.name,
        "gender": person.gender,
        "number": person.number,
        "id_number": person.id_number if may_read else "",
        "mobile": person.mobile if may_read else "",
        "unit": person.unit,
    }
    form = PersonForm(request.POST or None, user=user, scope=scope, initial=initial)
    if not may_read:
        form.fields["id_number"].help_text = _("已登记：%(m)s；留空表示不修改") % {
            "m": person.id_number_masked or "—"
        }
        form.fields["mobile"].help_text = _("已登记：%(m)s；留空表示不修改") % {
            "m": person.mobile_masked or "—"
        }
    if request.method == "GET" and may_read and (person.id_number or person.mobile):
        sensitive_read_log(request=request, subject="person", object_id=person.pk, field="edit")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        target = data.pop("unit")
        if not may_read:
            for key in ("id_number", "mobile"):
                if not data[key]:
                    data.pop(key)
        try:
            services.person_update(person=person, unit=target, **data)
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        except IntegrityError:
            form.add_error("number", _("本校已有相同学号/工号的人员"))
        else:
            messages.success(request, _("已保存"))
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request,
        "core/form_page.html",
        {"unit": person.unit, "form": form, "title": _("修改人员信息")},
    )


@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one sensitive field in full to a role that needs it, and log the read."""
    if field not in {"id_number", "mobile"}:
        raise Http404
    user = _user(request)
    person = access.get_person_for_user(user, pk)
    if not access.can_read_sensitive(user, person):
        raise PermissionDenied
    sensitive_read_log(request=request, subject="person", object_id=person.pk, field=field)
    value = getattr(person, field) or "—"
    return render(request, "orgs/person_detail.html#revealed", {"value": value})


@require_http_methods(["GET"])
def staff_list(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code, roles=STAFF_MANAGERS)
    memberships = (
        Membership.objects.filter(unit__path__startswith=unit.path)
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__username")
    )
    return render(
        request,
        "orgs/staff_list.html",
        {
            "unit": unit,
            "memberships": memberships,
            "breadcrumbs": selectors.unit_breadcrumbs(unit, user),
        },
    )


@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = access.get_unit_for_user(user, code, roles=STAFF_MANAGERS)
    form = StaffInviteForm(request.POST or None, user=user, scope=unit, initial={"unit": unit})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            new_user, password = services.user_invite(**data)
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        except IntegrityError:
            form.add_error("username", _("用户名已存在"))
        else:
            return render(
                request,
                "orgs/staff_invited.html",
                {"unit": unit, "new_user": new_user, "password": password},
            )
    return render(
        request,
        "core/form_page.html",
        {"unit": unit, "form": form, "title": _("新增工作人员账号"), "submit_label": _("创建账号")},
    )


@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    target = access.get_managed_user(user, pk)
    form = MembershipForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.membership_grant(user=target, **form.cleaned_data)
        messages.success(request, _("已添加角色"))
        return redirect("orgs:staff_detail", pk=target.pk)
    memberships = [
        (m, access.in_managed_scope(user, m.unit))
        for m in target.memberships.select_related("unit").order_by("unit__path")
    ]
    return render(
        request,
        "orgs/staff_detail.html",
        {"target": target, "memberships": memberships, "form": form},
    )


@require_POST
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    target = access.get_managed_user(user, pk, whole_account=True)
    if target.pk == user.pk:
        messages.error(request, _("不能停用自己的账号"))
        return redirect("orgs:staff_detail", pk=target.pk)
    active = request.POST.get("active") == "1"
    services.user_set_active(user=target, active=active)
    messages.success(request, _("账号已启用") if active else _("账号已停用"))
    return redirect("orgs:staff_detail", pk=target.pk)


@require_POST
def staff_revoke(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    user = _user(request)
    target = access.get_managed_user(user, pk)
    membership = get_object_or_404(Membership, pk=membership_id, user=target)
    if not access.in_managed_scope(user, membership.unit):
        raise PermissionDenied
    if target.memberships.count() == 1:
        messages.error(request, _("这是该账号唯一的角色；如不再使用请停用账号"))
    else:
        services.membership_revoke(membership=membership)
        messages.success(request, _("已移除角色"))
    return redirect(reverse("orgs:staff_detail", kwargs={"pk": target.pk}))
