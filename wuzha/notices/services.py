"""Every write to notices, deliveries and signatures goes through here."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.orgs.models import OrgUnit, User

from . import selectors
from .models import (
    ClassLink,
    Countersignature,
    Delivery,
    Notice,
    NoticeKind,
    PdfJob,
    RegisterView,
    Relation,
    Signature,
)

log = logging.getLogger(__name__)

NOTICE_FIELDS = (
    "kind",
    "audience",
    "title",
    "body",
    "receipt_text",
    "signature_mode",
    "guardian_cosign",
    "ask_app",
    "deadline",
)


class SignRefused(ValidationError):
    """The link can no longer be signed; `code` is expired, revoked, closed or draft."""


def _check_audience_units(unit: OrgUnit, audience_units: Iterable[OrgUnit]) -> list[OrgUnit]:
    units = list(audience_units)
    if not units:
        raise ValidationError({"audience_units": _("请至少选择一个单位")})
    for picked in units:
        if not picked.path.startswith(unit.path):
            raise ValidationError(
                {"audience_units": _("“%(name)s”不在本单位范围内") % {"name": picked.name}}
            )
    return units


@transaction.atomic
def notice_create(
    *, unit: OrgUnit, by: User | None, audience_units: Iterable[OrgUnit], **fields: Any
) -> Notice:
    """Create a draft notice of `unit` for the persons of `audience_units` (in its subtree)."""
    units = _check_audience_units(unit, audience_units)
    notice = Notice(unit=unit, created_by=by, **{k: fields[k] for k in NOTICE_FIELDS})
    notice.title = notice.title.strip()
    notice.full_clean()
    notice.save()
    notice.audience_units.set(units)
    return notice


@transaction.atomic
def notice_update(*, notice: Notice, audience_units: Iterable[OrgUnit], **fields: Any) -> Notice:
    """Change a draft; once issued the text people sign may no longer change."""
    if notice.status != Notice.Status.DRAFT:
        raise ValidationError(_("已发布的告知不能再修改正文"))
    units = _check_audience_units(notice.unit, audience_units)
    for key in NOTICE_FIELDS:
        if key in fields:
            setattr(notice, key, fields[key])
    notice.title = notice.title.strip()
    notice.full_clean()
    notice.save()
    notice.audience_units.set(units)
    return notice


def _add_deliveries(notice: Notice, *, late: bool) -> int:
    existing = set(notice.deliveries.values_list("person_id", flat=True))
    rows = [
        (pk, unit_id)
        for pk, unit_id in selectors.notice_eligible_persons(notice).values_list("pk", "unit_id")
        if pk not in existing
    ]
    Delivery.objects.bulk_create(
        [Delivery(notice=notice, person_id=pk, unit_id=u, added_late=late) for pk, u in rows],
        batch_size=1000,
    )
    class_ids = {u for _pk, u in rows}
    have = set(notice.class_links.values_list("unit_id", flat=True))
    ClassLink.objects.bulk_create(
        [ClassLink(notice=notice, unit_id=u) for u in sorted(class_ids - have)]
    )
    return len(rows)


@transaction.atomic
def notice_issue(*, notice: Notice, by: User | None) -> int:
    """Freeze the recipient list and open the links; return the number of recipients."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.DRAFT:
        raise ValidationError(_("该告知已发布，不能重复发布"))
    if notice.is_expired():
        raise ValidationError({"deadline": _("截止日期已过，请先修改截止日期")})
    created = _add_deliveries(notice, late=False)
    if not created:
        raise ValidationError(_("所选范围内没有符合条件的人员，请检查范围和对象"))
    notice.status = Notice.Status.ISSUED
    notice.issued_at = timezone.now()
    notice.save(update_fields=["status", "issued_at", "updated_at"])
    return created


@transaction.atomic
def notice_extend(*, notice: Notice, by: User | None) -> int:
    """Add recipients who joined the audience after issue (e.g. transfer students)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.ISSUED:
        raise ValidationError(_("只有已发布的告知可以补充对象"))
    return _add_deliveries(notice, late=True)


@transaction.atomic
def notice_revoke(*, notice: Notice, by: User | None) -> Notice:
    """Withdraw a notice: every link then says it was withdrawn; signatures are kept."""
    if notice.status == Notice.Status.REVOKED:
        return notice
    notice.status = Notice.Status.REVOKED
    notice.revoked_at = timezone.now()
    notice.save(update_fields=["status", "revoked_at", "updated_at"])
    return notice


def delivery_revoke(*, delivery: Delivery, by: User | None) -> Delivery:
    """Invalidate one personal link (e.g. it was posted to the wrong group)."""
    if delivery.revoked_at is None:
        delivery.revoked_at = timezone.now()
        delivery.save(update_fields=["revoked_at"])
    return delivery


def delivery_check_signable(delivery: Delivery, *, now: datetime.datetime | None = None) -> None:
    """Raise SignRefused when the delivery's link may not be signed any more."""
    notice = delivery.notice
    if notice.status == Notice.Status.REVOKED or delivery.revoked_at is not None:
        raise SignRefused(_("该链接已被学校撤回"), code="revoked")
    if notice.status == Notice.Status.DRAFT:
        raise SignRefused(_("该告知尚未发布"), code="draft")
    if notice.status == Notice.Status.CLOSED or notice.is_expired(now):
        raise SignRefused(_("该告知已过签署截止时间"), code="expired")


@dataclass(frozen=True)
class SignInput:
    signer_name: str
    relation: str
    method: str
    image: bytes | None = None
    cosigner_name: str = ""
    app_installed: bool = False
    screenshot: File | None = None
    via: str = Signature.Via.PERSONAL
    ip_address: str | None = None
    user_agent: str = ""


def _current(delivery: Delivery) -> Signature | None:
    return selectors.current_signature(delivery)


def _set_state(delivery: Delivery, signature: Signature | None) -> None:
    if signature is None or not signature.is_signed:
        state, at = Delivery.State.PENDING, None
    elif signature.method == Signature.Method.PAPER:
        state, at = Delivery.State.PAPER, signature.signed_at
    else:
        state, at = Delivery.State.ONLINE, signature.signed_at
    Delivery.objects.filter(pk=delivery.pk).update(state=state, signed_at=at)
    delivery.state, delivery.signed_at = state, at


def _insert(signature: Signature, delivery: Delivery) -> tuple[Signature, bool]:
    """Insert `signature`; if another request won the race, return the winner instead."""
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        winner = _current(delivery)
        if winner is None:
            raise
        return winner, False
    _set_state(delivery, signature)
    return signature, True


@transaction.atomic
def notice_sign(*, delivery: Delivery, data: SignInput) -> tuple[Signature, bool]:
    """Sign `delivery`; return the signature and whether it was created by this call.

    Signing twice, or two submissions racing, yields one signature: the second gets the first.
    """
    delivery_check_signable(delivery)
    current = _current(delivery)
    if current is not None and current.is_signed:
        return current, False
    notice = delivery.notice
    if data.method == Signature.Method.DRAWN and not notice.allows_drawn:
        raise ValidationError({"signature": _("本告知需要输入姓名确认")})
    if data.method == Signature.Method.TYPED and not notice.allows_typed:
        raise ValidationError({"signature": _("本告知需要手写签名")})
    if data.method not in {Signature.Method.DRAWN, Signature.Method.TYPED}:
        raise ValidationError({"signature": _("签名方式不正确")})
    if data.method == Signature.Method.DRAWN and not data.image:
        raise ValidationError({"signature": _("请在签名框内手写签名")})
    signature = Signature(
        delivery=delivery,
        method=data.method,
        via=data.via,
        signer_name=data.signer_name.strip(),
        relation=data.relation,
        cosigner_name=data.cosigner_name.strip(),
        image=data.image if data.method == Signature.Method.DRAWN else None,
        app_installed=data.app_installed,
        ip_address=data.ip_address,
        user_agent=data.user_agent[:200],
        supersedes=current,
        reason=_("作废后重新签署") if current is not None else "",
    )
    if data.screenshot is not None:
        signature.photo.save(data.screenshot.name or "app.png", data.screenshot, save=False)
    if not signature.signer_name:
        raise ValidationError({"signer_name": _("请填写签署人姓名")})
    signature.full_clean(exclude=["delivery", "supersedes"])
    return _insert(signature, delivery)


@transaction.atomic
def paper_receipt_record(
    *,
    delivery: Delivery,
    by: User,
    signer_name: str,
    relation: str,
    photo: File | None = None,
) -> tuple[Signature, bool]:
    """Record that the paper receipt of `delivery` came back signed, with a photo of it."""
    if delivery.notice.status in {Notice.Status.DRAFT, Notice.Status.REVOKED}:
        raise ValidationError(_("该告知未发布或已撤回"))
    current = _current(delivery)
    if current is not None and current.is_signed:
        return current, False
    signature = Signature(
        delivery=delivery,
        method=Signature.Method.PAPER,
        via=Signature.Via.STAFF,
        signer_name=signer_name.strip(),
        relation=relation or Relation.OTHER,
        recorded_by=by,
        supersedes=current,
        reason=_("作废后登记纸质回执") if current is not None else "",
    )
    if photo is not None:
        signature.photo.save(photo.name or "receipt.jpg", photo, save=False)
    signature.full_clean(exclude=["delivery", "supersedes", "image"])
    return _insert(signature, delivery)


@transaction.atomic
def signature_void(*, signature: Signature, by: User, reason: str) -> Signature:
    """Void a signature (e.g. signed by the child, not a guardian): a new record, both kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    delivery = Delivery.objects.select_for_update().get(pk=signature.delivery_id)
    current = _current(delivery)
    if current is None or current.pk != signature.pk or not current.is_signed:
        raise ValidationError(_("只能作废当前有效的签署记录"))
    correction = Signature(
        delivery=delivery,
        method=Signature.Method.VOID,
        via=Signature.Via.STAFF,
        signer_name=signature.signer_name,
        relation=signature.relation,
        recorded_by=by,
        supersedes=signature,
        reason=reason,
    )
    correction.full_clean(exclude=["delivery", "supersedes", "image"])
    correction.save()
    _set_state(delivery, correction)
    return correction


@transaction.atomic
def signature_countersign(*, signature: Signature, by: User, unit: OrgUnit) -> Countersignature:
    """The level above confirms a signed responsibility letter; once per signature."""
    if signature.delivery.notice.kind != NoticeKind.RESPONSIBILITY:
        raise ValidationError(_("只有责任状需要上级会签"))
    if not signature.is_signed or hasattr(signature, "superseded_by"):
        raise ValidationError(_("只能会签当前有效的签署"))
    existing = Countersignature.objects.filter(signature=signature).first()
    if existing is not None:
        return existing
    return Countersignature.objects.create(signature=signature, by=by, unit=unit)


def register_view_log(
    *, notice: Notice, unit: OrgUnit, user: User, what: str, ip_address: str | None
) -> None:
    """Record that `user` has just been shown (or exported) the signatures of `unit`."""
    RegisterView.objects.create(
        notice=notice, unit=unit, user=user, what=what, ip_address=ip_address or None
    )


def pdf_job_start(
    *, notice: Notice, unit: OrgUnit, kind: str, by: User | None, base_url: str
) -> PdfJob:
    """Queue a PDF for `unit`'s part of `notice`; the worker fills in progress as it goes."""
    from .tasks import generate_pdf

    job = PdfJob.objects.create(
        notice=notice, unit=unit, kind=kind, created_by=by, base_url=base_url.rstrip("/")
    )
    transaction.on_commit(lambda: generate_pdf.enqueue(job.pk))
    return job


def pdf_job_run(*, job: PdfJob) -> PdfJob:
    """Generate the PDF of `job`, saving progress every few pages; idempotent once done."""
    from . import pdf

    if job.status == PdfJob.Status.DONE:
        return job
    PdfJob.objects.filter(pk=job.pk).update(status=PdfJob.Status.RUNNING, done=0)

    def progress(done: int, total: int) -> None:
        PdfJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        if job.kind == PdfJob.Kind.LETTERS:
            data = pdf.letters_pdf(job.notice, job.unit, job.base_url, progress=progress)
        else:
            data = pdf.archive_pdf(job.notice, job.unit, progress=progress)
    except Exception as exc:
        log.exception("PDF job %s failed", job.pk)
        PdfJob.objects.filter(pk=job.pk).update(status=PdfJob.Status.FAILED, error=str(exc)[:300])
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    name = f"notice-{job.notice_id}-{job.unit.code}-{job.kind}.pdf"
    job.file.save(name, ContentFile(data), save=False)
    job.status = PdfJob.Status.DONE
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "done", "finished_at"])
    return job


def notice_remind_teachers(*, notice: Notice, base_url: str) -> int:
    """Remind each class teacher (email) and the issuing unit's group robots of pending receipts.

    Goes through the notification channels: each message is queued with a per-day dedupe key
    (pressing the button twice sends once a day), tried at once, and retried by the channel's
    worker on failure. Classes with nothing pending are left alone. Returns messages sent.
    """
    from wuzha.core import notify
    from wuzha.core.models import Notification

    if notice.status != Notice.Status.ISSUED or notice.is_expired():
        return 0
    today = timezone.localdate().isoformat()
    subject = _("【无诈】回执催签提醒：%(title)s") % {"title": notice.title}
    queued = []
    rows = selectors.teacher_reminders(notice)
    for row in rows:
        body = "\n".join(
            [
                _("%(teacher)s老师您好：") % {"teacher": row.teacher_name},
                _("《%(title)s》在%(klass)s还有 %(n)d 人未签署（截止 %(deadline)s）。")
                % {
                    "title": notice.title,
                    "klass": row.unit_name,
                    "n": row.pending,
                    "deadline": notice.deadline.isoformat(),
                },
                _("未签名单与提醒话术：%(url)s")
                % {"url": f"{base_url.rstrip('/')}{row.class_page_path}"},
            ]
        )
        queued.append(
            notify.notification_create(
                dedupe_key=f"notices:remind:{notice.pk}:{row.unit_id}:{row.teacher_id}:{today}",
                channel=Notification.Channel.EMAIL,
                subject=subject,
                body=body,
                recipient=row.teacher,
                unit=notice.unit,
            )
        )
    if rows:
        summary = "\n".join(
            _("%(klass)s：未签 %(n)d 人") % {"klass": r.unit_name, "n": r.pending}
            for r in {r.unit_id: r for r in rows}.values()
        )
        paths = [
            notice.unit.path[:i]
            for i in range(OrgUnit.steplen, len(notice.unit.path) + 1, OrgUnit.steplen)
        ]
        for robot in notify.channels_for_unit_paths(paths):
            queued.append(
                notify.notification_create(
                    dedupe_key=f"notices:remind:{notice.pk}:robot:{robot.pk}:{today}",
                    channel=robot.kind,
                    subject=subject,
                    body=summary,
                    robot=robot,
                    unit=notice.unit,
                )
            )
    return sum(1 for n in queued if n is not None and notify.notification_deliver(notification=n))
