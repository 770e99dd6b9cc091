"""Reads of the case ledger for pages, the API, the timeline and the 一案双查 report."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core import coverage
from wuzha.core.coverage import CoverageEvent
from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.core.selectors import sensitive_reads
from wuzha.learning.taxonomy import FraudType
from wuzha.orgs.models import OrgUnit

from .models import Case, CaseEvent

# The screening channel is a check on the student, not education received.
NOT_EDUCATION = frozenset({"screened"})
DUAL_CHECK_WINDOW_DAYS = 365
DUTY_MONTHS = 3
CASE_SUBJECT = "cases.case"


def unit_cases(
    unit: OrgUnit,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    status: str = "",
    fraud_type: str = "",
) -> QuerySet[Case]:
    """Cases of `unit`'s subtree, newest first, optionally within dates / status / type."""
    qs = Case.objects.in_subtree(unit).select_related("unit")
    if start is not None:
        qs = qs.filter(occurred_at__date__gte=start)
    if end is not None:
        qs = qs.filter(occurred_at__date__lte=end)
    if status:
        qs = qs.filter(status=status)
    if fraud_type:
        qs = qs.filter(fraud_type=fraud_type)
    return qs.order_by("-occurred_at", "-id")


@dataclass
class TypeRow:
    code: str
    label: str
    count: int
    amount_lost_fen: int


@dataclass
class CaseStats:
    count: int = 0
    amount_lost_fen: int = 0
    amount_recovered_fen: int = 0
    amount_frozen_fen: int = 0
    emergencies: int = 0
    by_type: list[TypeRow] = field(default_factory=list)


def unit_case_stats(unit: OrgUnit, start: datetime.date, end: datetime.date) -> CaseStats:
    """Counts and money of the subtree's cases that occurred between `start` and `end`."""
    qs = unit_cases(unit, start=start, end=end).order_by()
    totals = qs.aggregate(
        count=Count("pk"),
        lost=Sum("amount_lost_fen"),
        recovered=Sum("amount_recovered_fen"),
        frozen=Sum("amount_frozen_fen"),
        emergencies=Count("pk", filter=Q(is_emergency=True)),
    )
    rows = qs.values("fraud_type").annotate(n=Count("pk"), lost=Sum("amount_lost_fen"))
    by_type = sorted(
        (
            TypeRow(
                code=r["fraud_type"],
                label=str(FraudType(r["fraud_type"]).label),
                count=r["n"],
                amount_lost_fen=r["lost"] or 0,
            )
            for r in rows
        ),
        key=lambda r: (-r.count, r.code),
    )
    return CaseStats(
        count=totals["count"],
        amount_lost_fen=totals["lost"] or 0,
        amount_recovered_fen=totals["recovered"] or 0,
        amount_frozen_fen=totals["frozen"] or 0,
        emergencies=totals["emergencies"],
        by_type=by_type,
    )


def default_period(today: datetime.date | None = None) -> Period:
    return period_containing(PeriodKind.YEAR, today or timezone.localdate())


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------


def minutes_between(a: datetime.datetime | None, b: datetime.datetime | None) -> int | None:
    if a is None or b is None:
        return None
    return int((b - a).total_seconds() // 60)


@dataclass
class TimelineRow:
    event: CaseEvent
    since_transfer: int | None
    since_previous: int | None


@dataclass
class Timeline:
    rows: list[TimelineRow]
    transfer_to_school: int | None
    school_to_notified: int | None
    notified_to_ack: int | None
    transfer_to_ack: int | None
    transfer_to_result: int | None


def case_timeline(case: Case) -> Timeline:
    """The case's events in order with the minutes since the transfer and the previous event."""
    events = list(case.events.select_related("by").order_by("at", "id"))
    rows = []
    previous: datetime.datetime | None = None
    for event in events:
        rows.append(
            TimelineRow(
                event=event,
                since_transfer=minutes_between(case.occurred_at, event.at),
                since_previous=minutes_between(previous, event.at),
            )
        )
        previous = event.at
    return Timeline(
        rows=rows,
        transfer_to_school=minutes_between(case.occurred_at, case.reported_school_at),
        school_to_notified=minutes_between(case.reported_school_at, case.notified_at),
        notified_to_ack=minutes_between(case.notified_at, case.acknowledged_at),
        transfer_to_ack=minutes_between(case.occurred_at, case.acknowledged_at),
        transfer_to_result=minutes_between(case.occurred_at, case.stop_result_at),
    )


# ---------------------------------------------------------------------------------------------
# Restricted reads
# ---------------------------------------------------------------------------------------------


def restricted_reads(unit: OrgUnit, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest reads of restricted case fields in `unit`'s subtree, with the case each names."""
    cases = Case.objects.in_subtree(unit).only("pk", "victim_name", "unit")
    return [
        {"read": read, "case": case}
        for read, case in sensitive_reads(CASE_SUBJECT, cases, limit=limit)
    ]


# ---------------------------------------------------------------------------------------------
# 一案双查
# ---------------------------------------------------------------------------------------------


@dataclass
class ChannelSection:
    code: str
    label: str
    events: list[CoverageEvent]


@dataclass
class DutyRow:
    unit: OrgUnit
    period: Period
    expected: int
    submitted: int
    missing: int
    rate: float | None


@dataclass
class DualCheckReport:
    case: Case
    window_start: datetime.date
    window_end: datetime.date
    window_days: int
    in_roster: bool
    channels: list[ChannelSection]
    education_events: list[CoverageEvent]
    key_persons: list[Any]
    duties: list[DutyRow] | None  # None when the plans app is not installed

    @property
    def no_education(self) -> bool:
        return self.in_roster and not self.education_events


def _responsible_units(case: Case) -> list[OrgUnit]:
    """The case's unit and its ancestors up to its school (or just the unit outside schools)."""
    school = case.unit.school()
    if school is None:
        return [case.unit]
    paths = [p for p in [*case.unit.ancestor_paths(), case.unit.path] if p.startswith(school.path)]
    return list(OrgUnit.objects.filter(path__in=paths).order_by("depth"))


def _duty_rows(case: Case, end: datetime.date) -> list[DutyRow] | None:
    try:
        from wuzha.plans import selectors as plans_selectors
    except ImportError:
        return None
    months: list[Period] = []
    day = end
    for _i in range(DUTY_MONTHS):
        month = period_containing(PeriodKind.MONTH, day)
        months.append(month)
        day = month.start - datetime.timedelta(days=1)
    rows = []
    for unit in _responsible_units(case):
        for month in months:
            total, _rows = plans_selectors.duty_completeness(unit, month, today=end)
            rows.append(
                DutyRow(
                    unit=unit,
                    period=month,
                    expected=total.expected,
                    submitted=total.submitted,
                    missing=total.missing,
                    rate=total.rate,
                )
            )
    return rows


def dual_check_report(case: Case) -> DualCheckReport:
    """一案双查: what reached the victim before the case, and how the responsible units did."""
    from wuzha.risk.selectors import person_key_files

    end = timezone.localtime(case.occurred_at).date()
    start = end - datetime.timedelta(days=DUAL_CHECK_WINDOW_DAYS)
    sections: list[ChannelSection] = []
    education: list[CoverageEvent] = []
    key_persons: list[Any] = []
    if case.victim is not None:
        for channel in coverage.channels():
            events = channel.events(case.victim, start, end)
            sections.append(
                ChannelSection(code=channel.code, label=str(channel.label), events=events)
            )
            if channel.code not in NOT_EDUCATION:
                education.extend(events)
        key_persons = person_key_files(case.victim)
    return DualCheckReport(
        case=case,
        window_start=start,
        window_end=end,
        window_days=DUAL_CHECK_WINDOW_DAYS,
        in_roster=case.victim is not None,
        channels=sections,
        education_events=sorted(education, key=lambda e: e.date),
        key_persons=key_persons,
        duties=_duty_rows(case, end),
    )


def dual_check_docx(report: DualCheckReport) -> bytes:
    """The report as a Word document."""
    import io

    from docx import Document

    from .services import format_yuan

    case = report.case
    doc = Document()
    doc.add_heading(_("一案双查报告"), level=1)
    local = timezone.localtime(case.occurred_at)
    doc.add_paragraph(
        _("案件编号：%(pk)s　单位：%(unit)s　案发时间：%(t)s　类型：%(type)s　损失：%(amount)s")
        % {
            "pk": case.pk,
            "unit": case.unit.full_name(),
            "t": f"{local:%Y-%m-%d %H:%M}",
            "type": case.get_fraud_type_display(),
            "amount": format_yuan(case.amount_lost_fen),
        }
    )
    doc.add_paragraph(
        _("核查范围：%(a)s 至 %(b)s") % {"a": report.window_start, "b": report.window_end}
    )
    doc.add_heading(_("一、受害人接受宣传教育情况"), level=2)
    if not report.in_roster:
        doc.add_paragraph(_("受害人不在名册中，无法查询个人覆盖记录。"))
    else:
        if report.no_education:
            doc.add_paragraph(
                _("【预警】受害人在核查范围内未接受任何防诈宣传教育，已启动责任倒查。")
            )
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        header = table.rows[0].cells
        header[0].text, header[1].text, header[2].text = _("渠道"), _("日期"), _("记录")
        for section in report.channels:
            if not section.events:
                cells = table.add_row().cells
                cells[0].text, cells[1].text, cells[2].text = section.label, "—", _("无记录")
            for event in section.events:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = section.label, str(event.date)
                cells[2].text = event.label
        doc.add_heading(_("重点人员档案"), level=3)
        if report.key_persons:
            for kp in report.key_persons:
                doc.add_paragraph(
                    f"{kp.opened_at:%Y-%m-%d} {kp.get_risk_level_display()} "
                    f"{kp.categories_display} · {kp.get_status_display()}"
                )
        else:
            doc.add_paragraph(_("未列入重点人员。"))
    doc.add_heading(_("二、责任单位工作完成情况"), level=2)
    if report.duties is None:
        doc.add_paragraph(_("本平台未启用工作任务模块。"))
    else:
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            [_("单位"), _("期间"), _("应完成"), _("已提交"), _("完成率")],
            strict=True,
        ):
            cell.text = text
        for row in report.duties:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = row.unit.name, row.period.label
            cells[2].text, cells[3].text = str(row.expected), str(row.submitted)
            cells[4].text = "—" if row.rate is None else f"{row.rate}%"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
