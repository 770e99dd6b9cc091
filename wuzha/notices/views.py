"""Pages for notices: staff follow-up (login) and the public signing pages (no login)."""

import datetime
import io
from typing import Any

import segno
import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core.forms import ClassCheckForm
from wuzha.core.forms import attach_errors as _attach
from wuzha.core.htmx import render_page
from wuzha.core.ratelimit import client_address, rate_limited
from wuzha.orgs.access import has_role
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import OrgUnit
from wuzha.orgs.selectors import current_unit

from . import access, pdf, selectors, services
from .content import BUILTIN_BY_KEY, TEMPLATE_CHOICES, body_values, paragraphs, render_body
from .forms import CodeForm, NoticeForm, PaperForm, SignForm, VoidForm
from .models import ClassLink, Delivery, Notice, NoticeKind, PdfJob, RegisterView, Signature

# Public pages: per client address, and per link so one leaked link cannot be hammered.
PUBLIC_GET_LIMIT = 120
PUBLIC_POST_LIMIT = 30
LINK_POST_LIMIT = 10
CHECK_LIMIT = 10
WINDOW = 60


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _log_view(request: HttpRequest, notice: Notice, unit: OrgUnit, what: str) -> None:
    services.register_view_log(
        notice=notice,
        unit=unit,
        user=_user(request),
        what=what,
        ip_address=request.META.get("REMOTE_ADDR"),
    )


# ---------------------------------------------------------------------------------------------
# Staff pages
# ---------------------------------------------------------------------------------------------


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = current_unit(request)
    if unit is None:
        raise Http404
    rows = selectors.notices_for_user(user, unit)
    context = {
        "unit": unit,
        "rows": rows,
        "templates": TEMPLATE_CHOICES,
        "can_create": has_role(user, unit, access.NOTICE_EDITORS),
    }
    return render(request, "notices/notice_list.html", context)


def _notice_initial(key: str, unit: OrgUnit) -> dict[str, Any]:
    template = BUILTIN_BY_KEY.get(key)
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    if template is None:
        return {"kind": NoticeKind.CUSTOM, "deadline": deadline, "audience_units": [unit.pk]}
    return {
        "kind": template.kind,
        "audience": template.audience,
        "title": template.title,
        "body": template.body,
        "receipt_text": template.receipt_text,
        "signature_mode": template.signature_mode,
        "guardian_cosign": template.guardian_cosign,
        "ask_app": template.ask_app,
        "deadline": deadline,
        "audience_units": [unit.pk],
    }


@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = current_unit(request)
    if unit is None:
        raise Http404
    if not has_role(user, unit, access.NOTICE_EDITORS):
        raise PermissionDenied
    initial = _notice_initial(request.GET.get("template", "letter"), unit)
    form = NoticeForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(unit=unit, by=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存草稿，请预览后发布"))
            return redirect("notices:detail", pk=notice.pk)
    return render(
        request,
        "notices/notice_form.html",
        {"form": form, "unit": unit, "title": _("新建家校告知"), "templates": TEMPLATE_CHOICES},
    )


@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk, write=True)
    if notice.status != Notice.Status.DRAFT:
        messages.error(request, _("已发布的告知不能再修改正文"))
        return redirect("notices:detail", pk=notice.pk)
    initial = {f: getattr(notice, f) for f in services.NOTICE_FIELDS}
    initial["audience_units"] = list(notice.audience_units.values_list("pk", flat=True))
    form = NoticeForm(request.POST or None, unit=notice.unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_update(notice=notice, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("notices:detail", pk=notice.pk)
    return render(
        request,
        "notices/notice_form.html",
        {"form": form, "unit": notice.unit, "notice": notice, "title": _("修改家校告知")},
    )


@require_POST
def notice_preview(request: HttpRequest) -> HttpResponse:
    """The body as a parent would see it on a phone, with sample values for the variables."""
    unit = current_unit(request)
    if unit is None or not has_role(_user(request), unit, access.NOTICE_EDITORS):
        raise PermissionDenied
    school = unit.school()
    # As on the public page, the student's name is masked wherever the body uses it.
    values = body_values(
        student=selectors.mask_name("王小明"),
        klass=_("三年级1班"),
        school=school.name if school else unit.name,
        teacher=_("李老师"),
        date=timezone.localdate(),
    )
    context = {
        "title": request.POST.get("title", ""),
        "paragraphs": paragraphs(render_body(request.POST.get("body", ""), values)),
        "receipt_text": request.POST.get("receipt_text", ""),
        "masked": values["学生姓名"],
    }
    return render(request, "notices/notice_form.html#preview", context)


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    progress = selectors.notice_progress(notice, user=user)
    can_edit = access.can_edit_notice(user, notice)
    school = notice.unit.school()
    sample = body_values(
        student="王小明",
        klass=_("三年级1班"),
        school=school.name if school else notice.unit.name,
        teacher=_("李老师"),
        date=timezone.localdate(notice.issued_at) if notice.issued_at else timezone.localdate(),
    )
    context = {
        "notice": notice,
        "progress": progress,
        "can_edit": can_edit,
        "audience_units": notice.audience_units.all(),
        "paragraphs": paragraphs(render_body(notice.body, sample)),
        "jobs": notice.pdf_jobs.select_related("unit")[:5],
    }
    return render_page(request, "notices/notice_detail.html", context, partial="progress")


def _notice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk, write=True)
    try:
        if action == "issue":
            n = services.notice_issue(notice=notice, by=user)
            messages.success(request, _("已发布，共 %(n)d 份，链接和二维码已生成") % {"n": n})
        elif action == "extend":
            n = services.notice_extend(notice=notice, by=user)
            messages.success(request, _("已补充 %(n)d 名新对象") % {"n": n})
        elif action == "revoke":
            services.notice_revoke(notice=notice, by=user)
            messages.success(request, _("已撤回，所有链接均已失效，已有签署保留"))
        elif action == "remind":
            n = services.notice_remind_teachers(notice=notice, base_url=_base_url(request))
            messages.success(request, _("已向 %(n)d 位班主任发送催签提醒") % {"n": n})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("notices:detail", pk=notice.pk)


@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "issue")


@require_POST
def notice_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "extend")


@require_POST
def notice_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "revoke")


@require_POST
def notice_remind(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_action(request, pk, "remind")


def _reminder_text(notice: Notice, name: str, url: str) -> str:
    return _(
        "%(name)s家长您好！学校《%(title)s》请您在%(deadline)s前阅读并签署回执，"
        "打开链接约需一分钟：%(url)s"
    ) % {"name": name, "title": notice.title, "deadline": notice.deadline.isoformat(), "url": url}


@require_GET
def class_detail(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One class: who is missing (chase list), the register of signatures, links and printing."""
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    unit = access.get_notice_unit_for_user(user, notice, code)
    base = _base_url(request)
    chase = selectors.chase_list(notice, unit)
    for row in chase:
        url = pdf.sign_url(base, row.delivery.token)
        row.reminder = _reminder_text(  # type: ignore[attr-defined]
            notice, selectors.mask_name(row.delivery.person.name), url
        )
    register = selectors.class_register(notice, unit)
    _log_view(request, notice, unit, RegisterView.What.CLASS_PAGE)
    link = selectors.class_link_for(notice, unit)
    class_url = f"{base}/c/{link.token}/" if link else ""
    progress = selectors.notice_progress(notice, user=user)
    counts = next((r.counts for r in progress.rows if r.unit.pk == unit.pk), progress.total)
    context = {
        "notice": notice,
        "unit": unit,
        "chase": chase,
        "register": register,
        "counts": counts,
        "class_url": class_url,
        "class_qr": segno.make(class_url, error="m").svg_inline(scale=4) if class_url else "",
        "group_text": _(
            "各位家长：请在%(deadline)s前打开班级链接，输入孩子姓名和学号后4位，"
            "阅读《%(title)s》并签署回执：%(url)s"
        )
        % {"deadline": notice.deadline.isoformat(), "title": notice.title, "url": class_url},
        "can_act": access.can_follow_up(user, unit),
        "can_countersign": has_role(user, unit, access.COUNTERSIGNERS)
        and notice.kind == NoticeKind.RESPONSIBILITY,
        "paper_form": PaperForm(),
        "void_form": VoidForm(),
    }
    return render(request, "notices/class_detail.html", context)


def _xlsx_response(rows: list[list[Any]], header: list[str], filename: str) -> FileResponse:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    for i, row in enumerate(rows, 1):
        sheet.write_row(i, 0, row)
    sheet.set_column(0, len(header) - 1, 16)
    book.close()
    buf.seek(0)
    return FileResponse(
        buf,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
def links_xlsx(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """Personal links of a class, for pasting into the class group one by one."""
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    unit = access.get_notice_unit_for_user(user, notice, code, act=True)
    base = _base_url(request)
    _log_view(request, notice, unit, RegisterView.What.LINKS_XLSX)
    rows = [
        [
            d.person.name,
            d.person.number,
            d.unit.name,
            pdf.sign_url(base, d.token),
            pdf.format_code(d.code),
            d.get_state_display(),
            _reminder_text(notice, selectors.mask_name(d.person.name), pdf.sign_url(base, d.token)),
        ]
        for d in selectors.class_deliveries(notice, unit)
    ]
    header = [_("姓名"), _("学号"), _("班级"), _("个人链接"), _("回执码"), _("状态"), _("提醒话术")]
    return _xlsx_response(rows, header, f"notice-{notice.pk}-{unit.code}-links.xlsx")


@require_GET
def register_xlsx(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """The signature register of a unit (登记表): one row per recipient."""
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    unit = access.get_notice_unit_for_user(user, notice, code)
    _log_view(request, notice, unit, RegisterView.What.REGISTER_XLSX)
    rows = []
    for r in selectors.class_register(notice, unit):
        sig = r.signature if r.signature is not None and r.signature.is_signed else None
        rows.append(
            [
                r.delivery.person.name,
                r.delivery.person.number,
                r.delivery.unit.name,
                r.delivery.get_state_display(),
                sig.signer_name if sig else "",
                sig.get_relation_display() if sig else "",
                sig.get_method_display() if sig else "",
                sig.get_via_display() if sig else "",
                timezone.localtime(sig.signed_at).strftime("%Y-%m-%d %H:%M") if sig else "",
                (_("是") if sig.app_installed else _("否")) if sig else "",
                r.countersigned_by,
                "；".join(f"{s.reason}（{s.recorded_by or '—'}）" for s in r.history if s.reason),
            ]
        )
    header = [
        _("姓名"),
        _("学号"),
        _("班级"),
        _("状态"),
        _("签署人"),
        _("关系"),
        _("方式"),
        _("途径"),
        _("时间"),
        _("已装反诈APP"),
        _("上级会签"),
        _("更正记录"),
    ]
    return _xlsx_response(rows, header, f"notice-{notice.pk}-{unit.code}-register.xlsx")


@require_GET
def poster(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    unit = access.get_notice_unit_for_user(user, notice, code, act=True)
    link = get_object_or_404(ClassLink, notice=notice, unit=unit)
    data = pdf.poster_pdf(notice, unit, f"{_base_url(request)}/c/{link.token}/")
    return HttpResponse(
        data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="poster-{unit.code}.pdf"'},
    )


@require_POST
def pdf_start(request: HttpRequest, pk: int, code: str, kind: str) -> HttpResponse:
    if kind not in PdfJob.Kind.values:
        raise Http404
    user = _user(request)
    notice = access.get_notice_for_user(user, pk)
    unit = access.get_notice_unit_for_user(user, notice, code, act=kind == PdfJob.Kind.LETTERS)
    job = services.pdf_job_start(
        notice=notice, unit=unit, kind=kind, by=user, base_url=_base_url(request)
    )
    return redirect("notices:job", pk=job.pk)


def _get_job(request: HttpRequest, pk: int) -> PdfJob:
    user = _user(request)
    job = get_object_or_404(PdfJob.objects.select_related("notice", "unit"), pk=pk)
    notice = access.get_notice_for_user(user, job.notice_id)
    access.get_notice_unit_for_user(
        user, notice, job.unit.code, act=job.kind == PdfJob.Kind.LETTERS
    )
    return job


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    return render_page(request, "notices/job_detail.html", {"job": job}, partial="status")


@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _get_job(request, pk)
    if job.status != PdfJob.Status.DONE or not job.file:
        raise Http404
    if job.kind == PdfJob.Kind.ARCHIVE:
        _log_view(request, job.notice, job.unit, RegisterView.What.ARCHIVE_PDF)
    return FileResponse(
        job.file.open("rb"),
        content_type="application/pdf",
        filename=f"notice-{job.notice_id}-{job.unit.code}-{job.kind}.pdf",
    )


@require_POST
def delivery_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A teacher records a signed paper receipt, with a photo of it."""
    user = _user(request)
    delivery = access.get_delivery_for_user(user, pk, act=True)
    form = PaperForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            _sig, created = services.paper_receipt_record(
                delivery=delivery, by=user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if created:
                messages.success(
                    request, _("已登记%(name)s的纸质回执") % {"name": delivery.person.name}
                )
            else:
                messages.info(
                    request, _("%(name)s已签署，无需重复登记") % {"name": delivery.person.name}
                )
    else:
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("未登记：%(e)s") % {"e": errors})
    return redirect("notices:class_detail", pk=delivery.notice_id, code=delivery.unit.code)


@require_POST
def delivery_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    delivery = access.get_delivery_for_user(user, pk, act=True)
    services.delivery_revoke(delivery=delivery, by=user)
    messages.success(request, _("已作废%(name)s的个人链接") % {"name": delivery.person.name})
    return redirect("notices:class_detail", pk=delivery.notice_id, code=delivery.unit.code)


@require_POST
def signature_void(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    signature = access.get_signature_for_user(user, pk, act=True)
    delivery = signature.delivery
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.signature_void(signature=signature, by=user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已作废，原记录和作废记录均已保留"))
    else:
        messages.error(request, _("请填写作废原因"))
    return redirect("notices:class_detail", pk=delivery.notice_id, code=delivery.unit.code)


@require_POST
def signature_countersign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    signature = access.get_signature_for_user(user, pk)
    delivery = signature.delivery
    if not has_role(user, delivery.unit, access.COUNTERSIGNERS):
        raise PermissionDenied
    try:
        services.signature_countersign(signature=signature, by=user, unit=delivery.unit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已会签"))
    return redirect("notices:class_detail", pk=delivery.notice_id, code=delivery.unit.code)


@require_GET
def signature_image(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    signature = access.get_signature_for_user(user, pk)
    image = Signature.objects.filter(pk=signature.pk).values_list("image", flat=True).first()
    if not image:
        raise Http404
    _log_view(request, signature.delivery.notice, signature.delivery.unit, "signature")
    return HttpResponse(bytes(image), content_type="image/png")


# ---------------------------------------------------------------------------------------------
# Public pages: no login, rate limited, names masked
# ---------------------------------------------------------------------------------------------


def _limited(request: HttpRequest, *keys: tuple[str, int]) -> HttpResponse | None:
    return rate_limited(request, *keys, window_seconds=WINDOW)


REFUSALS = {
    "revoked": ("链接已失效", "这份告知已被学校撤回或更换了链接。如有疑问，请联系班主任。"),
    "expired": ("已过截止时间", "这份告知的签署时间已经结束。如需补签，请联系班主任登记纸质回执。"),
    "draft": ("尚未发布", "这份告知还没有发布，请稍后再打开。"),
}


def _refusal(request: HttpRequest, code: str) -> HttpResponse:
    heading, message = REFUSALS.get(code, REFUSALS["revoked"])
    return render(
        request,
        "notices/public_message.html",
        {"heading": _(heading), "message": _(message)},
        status=410,
    )


def _public_limits(request: HttpRequest, token: str) -> HttpResponse | None:
    ip = client_address(request)
    if request.method == "POST":
        return _limited(
            request,
            (f"notices:sign:ip:{ip}", PUBLIC_POST_LIMIT),
            (f"notices:sign:link:{token}", LINK_POST_LIMIT),
        )
    return _limited(request, (f"notices:view:ip:{ip}", PUBLIC_GET_LIMIT))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, token: str) -> HttpResponse:
    """The public signing page of one personal link."""
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    delivery = selectors.delivery_by_token(token)
    if delivery is None:
        raise Http404
    try:
        services.delivery_check_signable(delivery)
    except services.SignRefused as exc:
        return _refusal(request, exc.code or "revoked")
    if delivery.state != Delivery.State.PENDING:
        return redirect("notices:sign_done", token=token)
    notice = delivery.notice
    form = SignForm(request.POST or None, request.FILES or None, notice=notice)
    via = Signature.Via.CLASS if request.GET.get("via") == "class" else Signature.Via.PERSONAL
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_sign(
                delivery=delivery,
                data=services.SignInput(
                    signer_name=data["signer_name"],
                    relation=data["relation"],
                    method=data["method"],
                    image=data["image"],
                    cosigner_name=data.get("cosigner_name") or "",
                    app_installed=bool(data.get("app_installed")),
                    screenshot=data.get("screenshot"),
                    via=via,
                    ip_address=client_address(request),
                    user_agent=request.headers.get("User-Agent", ""),
                ),
            )
        except services.SignRefused as exc:
            return _refusal(request, exc.code or "revoked")
        except ValidationError as exc:
            _attach(form, exc)
        else:
            return redirect("notices:sign_done", token=token)
    return render(request, "notices/sign.html", _sign_context(delivery, form))


def _sign_context(delivery: Delivery, form: SignForm) -> dict[str, Any]:
    notice = delivery.notice
    school = delivery.unit.school()
    values = body_values(
        student=selectors.mask_name(delivery.person.name),
        klass=delivery.unit.name,
        school=school.name if school else notice.unit.name,
        teacher="",
        date=timezone.localdate(notice.issued_at) if notice.issued_at else timezone.localdate(),
    )
    return {
        "delivery": delivery,
        "notice": notice,
        "masked": selectors.mask_name(delivery.person.name),
        "school": values["学校"],
        "paragraphs": paragraphs(render_body(notice.body, values)),
        "form": form,
    }


@login_not_required
@never_cache
@require_GET
def sign_done(request: HttpRequest, token: str) -> HttpResponse:
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    delivery = selectors.delivery_by_token(token)
    if delivery is None:
        raise Http404
    if delivery.state == Delivery.State.PENDING:
        return redirect("notices:sign", token=token)
    signature = selectors.current_signature(delivery)
    return render(
        request,
        "notices/sign_done.html",
        {
            "notice": delivery.notice,
            "masked": selectors.mask_name(delivery.person.name),
            "signature": signature,
        },
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_code(request: HttpRequest) -> HttpResponse:
    """Type the 8-character code printed on the paper receipt when scanning is not possible."""
    ip = client_address(request)
    limited = _limited(request, (f"notices:code:ip:{ip}", CHECK_LIMIT if request.POST else 60))
    if limited is not None:
        return limited
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delivery = selectors.delivery_by_code(form.cleaned_data["code"])
        if delivery is not None:
            return redirect("notices:sign", token=delivery.token)
        form.add_error("code", _("没有找到这个回执码，请核对后重新输入"))
    return render(request, "notices/sign_code.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_link(request: HttpRequest, token: str) -> HttpResponse:
    """The class link: a parent proves lightly who they are for, then signs that student's link."""
    ip = client_address(request)
    keys = [(f"notices:class:ip:{ip}", CHECK_LIMIT if request.POST else PUBLIC_GET_LIMIT)]
    if request.method == "POST":
        keys.append((f"notices:class:link:{token}", 60))
    limited = _limited(request, *keys)
    if limited is not None:
        return limited
    link = get_object_or_404(ClassLink.objects.select_related("notice", "unit"), token=token)
    notice = link.notice
    probe = Delivery(notice=notice, revoked_at=None)
    try:
        services.delivery_check_signable(probe)
    except services.SignRefused as exc:
        return _refusal(request, exc.code or "revoked")
    form = ClassCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        delivery = form.match(Delivery.objects.filter(notice=notice, unit=link.unit))
        if delivery is not None:
            return redirect(reverse("notices:sign", args=[delivery.token]) + "?via=class")
    return render(
        request, "notices/class_link.html", {"notice": notice, "unit": link.unit, "form": form}
    )
