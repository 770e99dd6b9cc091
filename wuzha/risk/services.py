"""Every write to screening rounds, key-person files and clues goes through here."""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core import notify
from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.orgs.models import Membership, OrgUnit, Person, PersonKind, Role, UnitKind, User

from .models import (
    CATEGORY_LABELS,
    Clue,
    ClueEvent,
    ClueFile,
    FollowUp,
    KeyGroup,
    KeyPerson,
    KeyPersonNote,
    Measure,
    RiskLevel,
    ScreeningEntry,
    ScreeningItem,
    ScreeningRound,
)

COUNTY_ROUND_KINDS = frozenset({UnitKind.COMMUNITY, UnitKind.VILLAGE})


# ---------------------------------------------------------------------------------------------
# Screening rounds
# ---------------------------------------------------------------------------------------------


def screening_period(today: datetime.date | None = None) -> Period:
    """The screening period containing `today` at the configured cadence (两周一次 by default)."""
    return period_containing(
        PeriodKind(settings.RISK_SCREENING_CADENCE), today or timezone.localdate()
    )


def round_kind_for(unit: OrgUnit) -> str | None:
    if unit.kind == UnitKind.CLASS:
        return ScreeningRound.Kind.SCHOOL
    if unit.kind in COUNTY_ROUND_KINDS:
        return ScreeningRound.Kind.COUNTY
    return None


def screening_round_open(
    *, unit: OrgUnit, today: datetime.date | None = None
) -> tuple[ScreeningRound, bool]:
    """The unit's round for the current period, created if missing."""
    kind = round_kind_for(unit)
    if kind is None:
        raise ValidationError(_("只有班级、社区和村可以开展逐人摸排"))
    period = screening_period(today)
    try:
        with transaction.atomic():
            return ScreeningRound.objects.get_or_create(
                unit=unit,
                kind=kind,
                period_key=period.key,
                defaults={"start": period.start, "end": period.end},
            )
    except IntegrityError:
        return ScreeningRound.objects.get(unit=unit, kind=kind, period_key=period.key), False


def screening_rounds_generate(
    *, today: datetime.date | None = None, root: OrgUnit | None = None
) -> int:
    """Create this period's round for every active class, community and village; return count."""
    period = screening_period(today)
    has_students = Person.objects.filter(
        unit__path__startswith=OuterRef("path"), is_active=True, kind=PersonKind.STUDENT
    )
    has_residents = Person.objects.filter(
        unit__path__startswith=OuterRef("path"), is_active=True, kind=PersonKind.RESIDENT
    )
    # Only units with someone to look at: an empty village is not a gap.
    units = (
        OrgUnit.objects.filter(is_active=True, kind__in=[UnitKind.CLASS, *COUNTY_ROUND_KINDS])
        .annotate(has_students=Exists(has_students), has_residents=Exists(has_residents))
        .filter(
            Q(kind=UnitKind.CLASS, has_students=True)
            | Q(kind__in=list(COUNTY_ROUND_KINDS), has_residents=True)
        )
        .exclude(screening_rounds__period_key=period.key)
    )
    if root is not None:
        units = units.filter(path__startswith=root.path)
    rounds = [
        ScreeningRound(
            unit=unit,
            kind=round_kind_for(unit) or "",
            period_key=period.key,
            start=period.start,
            end=period.end,
        )
        for unit in units
    ]
    ScreeningRound.objects.bulk_create(rounds, ignore_conflicts=True, batch_size=500)
    return len(rounds)


def _round_persons_ids(round: ScreeningRound) -> set[int]:
    from .selectors import round_persons

    return set(round_persons(round).values_list("pk", flat=True))


def _valid_flags(round: ScreeningRound, flags: Iterable[str]) -> list[str]:
    allowed = KeyGroup.values if round.kind == ScreeningRound.Kind.COUNTY else ScreeningItem.values
    cleaned = [f for f in dict.fromkeys(flags) if f in allowed]
    if len(cleaned) != len(set(flags)):
        raise ValidationError(_("摸排项目不正确"))
    return cleaned


def _mark_complete(round: ScreeningRound, by: User | None, expected: set[int]) -> None:
    checked = set(round.entries.values_list("person_id", flat=True))
    if round.completed_at is None and expected and expected <= checked:
        round.completed_at = timezone.now()
        round.completed_by = by
        round.save(update_fields=["completed_at", "completed_by", "updated_at"])


@transaction.atomic
def screening_entries_save(
    *,
    round: ScreeningRound,
    by: User | None,
    results: Mapping[int, tuple[Sequence[str], str]],
) -> int:
    """Record what was found for each person (id → (flags, note)); return how many were saved.

    A person not on the round's roster is refused. The round is complete once everyone on the
    roster has an entry.
    """
    expected = _round_persons_ids(round)
    unknown = set(results) - expected
    if unknown:
        raise ValidationError(_("有人员不在本轮摸排名单中"))
    now = timezone.now()
    existing = {e.person_id: e for e in round.entries.all()}
    for person_id, (flags, note) in results.items():
        cleaned = _valid_flags(round, flags)
        entry = existing.get(person_id)
        if entry is None:
            ScreeningEntry.objects.create(
                round=round,
                person_id=person_id,
                flags=cleaned,
                note=note.strip()[:500],
                checked_by=by,
                checked_at=now,
            )
        elif entry.flags != cleaned or entry.note != note.strip():
            entry.flags, entry.note = cleaned, note.strip()[:500]
            entry.checked_by, entry.checked_at = by, now
            entry.save(update_fields=["flags", "note", "checked_by", "checked_at"])
    _mark_complete(round, by, expected)
    return len(results)


@transaction.atomic
def screening_round_clear(*, round: ScreeningRound, by: User | None) -> int:
    """本班本轮无异常: record every person not yet checked as looked at with nothing found.

    Returns how many entries were added. The round is complete afterwards; it counts as the fast
    path only if nobody in it was flagged.
    """
    expected = _round_persons_ids(round)
    if not expected:
        raise ValidationError(_("本单位名册中没有人员，无法完成摸排"))
    now = timezone.now()
    done = set(round.entries.values_list("person_id", flat=True))
    ScreeningEntry.objects.bulk_create(
        [
            ScreeningEntry(round=round, person_id=pid, checked_by=by, checked_at=now)
            for pid in sorted(expected - done)
        ]
    )
    round.fast_path = not round.entries.exclude(flags=[]).exists()
    round.save(update_fields=["fast_path", "updated_at"])
    _mark_complete(round, by, expected)
    return len(expected - done)


# ---------------------------------------------------------------------------------------------
# Key persons
# ---------------------------------------------------------------------------------------------


def _clean_choices(values: Iterable[str], allowed: Iterable[str], field: str, msg: str) -> list:
    values = list(dict.fromkeys(values))
    if any(v not in set(allowed) for v in values):
        raise ValidationError({field: msg})
    return values


@transaction.atomic
def keyperson_open(
    *,
    person: Person,
    by: User | None,
    categories: Sequence[str],
    risk_level: str,
    measures: Sequence[str] = (),
    plan: str = "",
    first_followup_on: datetime.date | None = None,
    source_entry: ScreeningEntry | None = None,
) -> KeyPerson:
    """Open a key-person file with its plan; schedule a first follow-up for each measure."""
    categories = _clean_choices(categories, CATEGORY_LABELS, "categories", _("类别不正确"))
    if not categories:
        raise ValidationError({"categories": _("请至少选择一个类别")})
    measures = _clean_choices(measures, Measure.values, "measures", _("管控措施不正确"))
    if KeyPerson.objects.filter(person=person).exclude(status=KeyPerson.Status.CLOSED).exists():
        raise ValidationError({"person": _("该人员已有在管档案，请在原档案中更新")})
    now = timezone.now()
    kp = KeyPerson(
        person=person,
        unit=person.unit,
        categories=categories,
        risk_level=risk_level,
        measures=measures,
        plan=plan.strip(),
        opened_by=by,
        opened_at=now,
        source_entry=source_entry,
    )
    kp.full_clean()
    try:
        with transaction.atomic():
            kp.save()
    except IntegrityError:
        raise ValidationError({"person": _("该人员已有在管档案，请在原档案中更新")}) from None
    due = first_followup_on or (timezone.localdate(now) + datetime.timedelta(days=7))
    for measure in measures:
        FollowUp.objects.create(key_person=kp, kind=measure, due_on=due)
    return kp


@transaction.atomic
def keyperson_update(
    *,
    kp: KeyPerson,
    by: User | None,
    categories: Sequence[str],
    risk_level: str,
    measures: Sequence[str],
    plan: str,
) -> KeyPerson:
    kp.categories = _clean_choices(categories, CATEGORY_LABELS, "categories", _("类别不正确"))
    if not kp.categories:
        raise ValidationError({"categories": _("请至少选择一个类别")})
    kp.measures = _clean_choices(measures, Measure.values, "measures", _("管控措施不正确"))
    kp.risk_level = risk_level
    kp.plan = plan.strip()
    kp.full_clean()
    kp.save()
    return kp


@transaction.atomic
def followup_schedule(
    *, kp: KeyPerson, by: User | None, kind: str, due_on: datetime.date
) -> FollowUp:
    if kp.status == KeyPerson.Status.CLOSED:
        raise ValidationError(_("档案已销档，不能再安排跟进"))
    followup = FollowUp(key_person=kp, kind=kind, due_on=due_on)
    followup.full_clean()
    followup.save()
    return followup


@transaction.atomic
def followup_complete(*, followup: FollowUp, by: User | None, note: str) -> FollowUp:
    if not note.strip():
        raise ValidationError({"note": _("请填写跟进情况")})
    followup.done_at = timezone.now()
    followup.done_by = by
    followup.note = note.strip()
    followup.save(update_fields=["done_at", "done_by", "note"])
    return followup


def keyperson_note_add(*, kp: KeyPerson, by: User | None, text: str) -> KeyPersonNote:
    note = KeyPersonNote(key_person=kp, by=by, text=text.strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def keyperson_close_request(*, kp: KeyPerson, by: User | None, reason: str) -> KeyPerson:
    """Ask to close the file; a leader reviews the request."""
    if kp.status != KeyPerson.Status.OPEN:
        raise ValidationError(_("只有在管档案可以申请销档"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写销档理由")})
    kp.status = KeyPerson.Status.CLOSING
    kp.close_reason = reason.strip()
    kp.close_requested_by = by
    kp.save(update_fields=["status", "close_reason", "close_requested_by", "updated_at"])
    return kp


@transaction.atomic
def keyperson_review(*, kp: KeyPerson, by: User, approve: bool, note: str = "") -> KeyPerson:
    """Approve (close the file) or send it back to 在管 with the reviewer's note."""
    if kp.status != KeyPerson.Status.CLOSING:
        raise ValidationError(_("该档案没有待审核的销档申请"))
    if not approve and not note.strip():
        raise ValidationError({"note": _("退回时请写明理由")})
    kp.reviewed_by = by
    kp.review_note = note.strip()
    if approve:
        kp.status = KeyPerson.Status.CLOSED
        kp.closed_at = timezone.now()
    else:
        kp.status = KeyPerson.Status.OPEN
    kp.save(update_fields=["status", "closed_at", "reviewed_by", "review_note", "updated_at"])
    return kp


def followup_reminders_send(*, today: datetime.date | None = None) -> int:
    """Email each file's opener and the class teachers about follow-ups due or overdue.

    One digest per person per day (the dedupe key holds the date); returns digests queued.
    """
    today = today or timezone.localdate()
    due = list(
        FollowUp.objects.filter(
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=1),
            key_person__status=KeyPerson.Status.OPEN,
        ).select_related("key_person__unit", "key_person__opened_by")
    )
    if not due:
        return 0
    teachers = Membership.objects.filter(
        role=Role.TEACHER, unit_id__in={f.key_person.unit_id for f in due}, user__is_active=True
    ).select_related("user")
    by_unit: dict[int, list[User]] = {}
    for m in teachers:
        by_unit.setdefault(m.unit_id, []).append(m.user)
    digests: dict[int, tuple[User, list[FollowUp]]] = {}
    for f in due:
        owners = [*by_unit.get(f.key_person.unit_id, [])]
        if f.key_person.opened_by is not None:
            owners.append(f.key_person.opened_by)
        for user in owners:
            if user.email and user.is_active:
                digests.setdefault(user.pk, (user, []))[1].append(f)
    queued = 0
    for user_pk, (user, rows) in digests.items():
        overdue = sum(1 for f in rows if f.due_on < today)
        lines = [
            f"- {f.key_person.unit.name}：{f.get_kind_display()}，{f.due_on}"
            + (_("（已逾期）") if f.due_on < today else "")
            for f in rows
        ]
        created = notify.notification_create(
            dedupe_key=f"risk:followup:{today}:user:{user_pk}",
            channel="email",
            recipient=user,
            subject=_("【无诈】重点人员跟进提醒：%(n)s项，其中逾期%(o)s项")
            % {"n": len(rows), "o": overdue},
            body="\n".join(
                [_("请登录无诈平台完成以下重点人员跟进（姓名不在邮件中显示）："), *lines]
            ),
        )
        if created is not None:
            queued += 1
            notify.notification_deliver(notification=created)
    FollowUp.objects.filter(pk__in=[f.pk for f in due]).update(reminded_on=today)
    return queued


# ---------------------------------------------------------------------------------------------
# Clues
# ---------------------------------------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    Clue.Status.NEW: {Clue.Status.TRIAGED, Clue.Status.FORWARDED, Clue.Status.REJECTED},
    Clue.Status.TRIAGED: {Clue.Status.FORWARDED, Clue.Status.CLOSED, Clue.Status.REJECTED},
    Clue.Status.FORWARDED: {Clue.Status.CLOSED},
    Clue.Status.CLOSED: set(),
    Clue.Status.REJECTED: set(),
}


@transaction.atomic
def clue_submit(
    *,
    unit: OrgUnit,
    kind: str,
    content: str,
    target: str = "",
    occurred_on: datetime.date | None = None,
    anonymous: bool = False,
    reporter_name: str = "",
    reporter_contact: str = "",
    by: User | None = None,
    files: Sequence[Any] = (),
) -> Clue:
    """Record a clue (anonymous ones keep no name or contact) with its screenshots."""
    from wuzha.core.files import evidence_store

    if anonymous:
        reporter_name = reporter_contact = ""
    clue = Clue(
        unit=unit,
        kind=kind,
        content=content.strip(),
        target=target.strip(),
        occurred_on=occurred_on,
        anonymous=anonymous,
        reporter_name=reporter_name.strip(),
        reporter_contact=reporter_contact.strip(),
        reported_by=by,
    )
    clue.full_clean()
    clue.save()
    ClueEvent.objects.create(clue=clue, status=Clue.Status.NEW, by=by, at=timezone.now())
    for upload in files:
        stored = evidence_store(upload=upload, uploaded_by=by)
        ClueFile.objects.get_or_create(clue=clue, file=stored)
    return clue


def _transition(clue: Clue, status: str, by: User | None, note: str) -> None:
    if status not in TRANSITIONS[Clue.Status(clue.status)]:
        raise ValidationError(
            {
                "status": _("线索当前为“%(s)s”，不能改为“%(t)s”")
                % {"s": clue.get_status_display(), "t": Clue.Status(status).label}
            }
        )
    clue.status = status
    ClueEvent.objects.create(clue=clue, status=status, by=by, note=note.strip(), at=timezone.now())


@transaction.atomic
def clue_triage(
    *, clue: Clue, by: User | None, status: str, note: str = "", public_reply: str = ""
) -> Clue:
    """Move a clue to 核实中 / 已办结 / 不予受理 with a note, and what the reporter sees."""
    if status == Clue.Status.FORWARDED:
        raise ValidationError({"status": _("移交警方请使用“移交民警”")})
    _transition(clue, status, by, note)
    if public_reply.strip():
        clue.public_reply = public_reply.strip()
    clue.full_clean()
    clue.save(update_fields=["status", "public_reply", "updated_at"])
    return clue


@transaction.atomic
def clue_forward(*, clue: Clue, by: User | None, police: User, note: str = "") -> Clue:
    """Forward to a police liaison and tell them by email."""
    _transition(clue, Clue.Status.FORWARDED, by, note)
    clue.forwarded_to = police
    clue.forwarded_at = timezone.now()
    clue.save(update_fields=["status", "forwarded_to", "forwarded_at", "updated_at"])
    if police.email:
        notification = notify.notification_create(
            dedupe_key=f"risk:clue:{clue.pk}:forward:{police.pk}",
            channel="email",
            recipient=police,
            subject=_("【无诈】%(unit)s 移交线索 %(code)s")
            % {"unit": clue.unit.name, "code": clue.code},
            body=_("类型：%(k)s\n号码/链接/账户：%(t)s\n内容：%(c)s\n说明：%(n)s")
            % {
                "k": clue.get_kind_display(),
                "t": clue.target or "—",
                "c": clue.content,
                "n": note or "—",
            },
        )
        if notification is not None:
            from .tasks import deliver_notification

            pk = notification.pk
            transaction.on_commit(lambda: deliver_notification.enqueue(pk))
    return clue


def police_liaisons(unit: OrgUnit) -> list[User]:
    """Active users holding the police role on `unit` or an ancestor of it."""
    paths = [*unit.ancestor_paths(), unit.path]
    return list(
        User.objects.filter(
            memberships__role=Role.POLICE,
            memberships__unit__path__in=paths,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


RISK_LEVELS = RiskLevel.values
