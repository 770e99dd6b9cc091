"""Pages of the learning app: knowledge (public), bank, quizzes and results (staff), taking a test
and the risk self-test through personal or class links (public, rate limited)."""

import datetime
import io
import json
import secrets
from typing import Any

import segno
import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
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
from wuzha.core.services import sensitive_read_log
from wuzha.orgs.access import get_unit_for_user, has_role
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import OrgUnit, User
from wuzha.orgs.selectors import current_unit

from . import access, bank_xlsx, content, selectors, services
from .forms import (
    ImportChoiceForm,
    ImportForm,
    QuestionForm,
    QuizForm,
    SelfTestForm,
    SelfTestRoundForm,
    TakeForm,
)
from .models import (
    Assignment,
    Attempt,
    Question,
    QuestionImport,
    QuestionKind,
    QuizClassLink,
    SelfTestClassLink,
    SelfTestInvite,
    SelfTestResponse,
)
from .taxonomy import FRAUD_CODES, FRAUD_LABELS, AgeBand

PUBLIC_GET_LIMIT = 120
PUBLIC_POST_LIMIT = 30
LINK_POST_LIMIT = 10
CHECK_LIMIT = 10
WINDOW = 60
DEVICE_COOKIE = "wz_dev"
RESPONSE_SUBJECT = "selftest_response"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4)


def _xlsx(
    rows: list[list[Any]],
    header: list[str],
    filename: str,
    *more: tuple[str, list[str], list[list[Any]]],
) -> FileResponse:
    """An .xlsx download: one sheet of `rows`, plus any further (name, header, rows) sheets."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for name, head, body in [(_("名单"), header, rows), *more]:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, head, bold)
        for r, row in enumerate(body, start=1):
            sheet.write_row(r, 0, ["" if v is None else v for v in row])
        sheet.freeze_panes(1, 1)
    book.close()
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=filename)


# ---------------------------------------------------------------------------------------------
# Knowledge (public)
# ---------------------------------------------------------------------------------------------


@login_not_required
@require_GET
def knowledge(request: HttpRequest) -> HttpResponse:
    """Every fraud type at a glance, the rule sets with their issuers, slogans."""
    limited = _limited(request, (f"learning:view:ip:{client_address(request)}", PUBLIC_GET_LIMIT))
    if limited is not None:
        return limited
    data = content.knowledge()
    types = [(t, FRAUD_LABELS[t.code]) for t in data.types]
    return render(
        request,
        "learning/knowledge.html",
        {"k": data, "types": types, "bands": dict(AgeBand.choices)},
    )


@login_not_required
@require_GET
def knowledge_type(request: HttpRequest, code: str) -> HttpResponse:
    limited = _limited(request, (f"learning:view:ip:{client_address(request)}", PUBLIC_GET_LIMIT))
    if limited is not None:
        return limited
    data = content.knowledge()
    item = data.type(code)
    if item is None:
        raise Http404
    return render(
        request,
        "learning/knowledge_type.html",
        {
            "t": item,
            "label": FRAUD_LABELS[code],
            "cases": data.cases_of(code),
            "bands": dict(AgeBand.choices),
        },
    )


# ---------------------------------------------------------------------------------------------
# Staff home
# ---------------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = current_unit(request)
    if unit is None:
        raise Http404
    rounds = list(selectors.selftest_rounds_for(user, unit)[:50])
    suggestions = []
    if access.can_read_selftest(user, unit):
        for rnd in rounds[:10]:
            suggestions += selectors.high_without_file(rnd, unit)
    context = {
        "unit": unit,
        "quizzes": selectors.quizzes_for(user, unit)[:50],
        "rounds": rounds,
        "suggestions": suggestions,
        "can_create": has_role(user, unit, access.QUIZ_EDITORS),
        "bank_count": Question.objects.filter(retired=False).count(),
    }
    return render(request, "learning/home.html", context)


# ---------------------------------------------------------------------------------------------
# Question bank
# ---------------------------------------------------------------------------------------------


@require_GET
def bank(request: HttpRequest) -> HttpResponse:
    """The shared bank, filtered by type, kind, age band, difficulty and status."""
    qs = Question.objects.select_related("current").order_by("fraud_type", "key")
    f = {k: request.GET.get(k, "") for k in ("type", "kind", "band", "difficulty", "status", "q")}
    if f["type"] in FRAUD_CODES:
        qs = qs.filter(fraud_type=f["type"])
    if f["kind"] in QuestionKind.values:
        qs = qs.filter(current__kind=f["kind"])
    if f["difficulty"] in ("1", "2", "3"):
        qs = qs.filter(difficulty=int(f["difficulty"]))
    if f["status"] == "retired":
        qs = qs.filter(retired=True)
    elif f["status"] != "all":
        qs = qs.filter(retired=False)
    if f["q"]:
        qs = qs.filter(current__stem__icontains=f["q"]) | qs.filter(key__icontains=f["q"])
    rows = list(qs)
    if f["band"] in AgeBand.values:
        rows = [q for q in rows if f["band"] in q.age_bands]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "total": len(rows),
        "f": f,
        "types": [(c, FRAUD_LABELS[c]) for c in FRAUD_CODES],
        "kinds": QuestionKind.choices,
        "bands": AgeBand.choices,
        "can_edit": access.can_edit_bank(_user(request)),
        "query": request.GET.copy().urlencode() if request.GET else "",
    }
    return render_page(request, "learning/bank.html", context, partial="rows")


@require_GET
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("current"), pk=pk)
    versions = list(question.versions.select_related("created_by").order_by("-number"))
    return render(
        request,
        "learning/question_detail.html",
        {
            "q": question,
            "versions": versions,
            "can_edit": access.can_edit_bank(_user(request)),
        },
    )


@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a question's wording or tags: saving adds a version, attempts keep theirs."""
    user = _user(request)
    access.require_bank_editor(user)
    question = get_object_or_404(Question.objects.select_related("current"), pk=pk)
    v = question.current
    initial: dict[str, Any] = {}
    if v is not None:
        initial = {
            "kind": v.kind,
            "fraud_type": v.fraud_type,
            "age_bands": v.age_bands,
            "difficulty": v.difficulty,
            "stem": v.stem,
            "answer": v.answer_letters,
            "explanation": v.explanation,
            **{f"option_{i}": text for i, text in enumerate(v.options)},
        }
    form = QuestionForm(request.POST or None, initial=initial, key=question.key)
    if request.method == "POST" and form.is_valid():
        try:
            _q, outcome = services.question_save(data=form.question_data, by=user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if outcome == "unchanged":
                messages.info(request, _("内容没有变化，未生成新版本"))
            else:
                messages.success(request, _("已保存为新版本，已作答的记录仍保留原版本"))
            return redirect("learning:question_detail", pk=question.pk)
    return render(request, "learning/question_form.html", {"q": question, "form": form})


@require_POST
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_bank_editor(_user(request))
    question = get_object_or_404(Question, pk=pk)
    retired = request.POST.get("retired") == "1"
    services.question_set_retired(question=question, retired=retired)
    messages.success(
        request,
        _("已停用“%(k)s”，新试卷不再抽到它") % {"k": question.key}
        if retired
        else _("已恢复“%(k)s”") % {"k": question.key},
    )
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("learning:question_detail", pk=question.pk)


@require_GET
def bank_export(request: HttpRequest) -> FileResponse:
    questions = Question.objects.select_related("current").order_by("fraud_type", "key")
    data = bank_xlsx.export_questions(questions)
    stamp = timezone.localdate().isoformat()
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"反诈题库-{stamp}.xlsx")


@require_http_methods(["GET", "POST"])
def bank_import(request: HttpRequest) -> HttpResponse:
    """Upload a sheet; every row is checked and the preview lists the bad ones with reasons."""
    user = _user(request)
    access.require_bank_editor(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = bank_xlsx.parse_sheet(upload)
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            if not rows:
                form.add_error("file", _("文件中没有题目"))
            else:
                imp = QuestionImport.objects.create(
                    filename=upload.name[:200], rows=rows, created_by=user
                )
                return redirect("learning:bank_import_preview", token=imp.token)
    return render(request, "learning/bank_import.html", {"form": form})


@require_http_methods(["GET", "POST"])
def bank_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    user = _user(request)
    access.require_bank_editor(user)
    imp = get_object_or_404(QuestionImport, token=token, created_by=user)
    form = ImportChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_import_commit(imp=imp, mode=form.cleaned_data["mode"], by=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            imp.refresh_from_db()
            messages.success(request, imp.result)
        return redirect("learning:bank")
    return render(request, "learning/bank_import_preview.html", {"imp": imp, "form": form})


# ---------------------------------------------------------------------------------------------
# Quizzes (staff)
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def quiz_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.QUIZ_EDITORS)
    initial = QuizForm.default_initial(unit, services.age_band_for(unit))
    form = QuizForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quiz = services.quiz_create(
                unit=unit,
                units=list(data["units"]),
                title=data["title"],
                audience_kinds=data["audience_kinds"],
                age_band=data["age_band"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                rule=form.rule(),
                pass_mark=data["pass_mark"],
                attempts_allowed=data["attempts_allowed"],
                time_limit_minutes=data["time_limit_minutes"],
                by=user,
            )
        except ValidationError as exc:
            _attach(form, exc)
            if hasattr(exc, "error_dict") and "rule" in exc.error_dict:
                form.rule_errors = exc.error_dict["rule"]  # type: ignore[attr-defined]
        else:
            messages.success(
                request, _("测验已发布，共 %(n)d 人需参加") % {"n": quiz.assignments.count()}
            )
            return redirect("learning:quiz_detail", pk=quiz.pk)
    return render(request, "learning/quiz_form.html", {"unit": unit, "form": form})


def _default_unit(request: HttpRequest, user: User, root: OrgUnit) -> OrgUnit | None:
    if OrgUnit.objects.visible_to(user).filter(pk=root.pk).exists():
        return root
    unit = current_unit(request)
    return unit


@require_GET
def quiz_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the quiz's results at the issuing unit, or at the user's own unit below it."""
    user = _user(request)
    quiz = access.get_quiz_for_user(user, pk)
    unit = _default_unit(request, user, quiz.unit)
    if unit is None:
        raise Http404
    return redirect("learning:quiz_unit", pk=quiz.pk, code=unit.code)


@require_GET
def quiz_unit(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Results of one unit: participation, pass rate, child units, class × type heatmap, takers."""
    user = _user(request)
    quiz = access.get_quiz_for_user(user, pk)
    unit = access.get_quiz_unit_for_user(user, quiz, code)
    total, children = selectors.quiz_unit_results(quiz, unit)
    all_classes = selectors.quiz_class_results(quiz, unit)
    # The heatmap shows classes with answers; the child table above shows who has not started.
    classes = [r for r in all_classes if r.tally.participated]
    takers = list(selectors.quiz_takers(quiz, unit)[:300]) if len(all_classes) <= 3 else []
    link = QuizClassLink.objects.filter(quiz=quiz, unit=unit).first()
    class_url = (
        f"{_base_url(request)}{reverse('learning:class_link', args=[link.token])}" if link else ""
    )
    context = {
        "quiz": quiz,
        "unit": unit,
        "total": total,
        "children": children,
        "classes": classes,
        "types": [(c, FRAUD_LABELS[c]) for c in FRAUD_CODES],
        "heatmap": json.dumps(selectors.heatmap(classes), ensure_ascii=False),
        "heat_height": max(260, 36 * len(classes) + 170),
        "takers": takers,
        "flags": list(selectors.flagged_attempts(quiz, unit)[:100]),
        "class_url": class_url,
        "class_qr": _qr(class_url) if class_url else "",
        "is_owner": OrgUnit.objects.visible_to(user).filter(pk=quiz.unit_id).exists(),
        "can_links": has_role(user, unit, access.QUIZ_EDITORS),
        "breadcrumbs": [
            u
            for u in OrgUnit.objects.visible_to(user)
            .filter(path__in=unit.ancestor_paths(), path__startswith=quiz.unit.path)
            .order_by("depth")
        ],
        "now": timezone.now(),
    }
    return render(request, "learning/quiz_unit.html", context)


@require_GET
def quiz_export(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """Per-person results of a unit (with the class × type mastery as a second block)."""
    user = _user(request)
    quiz = access.get_quiz_for_user(user, pk)
    unit = access.get_quiz_unit_for_user(user, quiz, code)
    rows = []
    for a in selectors.quiz_takers(quiz, unit):
        rows.append(
            [
                a.unit.name,
                a.person.name,
                a.person.number,
                a.attempts_used,
                a.best_percent,
                _("通过") if a.passed else (_("未通过") if a.best_attempt_id else _("未参加")),
                timezone.localtime(a.passed_at).strftime("%Y-%m-%d %H:%M") if a.passed_at else "",
                _("有") if getattr(a, "flags", 0) else "",
            ]
        )
    header = [
        _("班级"),
        _("姓名"),
        _("学号"),
        _("作答次数"),
        _("最高分"),
        _("结果"),
        _("通过时间"),
        _("异常提示"),
    ]
    classes = selectors.quiz_class_results(quiz, unit)
    mastery_header = [
        _("班级"),
        _("应参加"),
        _("已参加"),
        _("通过"),
        _("知晓率%"),
        *[str(FRAUD_LABELS[c]) for c in FRAUD_CODES],
    ]
    mastery = [
        [
            r.unit.name,
            r.tally.assigned,
            r.tally.participated,
            r.tally.passed,
            r.tally.pass_rate,
            *r.tally.mastery_row(),
        ]
        for r in classes
    ]
    return _xlsx(
        rows,
        header,
        f"{quiz.title}-{unit.name}-成绩.xlsx",
        (_("各班掌握度"), mastery_header, mastery),
    )


@require_GET
def quiz_links(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """Personal links of a unit's takers, to send one by one (class teachers and above)."""
    user = _user(request)
    quiz = access.get_quiz_for_user(user, pk)
    unit = access.get_quiz_unit_for_user(user, quiz, code)
    if not has_role(user, unit, access.QUIZ_EDITORS):
        raise PermissionDenied
    base = _base_url(request)
    rows = [
        [
            a.unit.name,
            a.person.name,
            a.person.number,
            f"{base}{reverse('learning:take', args=[a.token])}",
        ]
        for a in selectors.quiz_takers(quiz, unit)
    ]
    header = [_("班级"), _("姓名"), _("学号"), _("个人链接")]
    return _xlsx(rows, header, f"{quiz.title}-{unit.name}-个人链接.xlsx")


@require_GET
def selftest_links(request: HttpRequest, pk: int, code: str) -> FileResponse:
    """Personal self-test links of a unit's students (class teachers and above)."""
    user = _user(request)
    rnd = access.get_round_for_user(user, pk)
    unit = access.get_round_unit_for_user(user, rnd, code)
    if not has_role(user, unit, access.QUIZ_EDITORS):
        raise PermissionDenied
    base = _base_url(request)
    invites = (
        SelfTestInvite.objects.filter(round=rnd, unit__path__startswith=unit.path)
        .select_related("person", "unit")
        .order_by("unit__path", "person__number")
    )
    rows = [
        [
            i.unit.name,
            i.person.name,
            i.person.number,
            f"{base}{reverse('learning:selftest_take', args=[i.token])}",
        ]
        for i in invites
    ]
    header = [_("班级"), _("姓名"), _("学号"), _("个人链接")]
    return _xlsx(rows, header, f"{rnd.title}-{unit.name}-个人链接.xlsx")


@require_GET
def quiz_items(request: HttpRequest, pk: int) -> HttpResponse:
    """Item statistics of the whole quiz, for the issuing unit's staff."""
    user = _user(request)
    quiz = access.get_quiz_for_user(user, pk)
    if not OrgUnit.objects.visible_to(user).filter(pk=quiz.unit_id).exists():
        raise PermissionDenied
    stats = selectors.quiz_item_statistics(quiz)
    return render(
        request,
        "learning/quiz_items.html",
        {"quiz": quiz, "stats": stats, "can_retire": access.can_edit_bank(user)},
    )


# ---------------------------------------------------------------------------------------------
# Public pages: rate limits, device cookie, refusals
# ---------------------------------------------------------------------------------------------


def _limited(request: HttpRequest, *keys: tuple[str, int]) -> HttpResponse | None:
    return rate_limited(request, *keys, window_seconds=WINDOW)


def _public_limits(request: HttpRequest, token: str) -> HttpResponse | None:
    ip = client_address(request)
    if request.method == "POST":
        return _limited(
            request,
            (f"learning:post:ip:{ip}", PUBLIC_POST_LIMIT),
            (f"learning:post:link:{token}", LINK_POST_LIMIT),
        )
    return _limited(request, (f"learning:view:ip:{ip}", PUBLIC_GET_LIMIT))


REFUSALS = {
    "not_open": ("测验尚未开始", "这次测验还没到开始时间，请到时再打开链接。"),
    "closed": ("测验已结束", "这次测验的作答时间已经结束。"),
    "used_up": ("作答次数已用完", "您已用完本次测验允许的作答次数。"),
    "passed": ("您已通过", "您已通过本次测验，无需再答。"),
    "expired": ("已超时", "本次作答已超过时间限制，答案未被接受。如还有作答次数，可重新开始。"),
    "bank": ("题库不足", "题库中可用的题目不足，请联系老师。"),
}


def _refusal(request: HttpRequest, code: str, token: str = "") -> HttpResponse:
    heading, message = REFUSALS.get(code, REFUSALS["closed"])
    back = reverse("learning:take", args=[token]) if token else ""
    return render(
        request,
        "learning/public_message.html",
        {"heading": _(heading), "message": _(message), "back": back},
        status=410 if code in ("closed", "not_open") else 200,
    )


def _device(request: HttpRequest) -> tuple[str, bool]:
    """The device cookie (set on first visit): a random id, nothing about the person."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if len(value) == 22 and value.replace("-", "").replace("_", "").isalnum():
        return value, False
    return secrets.token_urlsafe(16), True


def _with_device(response: HttpResponse, device: str, new: bool) -> HttpResponse:
    if new:
        response.set_cookie(
            DEVICE_COOKIE, device, max_age=365 * 24 * 3600, httponly=True, samesite="Lax"
        )
    return response


def _mask(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# ---------------------------------------------------------------------------------------------
# Taking a test
# ---------------------------------------------------------------------------------------------


def _assignment(token: str) -> Assignment:
    assignment = selectors.assignment_by_token(token)
    if assignment is None:
        raise Http404
    return assignment


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def take(request: HttpRequest, token: str) -> HttpResponse:
    """The personal link: the test's rules and past results; POST starts (or resumes) an attempt."""
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    assignment = _assignment(token)
    quiz = assignment.quiz
    device, new = _device(request)
    now = timezone.now()
    if request.method == "POST":
        via = Attempt.Via.CLASS if request.POST.get("via") == "class" else Attempt.Via.PERSONAL
        try:
            services.attempt_start(
                assignment=assignment, via=via, device=device, ip=client_address(request), now=now
            )
        except services.AttemptRefused as exc:
            return _with_device(_refusal(request, exc.code), device, new)
        return _with_device(redirect("learning:paper", token=token), device, new)
    services.attempt_close_overdue(assignment=assignment, now=now)
    assignment.refresh_from_db()
    attempts = list(assignment.attempts.exclude(status=Attempt.Status.IN_PROGRESS))
    context = {
        "a": assignment,
        "quiz": quiz,
        "masked": _mask(assignment.person.name),
        "attempts": attempts,
        "current": services.in_progress(assignment),
        "can_start": quiz.opens_at <= now < quiz.closes_at
        and not assignment.passed
        and assignment.attempts_used < quiz.attempts_allowed,
        "not_open": now < quiz.opens_at,
        "closed": now >= quiz.closes_at,
        "via": request.GET.get("via", ""),
    }
    return _with_device(render(request, "learning/take.html", context), device, new)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest, token: str) -> HttpResponse:
    """The in-progress paper; POST hands it in. The countdown comes from the stored deadline."""
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    assignment = _assignment(token)
    attempt = services.in_progress(assignment)
    if attempt is None:
        last = assignment.attempts.order_by("-number").first()
        if (
            request.method == "POST"
            and last is not None
            and last.status == Attempt.Status.SUBMITTED
        ):
            # A double tap on 交卷: the first one already scored the attempt.
            return redirect("learning:result", token=token, number=last.number)
        if last is not None and last.status == Attempt.Status.EXPIRED:
            return _refusal(request, "expired", token)
        return redirect("learning:take", token=token)
    items = list(attempt.items.select_related("version").order_by("position"))
    form = TakeForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            services.attempt_submit(attempt=attempt, answers=form.answers())
        except services.AttemptRefused as exc:
            return _refusal(request, exc.code, token)
        return redirect("learning:result", token=token, number=attempt.number)
    now = timezone.now()
    if now > attempt.deadline + services.SUBMIT_GRACE:
        services.attempt_close_overdue(assignment=assignment, now=now)
        return _refusal(request, "expired", token)
    context = {
        "a": assignment,
        "quiz": assignment.quiz,
        "attempt": attempt,
        "form": form,
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
    }
    return render(request, "learning/paper.html", context)


@login_not_required
@never_cache
@require_GET
def result(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """Score, pass or fail, and each answer with its explanation."""
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    assignment = _assignment(token)
    attempt = get_object_or_404(
        Attempt, assignment=assignment, number=number, status=Attempt.Status.SUBMITTED
    )
    items = list(attempt.items.select_related("version").order_by("position"))
    quiz = assignment.quiz
    can_retry = (
        not assignment.passed
        and assignment.attempts_used < quiz.attempts_allowed
        and timezone.now() < quiz.closes_at
    )
    return render(
        request,
        "learning/result.html",
        {"a": assignment, "quiz": quiz, "attempt": attempt, "items": items, "can_retry": can_retry},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_link(request: HttpRequest, token: str) -> HttpResponse:
    """A class's quiz link: the student's name and last 4 digits lead to their own paper."""
    ip = client_address(request)
    keys = [(f"learning:class:ip:{ip}", CHECK_LIMIT if request.POST else PUBLIC_GET_LIMIT)]
    if request.method == "POST":
        keys.append((f"learning:class:link:{token}", 60))
    limited = _limited(request, *keys)
    if limited is not None:
        return limited
    link = get_object_or_404(QuizClassLink.objects.select_related("quiz", "unit"), token=token)
    if timezone.now() >= link.quiz.closes_at:
        return _refusal(request, "closed")
    form = ClassCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assignment = form.match(Assignment.objects.filter(quiz=link.quiz, unit=link.unit))
        if assignment is not None:
            return redirect(reverse("learning:take", args=[assignment.token]) + "?via=class")
    return render(
        request,
        "learning/class_link.html",
        {"title": link.quiz.title, "unit": link.unit, "form": form, "what": _("测验")},
    )


# ---------------------------------------------------------------------------------------------
# Risk self-test: staff
# ---------------------------------------------------------------------------------------------


@require_GET
def selftest_rules(request: HttpRequest) -> HttpResponse:
    """How the self-test is scored: every option's points, the bands and the hard flags."""
    return render(request, "learning/selftest_rules.html", {"test": content.selftest()})


@require_http_methods(["GET", "POST"])
def selftest_create(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    unit = get_unit_for_user(user, code, roles=access.QUIZ_EDITORS)
    initial = {
        "units": [unit.pk],
        "closes_at": timezone.localtime().replace(second=0, microsecond=0)
        + datetime.timedelta(days=14),
        "title": _("学生防诈骗风险自测"),
    }
    form = SelfTestRoundForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rnd = services.selftest_round_create(
                unit=unit,
                units=list(data["units"]),
                title=data["title"],
                closes_at=data["closes_at"],
                by=user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            return redirect("learning:selftest_unit", pk=rnd.pk, code=unit.code)
    return render(
        request,
        "core/form_page.html",
        {"unit": unit, "form": form, "title": _("发起风险自测"), "submit_label": _("发布")},
    )


@require_GET
def selftest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rnd = access.get_round_for_user(user, pk)
    unit = _default_unit(request, user, rnd.unit)
    if unit is None:
        raise Http404
    return redirect("learning:selftest_unit", pk=rnd.pk, code=unit.code)


@require_GET
def selftest_unit(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Counts per class for everyone in scope; names and levels only for confidential readers."""
    user = _user(request)
    rnd = access.get_round_for_user(user, pk)
    unit = access.get_round_unit_for_user(user, rnd, code)
    reader = access.can_read_selftest(user, unit)
    link = SelfTestClassLink.objects.filter(round=rnd, unit=unit).first()
    class_url = (
        f"{_base_url(request)}{reverse('learning:selftest_class_link', args=[link.token])}"
        if link
        else ""
    )
    context = {
        "rnd": rnd,
        "unit": unit,
        "counts": selectors.selftest_counts(rnd, unit),
        "reader": reader,
        "responses": list(selectors.selftest_responses(rnd, unit)[:300]) if reader else [],
        "suggestions": selectors.high_without_file(rnd, unit) if reader else [],
        "class_url": class_url,
        "class_qr": _qr(class_url) if class_url else "",
        "can_links": has_role(user, unit, access.QUIZ_EDITORS),
    }
    return render(request, "learning/selftest_unit.html", context)


@require_GET
def selftest_response(request: HttpRequest, pk: int) -> HttpResponse:
    """One student's answers, opened by a confidential reader; every opening is logged."""
    user = _user(request)
    response = access.get_response_for_user(user, pk)
    sensitive_read_log(
        request=request, subject=RESPONSE_SUBJECT, object_id=response.pk, field="answers"
    )
    test = content.selftest()
    rows = []
    for q in test.questions:
        index = response.answers.get(q.key)
        option = (
            q.options[index] if isinstance(index, int) and 0 <= index < len(q.options) else None
        )
        rows.append({"q": q, "option": option, "hard": q.key in response.hard_flags})
    return render(
        request,
        "learning/selftest_response.html",
        {
            "r": response,
            "rows": rows,
            "test": test,
            "same_version": response.version == test.version,
        },
    )


# ---------------------------------------------------------------------------------------------
# Risk self-test: public
# ---------------------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def selftest_take(request: HttpRequest, token: str) -> HttpResponse:
    limited = _public_limits(request, token)
    if limited is not None:
        return limited
    invite = get_object_or_404(
        SelfTestInvite.objects.select_related("round", "person"), token=token
    )
    test = content.selftest()
    done = SelfTestResponse.objects.filter(invite=invite).first()
    if done is not None and request.method == "GET":
        band = test.band(done.level) if done.level in {b.level for b in test.bands} else None
        return render(request, "learning/selftest_done.html", {"invite": invite, "band": band})
    if timezone.now() > invite.round.closes_at:
        return _refusal(request, "closed")
    form = SelfTestForm(request.POST or None, test=test)
    if request.method == "POST" and form.is_valid():
        via = Attempt.Via.CLASS if request.POST.get("via") == "class" else Attempt.Via.PERSONAL
        try:
            _response, outcome = services.selftest_submit(
                invite=invite, answers=form.answers(), via=via
            )
        except services.AttemptRefused as exc:
            return _refusal(request, exc.code)
        return render(
            request, "learning/selftest_result.html", {"invite": invite, "result": outcome}
        )
    return render(
        request,
        "learning/selftest_take.html",
        {
            "invite": invite,
            "masked": _mask(invite.person.name),
            "form": form,
            "via": request.GET.get("via", "") or request.POST.get("via", ""),
        },
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def selftest_class_link(request: HttpRequest, token: str) -> HttpResponse:
    ip = client_address(request)
    keys = [(f"learning:class:ip:{ip}", CHECK_LIMIT if request.POST else PUBLIC_GET_LIMIT)]
    if request.method == "POST":
        keys.append((f"learning:stclass:link:{token}", 60))
    limited = _limited(request, *keys)
    if limited is not None:
        return limited
    link = get_object_or_404(SelfTestClassLink.objects.select_related("round", "unit"), token=token)
    if timezone.now() > link.round.closes_at:
        return _refusal(request, "closed")
    form = ClassCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invite = form.match(SelfTestInvite.objects.filter(round=link.round, unit=link.unit))
        if invite is not None:
            return redirect(reverse("learning:selftest_take", args=[invite.token]) + "?via=class")
    return render(
        request,
        "learning/class_link.html",
        {"title": link.round.title, "unit": link.unit, "form": form, "what": _("自测")},
    )
