"""Every write to cases, the emergency lane, aftercare and 一案双查 goes through here."""

import datetime
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core import notify
from wuzha.core.models import Notification
from wuzha.core.validators import mask_name
from wuzha.orgs.models import Membership, OrgUnit, Person, PersonKind, Role, User

from . import sms
from .models import (
    AftercareNote,
    AftercarePlan,
    Case,
    CaseAlert,
    CaseEvent,
    CaseReview,
    DualCheck,
    Inquiry,
    VictimKind,
)

SMS_MAX_ATTEMPTS = notify.MAX_ATTEMPTS
# Minutes until the next try after the n-th failed attempt: an emergency cannot wait long.
EMERGENCY_RETRY_MINUTES = (1, 1, 2, 5)

VICTIM_KINDS = {
    PersonKind.STUDENT: VictimKind.STUDENT,
    PersonKind.STAFF: VictimKind.STAFF,
    PersonKind.GUARDIAN: VictimKind.GUARDIAN,
    PersonKind.RESIDENT: VictimKind.RESIDENT,
}


def format_yuan(fen: int) -> str:
    """¥1,234.50 for 123450 fen."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _event(case: Case, kind: str, at: datetime.datetime, by: User | None, note: str = "") -> None:
    CaseEvent.objects.create(case=case, kind=kind, at=at, by=by, note=note[:500])


def _victim_fields(victim: Person | None, victim_name: str) -> dict[str, Any]:
    if victim is not None:
        return {"victim_name": victim.name, "victim_kind": VICTIM_KINDS[PersonKind(victim.kind)]}
    return {"victim_name": victim_name.strip()}


def _check_victim(unit: OrgUnit, victim: Person | None, victim_name: str) -> None:
    if victim is None and not victim_name.strip():
        raise ValidationError({"victim_name": _("请选择名册中的学生，或填写受害人姓名")})
    if victim is not None and not victim.unit.path.startswith(unit.path):
        raise ValidationError({"victim": _("受害人不在本单位名册中")})


def _close_refusal(case: Case) -> ValidationError:
    return ValidationError(
        {
            "status": [
                _(
                    "损失金额达到 %(t)s 的大额案件须先完成全面复盘，才能结案。"
                    "请学校领导在“复盘记录”中填写复盘经过、整改措施和结论后再结案。"
                )
                % {"t": format_yuan(settings.CASE_FULL_REVIEW_THRESHOLD_FEN)}
            ]
        },
        code="review_required",
    )


def _check_close(case: Case) -> None:
    """Refuse a closed large case without a completed full review (see `Case.close_blocked`)."""
    if case.status != Case.Status.CLOSED or not case.review_required:
        return
    done = (
        case.pk is not None
        and CaseReview.objects.filter(case_id=case.pk, reviewed_at__isnull=False).exists()
    )
    if not done:
        raise _close_refusal(case)


@transaction.atomic
def case_open(
    *,
    unit: OrgUnit,
    by: User | None,
    occurred_at: datetime.datetime,
    channel: str,
    victim: Person | None = None,
    victim_name: str = "",
    client_token: uuid.UUID | None = None,
    **fields: Any,
) -> tuple[Case, bool]:
    """Record a case in the ledger; the same `client_token` again returns the first record."""
    if client_token is not None:
        existing = Case.objects.filter(client_token=client_token).first()
        if existing is not None:
            return existing, False
    _check_victim(unit, victim, victim_name)
    case = Case(
        unit=unit,
        victim=victim,
        occurred_at=occurred_at,
        channel=channel,
        created_by=by,
        **_victim_fields(victim, victim_name),
        **fields,
    )
    if client_token is not None:
        case.client_token = client_token
    case.full_clean()
    _check_close(case)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        return Case.objects.get(client_token=case.client_token), False
    _event(case, CaseEvent.Kind.TRANSFER, occurred_at, by)
    for field, kind in (
        ("discovered_at", CaseEvent.Kind.DISCOVERED),
        ("reported_school_at", CaseEvent.Kind.REPORTED_SCHOOL),
        ("reported_police_at", CaseEvent.Kind.REPORTED_POLICE),
    ):
        if getattr(case, field):
            _event(case, kind, getattr(case, field), by)
    return case, True


@transaction.atomic
def case_emergency_open(
    *,
    unit: OrgUnit,
    by: User | None,
    amount_lost_fen: int,
    occurred_at: datetime.datetime,
    channel: str,
    payment_method: str,
    receiving_account: str,
    victim: Person | None = None,
    victim_name: str = "",
    note: str = "",
    client_token: uuid.UUID | None = None,
) -> tuple[Case, bool]:
    """Save an emergency case first, then alert the police and the school leader.

    The alerts are sent by a background task once the case is committed, so a channel that is
    down can never lose the case. A double tap (same `client_token`) returns the first case.
    """
    now = timezone.now()
    if occurred_at > now + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("转账时间不能晚于现在")})
    case, created = case_open(
        unit=unit,
        by=by,
        victim=victim,
        victim_name=victim_name,
        occurred_at=occurred_at,
        discovered_at=now if occurred_at <= now else occurred_at,
        reported_school_at=now,
        channel=channel,
        amount_lost_fen=amount_lost_fen,
        payment_method=payment_method,
        receiving_account=receiving_account.strip(),
        narrative=note.strip(),
        is_emergency=True,
        ack_expires_at=now + timedelta(hours=settings.CASE_ACK_LINK_HOURS),
        stop_result=Case.StopResult.PENDING,
        client_token=client_token,
    )
    if created:
        from .tasks import send_case_alerts

        # The alerts exist (pending) with the case, so the reporter sees at once who is being
        # alerted; the task sends them after the commit.
        case_alerts_plan(case=case)
        case_id = case.pk
        transaction.on_commit(lambda: send_case_alerts.enqueue(case_id))
    return case, created


def ack_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("cases:ack", args=[case.ack_token])


def _alert_text(case: Case) -> tuple[str, str]:
    subject = _("【紧急止付】%(unit)s 有人被骗刚转账 %(amount)s") % {
        "unit": case.unit.name,
        "amount": format_yuan(case.amount_lost_fen),
    }
    local = timezone.localtime(case.occurred_at)
    lines = [
        _("受害人：%(name)s（%(kind)s）")
        % {"name": mask_name(case.victim_name), "kind": case.get_victim_kind_display()},
        _("单位：%(unit)s") % {"unit": case.unit.full_name()},
        _("转账时间：%(t)s") % {"t": f"{local:%Y-%m-%d %H:%M}"},
        _("金额：%(a)s") % {"a": format_yuan(case.amount_lost_fen)},
        _("渠道：%(c)s；支付方式：%(p)s")
        % {"c": case.get_channel_display(), "p": case.get_payment_method_display() or "—"},
        _("收款账户：%(acc)s") % {"acc": case.receiving_account or "—"},
        _("请立即确认并开展止付：%(url)s") % {"url": ack_url(case)},
    ]
    return subject, "\n".join(lines)


def emergency_recipients(case: Case) -> list[tuple[User, str]]:
    """Police liaisons over the case's unit, and the leaders of its school, as (user, role)."""
    paths = [*case.unit.ancestor_paths(), case.unit.path]
    school = case.unit.school()
    leader_paths = [p for p in paths if school is None or p.startswith(school.path)]
    memberships = (
        Membership.objects.filter(
            Q(role=Role.POLICE, unit__path__in=paths)
            | Q(role=Role.LEADER, unit__path__in=leader_paths),
            user__is_active=True,
            unit__is_active=True,
        )
        .select_related("user")
        .order_by("role", "user_id")
    )
    seen: dict[int, tuple[User, str]] = {}
    for m in memberships:
        seen.setdefault(m.user_id, (m.user, m.role))
    return list(seen.values())


def case_alerts_send(*, case: Case) -> list[CaseAlert]:
    """Queue one alert per police liaison and leader (email, SMS) and per robot, then try each
    once. Safe to run again: existing alerts are reused, sent ones are not sent twice."""
    subject, body = _alert_text(case)
    alerts = case_alerts_plan(case=case)
    for alert in alerts:
        _deliver(alert, subject, body)
    return alerts


def case_alerts_plan(*, case: Case) -> list[CaseAlert]:
    """The case's alerts, created as pending where missing: what the reporter sees at once."""
    subject, body = _alert_text(case)
    alerts: list[CaseAlert] = []
    for user, role in emergency_recipients(case):
        label = f"{user}（{Role(role).label}）"
        if user.email:
            alerts.append(
                _notification_alert(
                    case,
                    key=f"cases:{case.pk}:email:{user.pk}",
                    channel=Notification.Channel.EMAIL,
                    destination=label,
                    subject=subject,
                    body=body,
                    recipient=user,
                )
            )
        if user.mobile:
            alert, _created = CaseAlert.objects.get_or_create(
                case=case,
                channel=CaseAlert.Channel.SMS,
                mobile=user.mobile,
                defaults={
                    "destination": label,
                    "sms_status": Notification.Status.PENDING,
                    "sms_next_attempt_at": timezone.now(),
                },
            )
            alerts.append(alert)
    paths = [*case.unit.ancestor_paths(), case.unit.path]
    for robot in notify.channels_for_unit_paths(paths):
        alerts.append(
            _notification_alert(
                case,
                key=f"cases:{case.pk}:robot:{robot.pk}",
                channel=robot.kind,
                destination=f"{robot.name}（{robot.unit.name}）",
                subject=subject,
                body=body,
                robot=robot,
                unit=robot.unit,
            )
        )
    return alerts


def _notification_alert(
    case: Case, *, key: str, channel: str, destination: str, **kwargs: Any
) -> CaseAlert:
    existing = CaseAlert.objects.filter(case=case, notification__dedupe_key=key).first()
    if existing is not None:
        return existing
    notification = notify.notification_create(dedupe_key=key, channel=channel, **kwargs)
    if notification is None:  # created by an earlier run whose link was lost
        notification = Notification.objects.get(dedupe_key=key)
    return CaseAlert.objects.create(
        case=case, channel=channel, destination=destination, notification=notification
    )


def _deliver(alert: CaseAlert, subject: str = "", body: str = "") -> bool:
    """Try one alert once; record the outcome and the first delivery on the case."""
    if alert.channel == CaseAlert.Channel.SMS:
        sent = _deliver_sms(alert, body or _alert_text(alert.case)[1])
    else:
        notification = alert.notification
        if notification is None:
            return False
        sent = notify.notification_deliver(notification=notification)
        if not sent and notification.status == Notification.Status.PENDING:
            # Faster than notify's default back-off: the first hour decides the freeze.
            step = EMERGENCY_RETRY_MINUTES[min(notification.attempts, 4) - 1]
            notification.next_attempt_at = timezone.now() + timedelta(minutes=step)
            notification.save(update_fields=["next_attempt_at"])
    if sent:
        _mark_notified(alert.case_id)
    return sent


def _deliver_sms(alert: CaseAlert, text: str) -> bool:
    if alert.sms_status == Notification.Status.SENT:
        return True
    claimed = CaseAlert.objects.filter(
        pk=alert.pk, sms_status=Notification.Status.PENDING, sms_attempts=alert.sms_attempts
    ).update(sms_attempts=alert.sms_attempts + 1)
    if not claimed:
        return False
    alert.sms_attempts += 1
    now = timezone.now()
    try:
        sms.get_provider().send(alert.mobile, text)
    except Exception as exc:  # any provider failure is recorded and retried, never fatal
        alert.sms_error = f"{type(exc).__name__}: {exc}"[:2000]
        if alert.sms_attempts >= SMS_MAX_ATTEMPTS:
            alert.sms_status = Notification.Status.FAILED
            alert.sms_next_attempt_at = None
        else:
            step = EMERGENCY_RETRY_MINUTES[min(alert.sms_attempts, 4) - 1]
            alert.sms_next_attempt_at = now + timedelta(minutes=step)
        alert.save(update_fields=["sms_error", "sms_status", "sms_next_attempt_at"])
        return False
    alert.sms_status = Notification.Status.SENT
    alert.sms_sent_at = now
    alert.sms_next_attempt_at = None
    alert.save(update_fields=["sms_status", "sms_sent_at", "sms_next_attempt_at"])
    return True


def _mark_notified(case_id: int) -> None:
    now = timezone.now()
    if Case.objects.filter(pk=case_id, notified_at__isnull=True).update(notified_at=now):
        CaseEvent.objects.create(case_id=case_id, kind=CaseEvent.Kind.NOTIFIED, at=now)


def case_alerts_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Try again every emergency alert whose next attempt is due; return how many were sent."""
    now = now or timezone.now()
    due = CaseAlert.objects.filter(
        Q(
            notification__status=Notification.Status.PENDING,
            notification__next_attempt_at__lte=now,
        )
        | Q(sms_status=Notification.Status.PENDING, sms_next_attempt_at__lte=now)
    ).select_related("case__unit", "notification__recipient", "notification__robot")
    return sum(1 for alert in list(due) if _deliver(alert))


def case_alert_retry(*, alert: CaseAlert) -> bool:
    """Send a failed or waiting alert again now (a person pressed 重试)."""
    if alert.channel == CaseAlert.Channel.SMS:
        if alert.sms_status == Notification.Status.FAILED:
            alert.sms_status = Notification.Status.PENDING
            alert.sms_attempts = 0
            alert.save(update_fields=["sms_status", "sms_attempts"])
    elif alert.notification is not None and alert.status == Notification.Status.FAILED:
        notify.notification_retry(notification=alert.notification)
    return _deliver(alert)


def case_pending_alerts(case: Case) -> bool:
    return any(a.status == Notification.Status.PENDING for a in case.alerts.all())


@transaction.atomic
def case_acknowledge(*, case: Case, by: User | None, name: str = "") -> bool:
    """Record that the police have the case; return False when it was already acknowledged."""
    now = timezone.now()
    who = name.strip()[:50] or (str(by) if by else "")
    updated = Case.objects.filter(pk=case.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by, acknowledged_by_name=who
    )
    if not updated:
        case.refresh_from_db()
        return False
    _event(case, CaseEvent.Kind.ACKNOWLEDGED, now, by, who)
    fields = []
    case.refresh_from_db()
    if case.reported_police_at is None:
        case.reported_police_at = now
        fields.append("reported_police_at")
    if case.status == Case.Status.OPEN:
        case.status = Case.Status.REPORTED
        fields.append("status")
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
    return True


@transaction.atomic
def case_stop_result_record(
    *, case: Case, by: User | None, result: str, amount_frozen_fen: int, note: str = ""
) -> Case:
    """Record the outcome of the stop-payment request."""
    if result not in Case.StopResult.values or result == Case.StopResult.PENDING:
        raise ValidationError({"result": _("请选择止付结果")})
    if amount_frozen_fen < 0 or amount_frozen_fen > case.amount_lost_fen:
        raise ValidationError({"amount_frozen": _("冻结金额应在0到损失金额之间")})
    if result == Case.StopResult.FAILED and amount_frozen_fen:
        raise ValidationError({"amount_frozen": _("未能止付时冻结金额应为0")})
    now = timezone.now()
    case.stop_result = result
    case.stop_result_at = now
    case.amount_frozen_fen = amount_frozen_fen
    case.full_clean()
    case.save(update_fields=["stop_result", "stop_result_at", "amount_frozen_fen", "updated_at"])
    label = Case.StopResult(result).label
    _event(
        case,
        CaseEvent.Kind.STOP_RESULT,
        now,
        by,
        f"{label} {format_yuan(amount_frozen_fen)} {note}".strip(),
    )
    return case


LEDGER_FIELDS = (
    "victim_kind",
    "occurred_at",
    "discovered_at",
    "reported_school_at",
    "reported_police_at",
    "fraud_type",
    "channel",
    "amount_lost_fen",
    "payment_method",
    "receiving_account",
    "police_case_number",
    "narrative",
    "funds_source",
    "family_situation",
    "status",
    "amount_recovered_fen",
)


@transaction.atomic
def case_update(*, case: Case, by: User | None, **fields: Any) -> Case:
    """Change ledger fields; time fields newly filled and status changes go on the timeline."""
    unknown = set(fields) - set(LEDGER_FIELDS)
    if unknown:
        raise ValueError(f"not ledger fields: {sorted(unknown)}")
    before = {name: getattr(case, name) for name in fields}
    was = (case.status, case.amount_lost_fen)
    for name, value in fields.items():
        setattr(case, name, value)
    if case.amount_recovered_fen > case.amount_lost_fen:
        raise ValidationError({"amount_recovered": _("追回金额不能大于损失金额")})
    if (case.status, case.amount_lost_fen) != was:
        # Only a change that closes the case or raises its loss is held to the rule, so an
        # old closed case can still get a typo fixed.
        try:
            _check_close(case)
        except ValidationError:
            case.status, case.amount_lost_fen = was
            raise
    case.full_clean()
    case.save()
    for field, kind in (
        ("discovered_at", CaseEvent.Kind.DISCOVERED),
        ("reported_school_at", CaseEvent.Kind.REPORTED_SCHOOL),
        ("reported_police_at", CaseEvent.Kind.REPORTED_POLICE),
    ):
        if field in fields and fields[field] and before[field] != fields[field]:
            _event(case, kind, fields[field], by)
    if "status" in fields and before["status"] != case.status:
        _event(case, CaseEvent.Kind.STATUS, timezone.now(), by, case.get_status_display())
    return case


@transaction.atomic
def aftercare_save(
    *,
    case: Case,
    by: User | None,
    plan: str,
    counsellor: User | None = None,
    next_session_on: datetime.date | None = None,
) -> AftercarePlan:
    record = AftercarePlan.objects.filter(case=case).first() or AftercarePlan(case=case)
    record.plan = plan.strip()
    record.counsellor = counsellor or record.counsellor or by
    record.next_session_on = next_session_on
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def aftercare_note_add(
    *, case: Case, by: User | None, kind: str, held_on: datetime.date, text: str
) -> AftercareNote:
    note = AftercareNote(case=case, by=by, kind=kind, held_on=held_on, text=text.strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def case_review_save(
    *,
    case: Case,
    by: User | None,
    findings: str,
    responsibility: str,
    measures: str,
    conclusion: str,
    now: datetime.datetime | None = None,
) -> CaseReview:
    """Record the full review of a large case: who, when, what was found, done and concluded.

    Saving it completes the review (the case may then be closed); a later save updates the
    text, the reviewer and the time. The caller checks the role (school leader or admin).
    """
    now = now or timezone.now()
    review = CaseReview.objects.filter(case=case).first() or CaseReview(case=case)
    first = review.reviewed_at is None
    review.findings = findings.strip()
    review.responsibility = responsibility.strip()
    review.measures = measures.strip()
    review.conclusion = conclusion.strip()
    if not review.conclusion:
        raise ValidationError({"conclusion": _("请填写复盘结论")})
    review.reviewed_by = by
    review.reviewed_at = now
    review.full_clean()
    review.save()
    _event(
        case,
        CaseEvent.Kind.NOTE,
        now,
        by,
        _("完成大额案件全面复盘") if first else _("更新大额案件复盘记录"),
    )
    case.review = review
    return review


@dataclass
class DualCheckOutcome:
    check: DualCheck
    inquiry: Inquiry | None


@transaction.atomic
def dual_check_run(*, case: Case, by: User | None) -> DualCheckOutcome:
    """Record one 一案双查 run; with no education received, open a responsibility inquiry."""
    from .selectors import dual_check_report

    report = dual_check_report(case)
    check = DualCheck.objects.create(
        case=case,
        window_start=report.window_start,
        window_end=report.window_end,
        education_events=len(report.education_events),
        no_education=report.no_education,
        by=by,
    )
    inquiry = None
    if report.no_education:
        inquiry = Inquiry.objects.filter(case=case, status=Inquiry.Status.OPEN).first()
        if inquiry is None:
            inquiry = Inquiry(
                case=case,
                unit=case.unit,
                reason=_("受害人在案发前%(d)s天内未接受任何防诈宣传教育")
                % {"d": report.window_days},
            )
            inquiry.full_clean()
            inquiry.save()
    return DualCheckOutcome(check=check, inquiry=inquiry)


@transaction.atomic
def inquiry_close(*, inquiry: Inquiry, by: User | None, finding: str) -> Inquiry:
    if not finding.strip():
        raise ValidationError({"finding": _("请填写调查结论")})
    inquiry.finding = finding.strip()
    inquiry.status = Inquiry.Status.CLOSED
    inquiry.closed_by = by
    inquiry.full_clean()
    inquiry.save()
    return inquiry
