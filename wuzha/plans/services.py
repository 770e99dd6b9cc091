"""Every write to campaigns, duties, submissions, terms and inspections goes through here."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core.files import evidence_store
from wuzha.core.models import EvidenceFile
from wuzha.orgs.models import OrgUnit, User
from wuzha.outreach.models import Activity, ActivityFile

from . import cadence as cad
from .models import (
    Campaign,
    CampaignFile,
    CampaignGoal,
    CampaignPhase,
    Duty,
    DutyException,
    DutyTemplate,
    Finding,
    Holiday,
    Inspection,
    LeadershipMember,
    Rectification,
    RectificationFile,
    Submission,
    SubmissionFile,
    Term,
    end_of_day,
    lock_date_for,
)

TEMPLATE_FIELDS = (
    "title",
    "description",
    "unit_kind",
    "role",
    "cadence",
    "due_date",
    "deadline_day",
    "deadline_weekday",
    "deadline_week",
    "deadline_month",
    "within_terms",
    "grace_days",
    "min_photos",
    "requires_attendance",
    "requires_document",
    "count_label",
    "remind_before_days",
    "remind_after_days",
)


def _today() -> date:
    return timezone.localdate()


# Campaigns


@transaction.atomic
def campaign_create(
    *,
    unit: OrgUnit,
    name: str,
    start_date: date,
    end_date: date,
    guiding_text: str = "",
    by: User | None = None,
    template_code: str = "",
) -> Campaign:
    """Create a campaign; with `template_code`, also its goals, phases, group and duty templates.

    Raise ValidationError when the name is taken in `unit` or the dates are reversed.
    """
    campaign = Campaign(
        unit=unit,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        guiding_text=guiding_text.strip(),
        created_by=by,
        template_code=template_code,
    )
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    campaign.full_clean()
    campaign.save()
    if template_code:
        from .templates_data import apply_template

        apply_template(campaign=campaign, code=template_code)
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, name: str, start_date: date, end_date: date, guiding_text: str
) -> Campaign:
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    campaign.name = name.strip()
    campaign.start_date = start_date
    campaign.end_date = end_date
    campaign.guiding_text = guiding_text.strip()
    campaign.full_clean()
    campaign.save()
    return campaign


def _validated_create(instance: Any) -> Any:
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(_("已存在相同的记录")) from exc
    return instance


def goal_add(*, campaign: Campaign, **fields: Any) -> CampaignGoal:
    if fields.get("comparison") == CampaignGoal.Comparison.CHANGE_PCT and not fields.get(
        "baseline_year"
    ):
        raise ValidationError({"baseline_year": _("“较基准年变化”的目标必须填写基准年")})
    return _validated_create(CampaignGoal(campaign=campaign, **fields))


def phase_add(*, campaign: Campaign, **fields: Any) -> CampaignPhase:
    phase = CampaignPhase(campaign=campaign, **fields)
    if phase.end_date < phase.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    if phase.start_date < campaign.start_date or phase.end_date > campaign.end_date:
        raise ValidationError(
            {
                "start_date": _("阶段必须在方案期间（%(a)s 至 %(b)s）内")
                % {"a": campaign.start_date, "b": campaign.end_date}
            }
        )
    return _validated_create(phase)


def member_add(*, campaign: Campaign, **fields: Any) -> LeadershipMember:
    return _validated_create(LeadershipMember(campaign=campaign, **fields))


@transaction.atomic
def campaign_file_add(
    *, campaign: Campaign, upload: UploadedFile, title: str, by: User | None
) -> CampaignFile:
    evidence = evidence_store(upload=upload, uploaded_by=by)
    link, _created = CampaignFile.objects.get_or_create(
        campaign=campaign,
        evidence=evidence,
        defaults={
            "title": title.strip() or upload.name or evidence.original_name,
            "uploaded_by": by,
        },
    )
    return link


# Term calendar


def term_add(
    *, unit: OrgUnit, school_year: int, number: int, start_date: date, end_date: date
) -> Term:
    if end_date <= start_date:
        raise ValidationError({"end_date": _("学期结束日期必须晚于开学日期")})
    if (end_date - start_date).days > 7 * cad.MAX_TERM_WEEKS:
        raise ValidationError(
            {"end_date": _("一个学期不能超过%(n)s周") % {"n": cad.MAX_TERM_WEEKS}}
        )
    term = Term(
        unit=unit, school_year=school_year, number=number, start_date=start_date, end_date=end_date
    )
    return _validated_create(term)


def holiday_add(*, term: Term, name: str, start_date: date, end_date: date) -> Holiday:
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    if start_date < term.start_date or end_date > term.end_date:
        raise ValidationError(
            {
                "start_date": _("节假日必须在学期（%(a)s 至 %(b)s）内")
                % {"a": term.start_date, "b": term.end_date}
            }
        )
    return _validated_create(
        Holiday(term=term, name=name.strip(), start_date=start_date, end_date=end_date)
    )


def term_spans_by_path(paths: Iterable[str]) -> dict[str, list[cad.TermSpan]]:
    """Term calendars (with holidays) of the units at `paths`, keyed by unit path."""
    spans: dict[str, list[cad.TermSpan]] = {}
    terms = (
        Term.objects.filter(unit__path__in=list(paths))
        .select_related("unit")
        .prefetch_related("holidays")
        .order_by("start_date")
    )
    for term in terms:
        spans.setdefault(term.unit.path, []).append(
            cad.TermSpan(
                school_year=term.school_year,
                number=term.number,
                start=term.start_date,
                end=term.end_date,
                holidays=tuple((h.start_date, h.end_date) for h in term.holidays.all()),
            )
        )
    return spans


def _calendar_path(unit_path: str, calendars: dict[str, Any]) -> str | None:
    """The deepest unit at or above `unit_path` that has a term calendar."""
    best = None
    for path in calendars:
        if unit_path.startswith(path) and (best is None or len(path) > len(best)):
            best = path
    return best


def terms_for_unit(unit: OrgUnit) -> list[cad.TermSpan]:
    """The term calendar that applies to `unit` (its own, else the nearest ancestor's)."""
    calendars = term_spans_by_path([*unit.ancestor_paths(), unit.path])
    path = _calendar_path(unit.path, calendars)
    return calendars[path] if path else []


# Duty templates and duties


def _template_check(template: DutyTemplate) -> None:
    template.full_clean()
    terms = terms_for_unit(template.campaign.unit)
    problem = cad.term_week_problem(template.spec(), terms)
    if problem:
        raise ValidationError({"deadline_week": problem})
    found = cad.occurrences(
        template.spec(),
        start=template.campaign.start_date,
        end=template.campaign.end_date,
        terms=terms,
    )
    if not found:
        raise ValidationError(
            {
                "cadence": _("按这个频次，方案期间（%(a)s 至 %(b)s）内没有任何截止日期")
                % {"a": template.campaign.start_date, "b": template.campaign.end_date}
            }
        )


@transaction.atomic
def duty_template_create(
    *, campaign: Campaign, target_units: Sequence[OrgUnit] = (), **fields: Any
) -> DutyTemplate:
    """Create a duty template and instantiate its duties for every responsible unit."""
    template = DutyTemplate(campaign=campaign, **fields)
    outside = [u.name for u in target_units if not u.path.startswith(campaign.unit.path)]
    if outside:
        raise ValidationError(
            {"target_units": _("指定单位不在方案范围内：%(u)s") % {"u": "、".join(outside)}}
        )
    _template_check(template)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise ValidationError({"title": _("本方案已有同名任务")}) from exc
    if target_units:
        template.target_units.set(target_units)
    duties_instantiate(template=template)
    return template


@transaction.atomic
def duty_template_update(
    *,
    template: DutyTemplate,
    today: date | None = None,
    target_units: Sequence[OrgUnit] | None = None,
    **fields: Any,
) -> DutyTemplate:
    """Change a template; only duties of periods that have not started yet are rebuilt."""
    today = today or _today()
    campaign_path = template.campaign.unit.path
    if target_units and any(not u.path.startswith(campaign_path) for u in target_units):
        raise ValidationError({"target_units": _("指定单位不在方案范围内")})
    for key, value in fields.items():
        if key not in TEMPLATE_FIELDS:
            raise TypeError(key)
        setattr(template, key, value)
    _template_check(template)
    template.save()
    if target_units is not None:
        template.target_units.set(target_units)
    future = Duty.objects.filter(
        template=template, period_start__gt=today, status=Duty.Status.PENDING
    ).exclude(Q(submissions__isnull=False) | Q(exceptions__isnull=False))
    future.delete()
    duties_instantiate(template=template, after=today)
    return template


def _responsible_units(template: DutyTemplate) -> list[OrgUnit]:
    campaign_unit = template.campaign.unit
    targets = list(
        template.target_units.filter(path__startswith=campaign_unit.path, is_active=True)
    )
    if targets:
        return targets
    if not template.unit_kind:
        return [campaign_unit]
    return list(
        OrgUnit.objects.filter(
            path__startswith=campaign_unit.path, kind=template.unit_kind, is_active=True
        ).only("pk", "path", "depth", "name")
    )


def duties_instantiate(*, template: DutyTemplate, after: date | None = None) -> int:
    """Create the missing duties of `template` (one per unit × period); return how many.

    Idempotent: existing duties are left alone. With `after`, only periods starting later.
    """
    campaign = template.campaign
    units = _responsible_units(template)
    if not units:
        return 0
    # Calendars on the campaign unit, its ancestors and anywhere in its subtree.
    base = campaign.unit
    calendar_paths = {
        p
        for (p,) in Term.objects.filter(
            Q(unit__path__startswith=base.path) | Q(unit__path__in=base.ancestor_paths())
        ).values_list("unit__path")
    }
    calendars = term_spans_by_path(calendar_paths) if calendar_paths else {}
    spec = template.spec()
    by_calendar: dict[str | None, list[cad.Occurrence]] = {}
    existing = set(Duty.objects.filter(template=template).values_list("unit_id", "period_key"))
    new: list[Duty] = []
    for unit in units:
        cal = _calendar_path(unit.path, calendars)
        if cal not in by_calendar:
            found = cad.occurrences(
                spec,
                start=campaign.start_date,
                end=campaign.end_date,
                terms=calendars.get(cal, []) if cal else [],
            )
            by_calendar[cal] = [o for o in found if after is None or o.period.start > after]
        for occ in by_calendar[cal]:
            if (unit.pk, occ.period.key) in existing:
                continue
            new.append(
                Duty(
                    template=template,
                    unit=unit,
                    title=template.title,
                    period_key=occ.period.key,
                    period_start=occ.period.start,
                    period_end=occ.period.end,
                    due_date=occ.due,
                    lock_date=lock_date_for(occ.due, template.grace_days),
                )
            )
    Duty.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def campaign_instantiate(*, campaign: Campaign) -> int:
    """Top up the duties of every template (new units, new term calendars); return the count."""
    return sum(duties_instantiate(template=t) for t in campaign.templates.all())


# Submissions


def _check_evidence(
    template: DutyTemplate,
    kinds: Sequence[str],
    *,
    count: int | None,
    attendance: int | None,
    activity_photos: int = 0,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    photos = sum(1 for k in kinds if k == EvidenceFile.Kind.IMAGE) + activity_photos
    if photos < template.min_photos:
        if activity_photos:
            message = _("需要至少 %(n)s 张照片（含关联活动的 %(a)s 张），目前 %(m)s 张") % {
                "n": template.min_photos,
                "a": activity_photos,
                "m": photos,
            }
        else:
            message = _("需要至少 %(n)s 张照片，目前 %(m)s 张") % {
                "n": template.min_photos,
                "m": photos,
            }
        errors.setdefault("attachments", []).append(message)
    documents = {EvidenceFile.Kind.PDF, EvidenceFile.Kind.WORD, EvidenceFile.Kind.EXCEL}
    if template.requires_document and not any(k in documents for k in kinds):
        errors.setdefault("attachments", []).append(_("需要上传一份文档（PDF、Word 或 Excel）"))
    if template.requires_attendance and not attendance:
        errors["attendance"] = [_("请填写参加人数")]
    if template.count_label and count is None:
        errors["count"] = [_("请填写%(l)s") % {"l": template.count_label}]
    return errors


def _linkable(duty: Duty, by: User, activities: Sequence[Activity]) -> list[Activity]:
    """The chosen activities, refused unless each one may be linked to `duty` by `by`."""
    wanted = {a.pk for a in activities}
    if not wanted:
        return []
    allowed = list(
        Activity.objects.visible_to(by)
        .in_subtree(duty.unit)
        .between(duty.period_start, duty.period_end)
        .filter(pk__in=wanted)
    )
    if len(allowed) != len(wanted):
        raise ValidationError(
            {
                "activities": [
                    _(
                        "所选活动记录不存在，或不属于本单位、不在本任务期间"
                        "（%(a)s 至 %(b)s）内，不能关联"
                    )
                    % {"a": duty.period_start, "b": duty.period_end}
                ]
            }
        )
    return allowed


@transaction.atomic
def duty_submit(
    *,
    duty: Duty,
    by: User,
    text: str,
    files: Sequence[UploadedFile] = (),
    count: int | None = None,
    attendance: int | None = None,
    keep_previous_files: bool = True,
    activities: Sequence[Activity] = (),
    now: datetime | None = None,
) -> Submission:
    """Submit (or resubmit after a return) a duty with its evidence.

    Refused with a ValidationError when the duty is already submitted or accepted, when it is
    locked (past deadline + grace, no exception), or when the evidence does not meet the
    template's requirements. A submission after the deadline is marked late.

    `activities` are outreach activity records that show the duty was done; each must be
    visible to `by`, held by the duty's unit or a unit below it and dated inside the duty's
    period. Their on-site photos count toward the template's minimum number of photos.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    duty = Duty.objects.select_for_update().select_related("template").get(pk=duty.pk)
    if duty.status == Duty.Status.SUBMITTED:
        raise ValidationError(_("该任务已提交，正在等待上级审核"), code="already_submitted")
    if duty.status == Duty.Status.ACCEPTED:
        raise ValidationError(_("该任务已审核通过，无需再提交"), code="accepted")
    if duty.is_locked(today):
        raise ValidationError(
            _("该任务已于 %(d)s 锁定（截止 %(due)s，宽限 %(g)s 天），如需补报请联系上级单位开放")
            % {"d": duty.lock_date, "due": duty.due_date, "g": duty.template.grace_days},
            code="locked",
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("请填写完成情况")]})
    stored: list[tuple[EvidenceFile, str]] = []
    file_errors = []
    for upload in files:
        try:
            stored.append((evidence_store(upload=upload, uploaded_by=by), upload.name or ""))
        except ValidationError as exc:
            file_errors.extend(exc.messages)
    if file_errors:
        raise ValidationError({"attachments": file_errors})
    previous = duty.submissions.order_by("-number").first()
    if previous is not None and keep_previous_files:
        known = {e.pk for e, _n in stored}
        for link in previous.files.select_related("evidence"):
            if link.evidence_id not in known:
                stored.append((link.evidence, link.original_name))
                known.add(link.evidence_id)
    linked = _linkable(duty, by, activities)
    own = {e.pk for e, _n in stored}
    activity_photos = len(
        set(
            ActivityFile.objects.filter(
                activity__in=linked,
                role=ActivityFile.Role.PHOTO,
                evidence__kind=EvidenceFile.Kind.IMAGE,
            ).values_list("evidence_id", flat=True)
        )
        - own
    )
    errors = _check_evidence(
        duty.template,
        [e.kind for e, _n in stored],
        count=count,
        attendance=attendance,
        activity_photos=activity_photos,
    )
    if errors:
        raise ValidationError(errors)
    is_late = now > end_of_day(duty.due_date)
    number = (duty.submissions.aggregate(n=Max("number"))["n"] or 0) + 1
    submission = Submission(
        duty=duty,
        number=number,
        text=text,
        count=count,
        attendance=attendance,
        submitted_by=by,
        submitted_at=now,
        is_late=is_late,
    )
    submission.full_clean()
    submission.save()
    SubmissionFile.objects.bulk_create(
        [
            SubmissionFile(submission=submission, evidence=e, original_name=(n or e.original_name))
            for e, n in stored
        ]
    )
    if linked:
        submission.activities.set(linked)
    if duty.first_submitted_at is None:
        duty.first_submitted_at = now
        duty.is_late = is_late
    duty.submitted_at = now
    duty.status = Duty.Status.SUBMITTED
    duty.save(update_fields=["first_submitted_at", "is_late", "submitted_at", "status"])
    return submission


@transaction.atomic
def duty_review(
    *, duty: Duty, by: User, accept: bool, comment: str = "", now: datetime | None = None
) -> Submission:
    """Accept the latest submission, or return it (退回) with a comment for resubmission."""
    now = now or timezone.now()
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    if duty.status != Duty.Status.SUBMITTED:
        raise ValidationError(_("只有“待审核”的任务可以审核"), code="not_submitted")
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": [_("退回时请写明需要补充或修改的内容")]})
    submission = duty.submissions.order_by("-number").first()
    assert submission is not None
    submission.decision = Submission.Decision.ACCEPTED if accept else Submission.Decision.RETURNED
    submission.review_comment = comment
    submission.reviewed_by = by
    submission.reviewed_at = now
    submission.full_clean()
    submission.save()
    duty.status = Duty.Status.ACCEPTED if accept else Duty.Status.RETURNED
    duty.reviewed_by = by
    duty.reviewed_at = now
    duty.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return submission


def duty_exception_grant(
    *, duty: Duty, by: User, until: date, reason: str, today: date | None = None
) -> DutyException:
    """Let a locked duty be submitted until `until` (an upper unit's decision, on record)."""
    today = today or _today()
    if until < today:
        raise ValidationError({"until": _("开放截止日期不能早于今天")})
    if until > today + timedelta(days=60):
        raise ValidationError({"until": _("一次最多开放60天")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写开放补报的原因")})
    exception = DutyException(duty=duty, until=until, reason=reason.strip(), granted_by=by)
    exception.full_clean()
    exception.save()
    return exception


# Inspections and rectification


def inspection_create(
    *, unit: OrgUnit, inspector: User, date: date, method: str, summary: str
) -> Inspection:
    if date > _today():
        raise ValidationError({"date": _("检查日期不能晚于今天")})
    inspection = Inspection(
        unit=unit, inspector=inspector, date=date, method=method, summary=summary.strip()
    )
    inspection.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError as exc:
        raise ValidationError(_("您已记录过这次检查（同一单位、日期和方式）")) from exc
    return inspection


@transaction.atomic
def finding_add(
    *,
    inspection: Inspection,
    text: str,
    owner_unit: OrgUnit | None = None,
    deadline: date | None = None,
) -> Finding:
    """Record a finding; with an owner unit and deadline it also opens a rectification."""
    finding = Finding(inspection=inspection, text=text.strip())
    finding.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            finding.save()
    except IntegrityError as exc:
        raise ValidationError({"text": _("这条问题已经记录过了")}) from exc
    if owner_unit is not None:
        if deadline is None:
            raise ValidationError({"deadline": _("请填写整改期限")})
        if not owner_unit.path.startswith(inspection.unit.path):
            raise ValidationError({"owner_unit": _("整改单位必须是被检查单位或其下级")})
        if deadline < inspection.date:
            raise ValidationError({"deadline": _("整改期限不能早于检查日期")})
        rectification = Rectification(finding=finding, owner_unit=owner_unit, deadline=deadline)
        rectification.full_clean()
        rectification.save()
    return finding


@transaction.atomic
def rectification_respond(
    *, rectification: Rectification, by: User, response: str, files: Sequence[UploadedFile]
) -> Rectification:
    """The owner reports what was fixed; a response needs text and at least one evidence file."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status == Rectification.Status.CLOSED:
        raise ValidationError(_("该整改项已销号"))
    errors: dict[str, list[str]] = {}
    if not response.strip():
        errors["response"] = [_("请填写整改情况")]
    has_files = bool(files) or rectification.files.exists()
    if not has_files:
        errors["attachments"] = [_("请上传至少一份整改证明材料")]
    stored = []
    for upload in files:
        try:
            stored.append((evidence_store(upload=upload, uploaded_by=by), upload.name or ""))
        except ValidationError as exc:
            errors.setdefault("attachments", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    for evidence, name in stored:
        RectificationFile.objects.get_or_create(
            rectification=rectification,
            evidence=evidence,
            defaults={"original_name": name or evidence.original_name},
        )
    rectification.response = response.strip()
    rectification.responded_by = by
    rectification.responded_at = timezone.now()
    rectification.status = Rectification.Status.RESPONDED
    rectification.save()
    return rectification


@transaction.atomic
def rectification_confirm(
    *, rectification: Rectification, by: User, accept: bool, comment: str = ""
) -> Rectification:
    """The inspector closes the item (销号) or sends it back with a comment."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status != Rectification.Status.RESPONDED:
        raise ValidationError(_("整改单位尚未反馈，不能确认"))
    if not accept and not comment.strip():
        raise ValidationError({"comment": [_("退回时请写明原因")]})
    rectification.confirm_comment = comment.strip()
    rectification.confirmed_by = by
    rectification.confirmed_at = timezone.now()
    rectification.status = Rectification.Status.CLOSED if accept else Rectification.Status.OPEN
    rectification.save()
    return rectification


# Reminders


def _reminder_line(duty: Duty, today: date) -> str:
    if duty.due_date < today:
        state = _("已逾期%(n)s天") % {"n": (today - duty.due_date).days}
    elif duty.due_date == today:
        state = _("今天截止")
    else:
        state = _("还剩%(n)s天") % {"n": (duty.due_date - today).days}
    return f"- {duty.unit.name}：{duty.title}（{duty.period_key}，{duty.due_date} 截止，{state}）"


def reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Queue today's reminders and deliver everything due; safe to run many times a day.

    Owners (staff holding the template's role on the duty's unit) get one email digest a day
    listing their duties due soon or overdue; each group robot configured on a unit gets one
    digest for its subtree. Returns counts of queued notifications.
    """
    from wuzha.core import notify
    from wuzha.orgs.models import Membership

    from .tasks import deliver_notifications

    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = [
        d
        for d in Duty.objects.filter(
            status__in=[Duty.Status.PENDING, Duty.Status.RETURNED],
            due_date__gte=today - timedelta(days=90),
            due_date__lte=today + timedelta(days=31),
        ).select_related("unit", "template")
        if today - timedelta(days=d.template.remind_after_days)
        <= d.due_date
        <= today + timedelta(days=d.template.remind_before_days)
    ]
    queued = {"email": 0, "robot": 0}
    if not candidates:
        deliver_notifications.enqueue()
        return queued
    by_user: dict[int, list[Duty]] = {}
    users: dict[int, User] = {}
    memberships = Membership.objects.filter(
        unit_id__in={d.unit_id for d in candidates}, user__is_active=True
    ).select_related("user")
    roles_by_unit: dict[int, list[tuple[User, str]]] = {}
    for m in memberships:
        roles_by_unit.setdefault(m.unit_id, []).append((m.user, m.role))
    for duty in candidates:
        wanted = duty.template.role
        for user, role in roles_by_unit.get(duty.unit_id, []):
            if (wanted and role != wanted) or not user.email:
                continue
            users[user.pk] = user
            if duty not in by_user.setdefault(user.pk, []):
                by_user[user.pk].append(duty)
    for user_pk, duties in by_user.items():
        lines = [_reminder_line(d, today) for d in duties]
        created = notify.notification_create(
            dedupe_key=f"plans:reminder:{today}:user:{user_pk}",
            channel="email",
            recipient=users[user_pk],
            subject=_("【无诈】您有%(n)s项反诈工作任务待提交") % {"n": len(duties)},
            body="\n".join([_("以下任务尚未提交，请登录无诈平台处理："), *lines]),
        )
        queued["email"] += created is not None
    paths = {p for d in candidates for p in [*d.unit.ancestor_paths(), d.unit.path]}
    for robot in notify.channels_for_unit_paths(sorted(paths)):
        duties = [d for d in candidates if d.unit.path.startswith(robot.unit.path)]
        overdue = sum(1 for d in duties if d.due_date < today)
        lines = [_reminder_line(d, today) for d in duties[:30]]
        if len(duties) > 30:
            lines.append(_("……另有%(n)s项") % {"n": len(duties) - 30})
        created = notify.notification_create(
            dedupe_key=f"plans:reminder:{today}:robot:{robot.pk}",
            channel=robot.kind,
            robot=robot,
            unit=robot.unit,
            subject=_("反诈工作任务提醒：%(n)s项待提交，其中%(o)s项已逾期")
            % {"n": len(duties), "o": overdue},
            body="\n".join(lines),
        )
        queued["robot"] += created is not None
    deliver_notifications.enqueue()
    return queued
