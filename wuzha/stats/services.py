"""Every write of the stats app: rankings, escalations, evaluations and briefings."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.orgs.access import has_role
from wuzha.orgs.models import (
    SCHOOL_KINDS,
    Membership,
    OrgUnit,
    Person,
    PersonKind,
    Role,
    UnitKind,
    User,
)
from wuzha.plans.models import Campaign, Finding, Inspection, Rectification

from . import documents, indicators
from .models import (
    Escalation,
    EscalationRule,
    EvaluationCandidate,
    EvaluationKind,
    EvaluationRound,
    RankingEntry,
)

APPROVERS = frozenset({Role.ADMIN, Role.LEADER})
OFFICE = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR})


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------


def competition_ranks(values: Sequence[tuple[int, float | None]]) -> dict[int, int]:
    """Rank keys by value, highest first, with standard competition ranking ("1224"): tied
    values share a rank and the next rank skips the places they took. No value ranks last."""
    ordered = sorted(values, key=lambda kv: (kv[1] is None, -(kv[1] or 0)))
    ranks: dict[int, int] = {}
    previous: float | None = None
    rank = 0
    for place, (key, value) in enumerate(ordered, start=1):
        if place == 1 or value != previous:
            rank = place
        ranks[key] = rank
        previous = value
    return ranks


def ranked_units(parent: OrgUnit, unit_kind: str = "") -> list[OrgUnit]:
    """The units ranked against each other: `parent`'s children, or with `unit_kind` every unit
    of that kind below it (e.g. the 派出所 under a county's 公安局)."""
    if not unit_kind:
        return list(OrgUnit.objects.get_children(parent).filter(is_active=True).order_by("path"))
    return list(
        OrgUnit.objects.filter(path__startswith=parent.path, kind=unit_kind, is_active=True)
        .exclude(pk=parent.pk)
        .order_by("path")
    )


@transaction.atomic
def ranking_publish(
    *,
    parent: OrgUnit,
    period: Period,
    codes: Sequence[str],
    campaign: Campaign | None = None,
    unit_kind: str = "",
    today: datetime.date | None = None,
) -> list[RankingEntry]:
    """Rank the children of `parent` (of `unit_kind`) on each indicator for `period` and store
    the result, replacing an earlier ranking of the same period (re-running is harmless)."""
    unknown = [c for c in codes if c not in indicators.BY_CODE]
    if unknown or not codes:
        raise ValidationError({"indicators": _("请选择要排名的指标")})
    table = indicators.unit_indicators(
        parent,
        period,
        today=today or timezone.localdate(),
        codes=list(codes),
        compare=False,
        rows=ranked_units(parent, unit_kind),
    )
    rows = [r for r in table.rows if not r.is_self]
    RankingEntry.objects.filter(
        parent=parent, period_key=period.key, indicator__in=list(codes)
    ).delete()
    entries = []
    for code in codes:
        values = [(r.unit.pk, r.cells[code].value) for r in rows]
        ranks = competition_ranks(values)
        for row in rows:
            cell = row.cells[code]
            value = cell.value
            entries.append(
                RankingEntry(
                    parent=parent,
                    campaign=campaign,
                    period_key=period.key,
                    indicator=code,
                    unit=row.unit,
                    numerator=cell.numerator,
                    denominator=cell.denominator,
                    value=value,
                    rank=ranks[row.unit.pk],
                    is_top=ranks[row.unit.pk] == 1 and bool(value),
                )
            )
    RankingEntry.objects.bulk_create(entries)
    return entries


def top_on_all(parent: OrgUnit, period_key: str, codes: Sequence[str]) -> set[int]:
    """Ids of the units at the top of every one of `codes` in that published ranking."""
    tops: dict[int, int] = {}
    for unit_id in RankingEntry.objects.filter(
        parent=parent, period_key=period_key, indicator__in=list(codes), is_top=True
    ).values_list("unit_id", flat=True):
        tops[unit_id] = tops.get(unit_id, 0) + 1
    return {u for u, n in tops.items() if n == len(set(codes))}


def previous_month(period: Period) -> Period:
    return period_containing(PeriodKind.MONTH, period.start - datetime.timedelta(days=1))


# ---------------------------------------------------------------------------------------------
# Escalation (通报 → 约谈 → 挂牌整治)
# ---------------------------------------------------------------------------------------------


def escalation_rule_for(campaign: Campaign) -> EscalationRule:
    """The campaign's rule, created with the seeds' ladder the first time it is asked for."""
    rule, _created = EscalationRule.objects.get_or_create(campaign=campaign)
    return rule


def escalation_rule_update(*, rule: EscalationRule, **fields: Any) -> EscalationRule:
    for name, value in fields.items():
        setattr(rule, name, value)
    unknown = [c for c in rule.indicators if c not in indicators.BY_CODE]
    if unknown or not rule.indicators:
        raise ValidationError({"indicators": _("请选择要排名的指标")})
    rule.full_clean()
    rule.save()
    return rule


def _inspector_for(campaign: Campaign, by: User | None) -> User:
    if by is not None:
        return by
    if campaign.created_by is not None:
        return campaign.created_by
    member = (
        Membership.objects.filter(unit=campaign.unit, role__in=list(OFFICE), user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if member is None:
        raise ValidationError(_("发文单位没有可署名的办公室人员，无法下发整改事项"))
    return member.user


LEVEL_REQUIREMENTS = {
    Escalation.Level.NOTICE: gettext_lazy(
        "请对照排名查找宣传教育和防范工作中的薄弱环节，逐项整改。"
    ),
    Escalation.Level.DEPUTY: gettext_lazy(
        "领导小组将约谈你单位分管负责人，请分管负责人作出书面说明并提交整改方案。"
    ),
    Escalation.Level.HEAD: gettext_lazy(
        "领导小组将约谈你单位主要负责人，请主要负责人作出书面检查并限期扭转局面。"
    ),
    Escalation.Level.LISTED: gettext_lazy(
        "你单位已被多次通报，现予挂牌整治，整治期间每周报送整改进展。"
    ),
}


def _escalation_document(
    escalation: Escalation, rule: EscalationRule, period: Period, deadline: datetime.date
) -> bytes:
    entries = list(
        RankingEntry.objects.filter(
            parent=rule.campaign.unit, period_key=period.key, indicator__in=rule.indicators
        ).select_related("unit")
    )
    by_unit: dict[int, dict[str, RankingEntry]] = {}
    names: dict[int, str] = {}
    for e in entries:
        by_unit.setdefault(e.unit_id, {})[e.indicator] = e
        names[e.unit_id] = e.unit.name
    first = rule.indicators[0]
    order = sorted(by_unit, key=lambda u: (by_unit[u].get(first) and by_unit[u][first].rank, u))
    header = [_("单位")]
    for code in rule.indicators:
        header += [str(indicators.BY_CODE[code].label), _("名次")]
    rows = []
    for unit_id in order:
        row: list[Any] = [names[unit_id]]
        for code in rule.indicators:
            entry = by_unit[unit_id].get(code)
            value = "—" if entry is None or entry.value is None else f"{entry.value:g}"
            row += [value, entry.rank if entry else "—"]
        rows.append(row)
    return documents.escalation_docx(
        documents.EscalationText(
            issuer=rule.campaign.unit.name,
            unit=escalation.unit.name,
            level=escalation.get_level_display(),
            period=period.label,
            reason=escalation.reason,
            deadline=deadline.isoformat(),
            requirement=str(LEVEL_REQUIREMENTS[Escalation.Level(escalation.level)]),
            ranking_header=header,
            ranking_rows=rows,
        )
    )


def _rectification(
    escalation: Escalation, inspector: User, today: datetime.date, deadline: datetime.date
) -> Finding:
    from wuzha.plans import services as plans_services

    inspection = Inspection.objects.filter(
        unit=escalation.unit, inspector=inspector, date=today, method=Inspection.Method.DOCUMENTS
    ).first()
    if inspection is None:
        inspection = plans_services.inspection_create(
            unit=escalation.unit,
            inspector=inspector,
            date=today,
            method=Inspection.Method.DOCUMENTS,
            summary=_("月度排名通报：%(r)s") % {"r": escalation.reason},
        )
    return plans_services.finding_add(
        inspection=inspection,
        text=f"{escalation.get_level_display()}（{escalation.period_key}）：{escalation.reason}"[
            :500
        ],
        owner_unit=escalation.unit,
        deadline=deadline,
    )


@transaction.atomic
def escalate(
    *, rule: EscalationRule, period: Period, by: User | None = None, today: datetime.date | None
) -> list[Escalation]:
    """Apply the ladder to the published ranking of `period`; return the escalations created.

    A unit at the top of all the rule's indicators is notified (通报); after `deputy_months`
    such months in a row its deputy head is interviewed, after `head_months` its head; once
    notified `listing_notices` times it is listed for rectification (挂牌整治). Each escalation
    gets its 通报 document and a rectification item in the plans app. Re-running creates nothing.
    """
    today = today or timezone.localdate()
    campaign = rule.campaign
    parent = campaign.unit
    codes = list(rule.indicators)
    tops = top_on_all(parent, period.key, codes)
    if not tops:
        return []
    inspector = _inspector_for(campaign, by)
    deadline = today + datetime.timedelta(days=rule.rectify_days)
    units = OrgUnit.objects.in_bulk(list(tops))
    labels = "、".join(str(indicators.BY_CODE[c].label) for c in codes)
    # Consecutive months at the top, looking back as far as the ladder needs.
    streak = dict.fromkeys(tops, 1)
    month = period
    alive = set(tops)
    for _step in range(rule.head_months - 1):
        month = previous_month(month)
        alive &= top_on_all(parent, month.key, codes)
        for unit_id in alive:
            streak[unit_id] += 1
    created: list[Escalation] = []

    def add(unit: OrgUnit, level: str, reason: str) -> None:
        escalation, new = Escalation.objects.get_or_create(
            campaign=campaign,
            unit=unit,
            level=level,
            period_key=period.key,
            defaults={"reason": reason},
        )
        if not new:
            return
        escalation.finding = _rectification(escalation, inspector, today, deadline)
        escalation.document.save(
            f"escalation-{unit.code}-{period.key}-{level}.docx",
            ContentFile(_escalation_document(escalation, rule, period, deadline)),
            save=False,
        )
        escalation.save()
        created.append(escalation)

    for unit_id in sorted(tops, key=lambda u: units[u].path):
        unit = units[unit_id]
        months = streak[unit_id]
        add(
            unit,
            Escalation.Level.NOTICE,
            _("%(p)s，%(u)s的%(l)s均居各单位最高位（连续%(n)s个月）")
            % {"p": period.label, "u": unit.name, "l": labels, "n": months},
        )
        if months >= rule.head_months:
            add(
                unit,
                Escalation.Level.HEAD,
                _("%(u)s的%(l)s连续%(n)s个月居最高位") % {"u": unit.name, "l": labels, "n": months},
            )
        elif months >= rule.deputy_months:
            add(
                unit,
                Escalation.Level.DEPUTY,
                _("%(u)s的%(l)s连续%(n)s个月居最高位") % {"u": unit.name, "l": labels, "n": months},
            )
        notices = Escalation.objects.filter(
            campaign=campaign, unit=unit, level=Escalation.Level.NOTICE
        ).count()
        listed = Escalation.objects.filter(
            campaign=campaign, unit=unit, level=Escalation.Level.LISTED
        ).exists()
        if notices >= rule.listing_notices and not listed:
            add(
                unit,
                Escalation.Level.LISTED,
                _("%(u)s已被通报%(n)s次") % {"u": unit.name, "n": notices},
            )
    return created


def escalations_close_done(*, campaign: Campaign | None = None) -> int:
    """Close the open escalations whose rectification item has been confirmed (销号)."""
    qs = Escalation.objects.filter(
        status=Escalation.Status.OPEN,
        finding__rectification__status=Rectification.Status.CLOSED,
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.update(status=Escalation.Status.CLOSED, closed_at=timezone.now())


def rule_run(*, rule: EscalationRule, period: Period, by: User | None = None) -> list[Escalation]:
    """Publish the rule's ranking of `period` and apply its escalation ladder (office action)."""
    if period.kind != PeriodKind.MONTH:
        raise ValidationError({"period_key": _("排名按月进行，请填写如 2026-10 的月份")})
    ranking_publish(
        parent=rule.campaign.unit,
        period=period,
        codes=rule.indicators,
        campaign=rule.campaign,
        unit_kind=rule.unit_kind,
    )
    return escalate(rule=rule, period=period, by=by, today=None)


def monthly_ranking_run(
    *, period: Period | None = None, by: User | None = None, force: bool = False
) -> dict[str, int]:
    """Rank and escalate every campaign that has a rule and runs during the month (default:
    last month). A month already published is skipped unless `force`."""
    today = timezone.localdate()
    if period is None:
        period = previous_month(period_containing(PeriodKind.MONTH, today))
    result = {"rules": 0, "published": 0, "escalations": 0, "closed": 0}
    rules = EscalationRule.objects.filter(
        campaign__start_date__lte=period.end, campaign__end_date__gte=period.start
    ).select_related("campaign__unit", "campaign__created_by")
    for rule in rules:
        result["rules"] += 1
        parent = rule.campaign.unit
        exists = RankingEntry.objects.filter(parent=parent, period_key=period.key).exists()
        if exists and not force:
            continue
        ranking_publish(
            parent=parent,
            period=period,
            codes=rule.indicators,
            campaign=rule.campaign,
            unit_kind=rule.unit_kind,
            today=today,
        )
        result["published"] += 1
        result["escalations"] += len(escalate(rule=rule, period=period, by=by, today=today))
    result["closed"] = escalations_close_done()
    return result


# ---------------------------------------------------------------------------------------------
# 无诈 evaluations
# ---------------------------------------------------------------------------------------------

KIND_UNITS: dict[str, list[str]] = {
    EvaluationKind.CLASS: [UnitKind.CLASS],
    EvaluationKind.GROUP: [UnitKind.GROUP],
    EvaluationKind.CAMPUS: sorted(SCHOOL_KINDS),
    EvaluationKind.VILLAGE: [UnitKind.COMMUNITY, UnitKind.VILLAGE],
}


@dataclass(frozen=True)
class Evidence:
    criterion: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "passed": self.passed, "detail": self.detail}


def _unit_evidence(round: EvaluationRound, cells: dict[str, indicators.Cell]) -> list[Evidence]:
    out = []
    if round.require_no_case:
        n = int(cells["cases"].numerator)
        out.append(Evidence(_("期间内无被骗案件"), n == 0, _("案件 %(n)s 起") % {"n": n}))
    if round.require_receipts_full:
        c = cells["receipts"]
        if not c.denominator:
            out.append(Evidence(_("家长回执全部签收"), True, _("本期无需签收的回执")))
        else:
            out.append(
                Evidence(
                    _("家长回执全部签收"),
                    c.numerator >= c.denominator,
                    _("已签 %(a)s / 应签 %(b)s") % {"a": int(c.numerator), "b": int(c.denominator)},
                )
            )
    if round.min_pass_rate is not None:
        c = cells["awareness"]
        threshold = float(round.min_pass_rate)
        label = _("知晓率不低于%(x)s%%") % {"x": f"{threshold:g}"}
        if not c.available or c.value is None:
            out.append(Evidence(label, False, _("暂无测试数据")))
        else:
            out.append(Evidence(label, c.value >= threshold, _("知晓率 %(v)s") % {"v": c.display}))
    if round.require_duties_complete:
        c = cells["duties"]
        if not c.denominator:
            out.append(Evidence(_("工作任务全部完成"), True, _("本期无到期任务")))
        else:
            out.append(
                Evidence(
                    _("工作任务全部完成"),
                    c.numerator >= c.denominator,
                    _("已完成 %(a)s / 到期 %(b)s")
                    % {"a": int(c.numerator), "b": int(c.denominator)},
                )
            )
    return out


def _unit_candidates(round: EvaluationRound, period: Period) -> list[EvaluationCandidate]:
    targets = list(
        OrgUnit.objects.filter(
            path__startswith=round.unit.path, kind__in=KIND_UNITS[round.kind], is_active=True
        ).order_by("path")
    )
    codes = ["cases", "receipts", "awareness", "duties"]
    table = indicators.unit_indicators(
        round.unit, period, today=timezone.localdate(), codes=codes, compare=False, rows=targets
    )
    cells_by_unit = {r.unit.pk: r.cells for r in table.rows if not r.is_self}
    if round.unit in targets:  # e.g. a 无诈校园 evaluation opened by the school itself
        cells_by_unit[round.unit.pk] = table.total.cells
    candidates = []
    for unit in targets:
        cells = cells_by_unit.get(unit.pk)
        if cells is None:
            continue
        evidence = _unit_evidence(round, cells)
        candidates.append(
            EvaluationCandidate(
                round=round,
                unit=unit,
                evidence=[e.as_dict() for e in evidence],
                qualifies=all(e.passed for e in evidence),
            )
        )
    return candidates


def _family_candidates(round: EvaluationRound, period: Period) -> list[EvaluationCandidate]:
    """One candidate per student: no case against the student or a guardian, every letter of
    the period signed, and (with a pass rate) the student passed a test."""
    from wuzha.cases.models import Case
    from wuzha.core import coverage
    from wuzha.notices.models import Audience, Delivery, Notice
    from wuzha.orgs.models import Guardianship

    students = list(
        Person.objects.in_subtree(round.unit)
        .filter(is_active=True, kind=PersonKind.STUDENT)
        .select_related("unit")
        .order_by("unit__path", "number", "pk")
    )
    in_period = Q(occurred_at__date__gte=period.start, occurred_at__date__lte=period.end)
    victims = set(
        Case.objects.filter(in_period, victim__isnull=False).values_list("victim_id", flat=True)
    )
    guardian_of: dict[int, set[int]] = {}
    for student_id, guardian_id in Guardianship.objects.filter(
        student__in=[s.pk for s in students]
    ).values_list("student_id", "guardian_id"):
        guardian_of.setdefault(student_id, set()).add(guardian_id)
    deliveries: dict[int, list[str]] = {}
    for person_id, state in Delivery.objects.filter(
        person__in=[s.pk for s in students],
        notice__status=Notice.Status.ISSUED,
        notice__audience=Audience.GUARDIANS,
        notice__deadline__gte=period.start,
        notice__deadline__lte=period.end,
    ).values_list("person_id", "state"):
        deliveries.setdefault(person_id, []).append(state)
    quiz = next((c for c in coverage.channels() if c.code == indicators.QUIZ_CHANNEL), None)
    passed: set[int] | None = None
    if quiz is not None:
        reached = quiz.reached(round.unit, period.start, period.end)
        passed = set(Person.objects.filter(pk__in=reached).values_list("pk", flat=True))
    candidates = []
    for student in students:
        evidence = []
        if round.require_no_case:
            hit = student.pk in victims or bool(guardian_of.get(student.pk, set()) & victims)
            detail = _("有案件") if hit else _("无案件")
            evidence.append(Evidence(_("家庭成员期间内无被骗案件"), not hit, detail))
        if round.require_receipts_full:
            states = deliveries.get(student.pk, [])
            signed = sum(1 for s in states if s != Delivery.State.PENDING)
            evidence.append(
                Evidence(
                    _("家长回执全部签收"),
                    signed == len(states),
                    _("已签 %(a)s / 应签 %(b)s") % {"a": signed, "b": len(states)},
                )
            )
        if round.min_pass_rate is not None:
            ok = passed is not None and student.pk in passed
            detail = _("暂无测试数据") if passed is None else (_("已通过") if ok else _("未通过"))
            evidence.append(Evidence(_("学生通过反诈知识测试"), ok, detail))
        candidates.append(
            EvaluationCandidate(
                round=round,
                unit=student.unit,
                person=student,
                evidence=[e.as_dict() for e in evidence],
                qualifies=all(e.passed for e in evidence),
            )
        )
    return candidates


@transaction.atomic
def evaluation_refresh(*, round: EvaluationRound) -> int:
    """Recompute the candidates of an open round from the records; return how many qualify."""
    if round.status != EvaluationRound.Status.OPEN:
        raise ValidationError(_("评选已审定，不能重新计算"))
    period = indicators.period_for(round.unit, round.period_key)
    round.candidates.all().delete()
    if round.kind == EvaluationKind.FAMILY:
        candidates = _family_candidates(round, period)
    else:
        candidates = _unit_candidates(round, period)
    EvaluationCandidate.objects.bulk_create(candidates)
    return sum(1 for c in candidates if c.qualifies)


@transaction.atomic
def evaluation_open(
    *,
    unit: OrgUnit,
    kind: str,
    period_key: str,
    by: User | None,
    require_no_case: bool = True,
    require_receipts_full: bool = True,
    min_pass_rate: float | None = None,
    require_duties_complete: bool = True,
) -> EvaluationRound:
    """Open a 无诈 evaluation of `unit`'s subtree and list its candidates with evidence."""
    from wuzha.core.periods import PeriodError

    try:
        period = indicators.period_for(unit, period_key)
    except PeriodError as exc:
        raise ValidationError({"period_key": str(exc)}) from exc
    round = EvaluationRound(
        unit=unit,
        kind=kind,
        period_key=period.key,
        require_no_case=require_no_case,
        require_receipts_full=require_receipts_full,
        min_pass_rate=min_pass_rate,
        require_duties_complete=require_duties_complete,
        created_by=by,
    )
    round.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError as exc:
        raise ValidationError(_("本单位这一期间已有同类评选")) from exc
    evaluation_refresh(round=round)
    return round


@transaction.atomic
def evaluation_approve(
    *, round: EvaluationRound, by: User, candidate_ids: Iterable[int]
) -> EvaluationRound:
    """The unit leader approves the chosen qualifying candidates; each gets a certificate number."""
    round = EvaluationRound.objects.select_for_update().get(pk=round.pk)
    if not has_role(by, round.unit, APPROVERS):
        raise PermissionDenied
    if round.status != EvaluationRound.Status.OPEN:
        raise ValidationError(_("该评选已审定"))
    chosen = set(candidate_ids)
    candidates = list(round.candidates.order_by("unit__path", "person__number", "pk"))
    wrong = [c for c in candidates if c.pk in chosen and not c.qualifies]
    if wrong:
        raise ValidationError({"candidates": _("只能审定符合全部条件的对象")})
    if not chosen:
        raise ValidationError({"candidates": _("请至少选择一个获评对象")})
    number = 0
    for c in candidates:
        c.approved = c.pk in chosen
        if c.approved:
            number += 1
            c.certificate_no = f"WZ-{round.period_key}-{round.pk:03d}-{number:03d}"
    EvaluationCandidate.objects.bulk_update(candidates, ["approved", "certificate_no"])
    round.status = EvaluationRound.Status.APPROVED
    round.approved_by = by
    round.approved_at = timezone.now()
    round.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return round


def evaluation_certificates(round: EvaluationRound) -> bytes:
    """The certificates of an approved round, one page per awarded candidate."""
    if round.status != EvaluationRound.Status.APPROVED:
        raise ValidationError(_("评选审定后才能打印证书"))
    title = round.get_kind_display()
    rows = []
    for c in round.candidates.filter(approved=True).select_related("unit", "person"):
        awardee = c.unit.full_name()
        if c.person is not None:
            awardee = _("%(n)s同学家庭（%(u)s）") % {"n": c.person.name, "u": c.unit.name}
        rows.append((c.certificate_no, awardee, title))
    date_text = timezone.localtime(round.approved_at).strftime("%Y年%m月%d日")
    return documents.certificate_pdf(rows, issuer=round.unit.name, date_text=date_text)
