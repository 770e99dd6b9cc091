"""Briefings (专项简报 every two weeks, 学期简报 per term): drafted from the records, edited and
issued by the office, archived with their Word file.

The figures a briefing prints are the dashboard's: `indicators.unit_indicators` for the same unit
and period; they are stored with the briefing (`figures`) so an issued briefing stays as issued.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core.periods import Period, PeriodError, PeriodKind, period_containing
from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, User

from . import documents, indicators
from .models import Briefing
from .services import OFFICE, competition_ranks

KIND_PERIOD = {Briefing.Kind.BIWEEKLY: PeriodKind.BIWEEK, Briefing.Kind.TERM: PeriodKind.TERM}
HEADLINE = ["coverage", "awareness", "receipts", "app_installs", "screening", "duties",
            "cases", "losses", "recovered", "cases_per_10k"]  # fmt: skip
TABLE = ["coverage", "receipts", "screening", "duties", "duties_on_time", "cases"]


def _cell_dict(cell: indicators.Cell) -> dict[str, Any]:
    return {
        "label": str(cell.definition.label),
        "numerator": cell.numerator,
        "denominator": cell.denominator,
        "value": cell.value,
        "display": cell.display,
        "small": cell.small,
    }


def _case_lines(unit: OrgUnit, period: Period, rows: list[indicators.UnitRow]) -> list[str]:
    """One line per case with no victim name: date, the child unit, victim kind, type, money."""
    from wuzha.cases.models import Case

    cases = Case.objects.filter(
        unit__path__startswith=unit.path,
        occurred_at__date__gte=period.start,
        occurred_at__date__lte=period.end,
    ).select_related("unit")
    paths = sorted(((r.unit.path, r.unit.name) for r in rows if not r.is_self), reverse=True)
    lines = []
    for case in cases.order_by("occurred_at", "pk")[:30]:
        where = next((n for p, n in paths if case.unit.path.startswith(p)), unit.name)
        line = _("%(d)s，%(w)s一名%(k)s遭遇“%(t)s”诈骗，损失%(a).2f元") % {
            "d": timezone.localtime(case.occurred_at).date().isoformat(),
            "w": where,
            "k": case.get_victim_kind_display(),
            "t": case.get_fraud_type_display(),
            "a": case.amount_lost_fen / 100,
        }
        if case.amount_recovered_fen:
            line += _("，已追回%(r).2f元") % {"r": case.amount_recovered_fen / 100}
        lines.append(line + "。")
    return lines


def _activities(unit: OrgUnit, period: Period) -> list[tuple[str, bytes | None]]:
    """Up to five activities of the period, largest first, each with one photo when there is."""
    from django.db.models import Count, Q

    from wuzha.outreach.models import ActivityFile
    from wuzha.outreach.selectors import activities_for

    activities = list(
        activities_for(unit, period.start, period.end)
        .select_related("unit")
        .annotate(present=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("-present", "-date", "-pk")[:5]
    )
    photos: dict[int, Any] = {}
    for f in (
        ActivityFile.objects.filter(
            activity__in=activities,
            role=ActivityFile.Role.PHOTO,
            evidence__content_type__startswith="image/",
        )
        .select_related("evidence")
        .order_by("pk")
    ):
        photos.setdefault(f.activity_id, f.evidence)
    out: list[tuple[str, bytes | None]] = []
    for a in activities:
        count = a.present or a.headcount or 0
        line = _("%(d)s %(u)s开展“%(t)s”（%(k)s），参加%(n)s人") % {
            "d": a.date.isoformat(),
            "u": a.unit.name,
            "t": a.title,
            "k": a.get_kind_display(),
            "n": count,
        }
        photo = None
        evidence = photos.get(a.pk)
        if evidence is not None:
            stored = evidence.thumbnail or evidence.file
            try:
                with stored.open("rb") as fh:
                    photo = fh.read()
            except OSError:
                photo = None
        out.append((line, photo))
    return out


def briefing_figures(unit: OrgUnit, period: Period, *, today: datetime.date) -> dict[str, Any]:
    """The numbers a briefing prints, computed exactly as the dashboard computes them."""
    table = indicators.unit_indicators(unit, period, today=today)
    children = [r for r in table.rows if not r.is_self]
    ranks = competition_ranks([(r.unit.pk, r.cells["cases"].value) for r in children])
    ranking = sorted(
        (
            {
                "code": r.unit.code,
                "name": r.unit.name,
                "cases": r.cells["cases"].value,
                "losses": r.cells["losses"].value,
                "cases_per_10k": r.cells["cases_per_10k"].value,
                "rank": ranks[r.unit.pk],
            }
            for r in children
        ),
        key=lambda x: (x["rank"], x["code"]),
    )
    return {
        "period": period.key,
        "period_label": period.label,
        "unit": {"code": unit.code, "name": unit.name},
        "headline": {c: _cell_dict(table.total.cells[c]) for c in HEADLINE},
        "children": [
            {
                "code": r.unit.code,
                "name": r.unit.name,
                "cells": {c: _cell_dict(r.cells[c]) for c in TABLE},
            }
            for r in children
        ],
        "ranking": ranking,
        "fraud_types": indicators.fraud_type_mix(unit, period),
        "trend": indicators.case_trend(unit, min(period.end, today)),
        "cases": _case_lines(unit, period, table.rows),
    }


def _docx(briefing: Briefing, period: Period) -> bytes:
    figures = briefing.figures
    headline = [(v["label"], v["display"]) for v in figures["headline"].values()]
    header = [_("单位")] + [str(indicators.BY_CODE[c].label) for c in TABLE]
    rows = [[c["name"]] + [c["cells"][k]["display"] for k in TABLE] for c in figures["children"]]
    rank_header = [_("名次"), _("单位"), _("发案数"), _("损失（元）"), _("万人发案数")]
    rank_rows = [
        [r["rank"], r["name"], r["cases"], r["losses"], r["cases_per_10k"] if r["cases_per_10k"]
         is not None else "—"]
        for r in figures["ranking"]
    ]  # fmt: skip
    charts = [
        documents.column_chart_png(
            _("近12个月发案数"),
            [t["key"] for t in figures["trend"]],
            [t["cases"] for t in figures["trend"]],
        ),
        documents.bar_chart_png(
            _("各单位宣传覆盖率"),
            [c["name"] for c in figures["children"]],
            [c["cells"]["coverage"]["value"] or 0 for c in figures["children"]],
            unit="%",
        ),
    ]
    if figures["fraud_types"]:
        charts.append(
            documents.bar_chart_png(
                _("诈骗类型分布（起）"),
                [t["label"] for t in figures["fraud_types"]],
                [t["count"] for t in figures["fraud_types"]],
            )
        )
    return documents.briefing_docx(
        documents.BriefingContent(
            title=briefing.title,
            issuer=briefing.unit.name,
            period_label=period.label,
            summary=briefing.summary,
            headline=headline,
            completeness_header=header,
            completeness_rows=rows,
            ranking_header=rank_header,
            ranking_rows=rank_rows,
            cases=figures["cases"],
            activities=_activities(briefing.unit, period),
            charts=charts,
        )
    )


def _check_office(user: User | None, unit: OrgUnit) -> None:
    if user is not None and not has_role(user, unit, OFFICE):
        raise PermissionDenied


def _write(briefing: Briefing, period: Period) -> None:
    content = _docx(briefing, period)
    if briefing.file:
        briefing.file.delete(save=False)
    briefing.file.save(
        f"briefing-{briefing.unit.code}-{briefing.period_key}.docx",
        ContentFile(content),
        save=False,
    )


@transaction.atomic
def briefing_draft(*, unit: OrgUnit, kind: str, period_key: str, by: User | None) -> Briefing:
    """Draft (or re-draft, while still a draft) the briefing of `unit` for a period."""
    _check_office(by, unit)
    if kind not in KIND_PERIOD:
        raise ValidationError({"kind": _("请选择简报类型")})
    try:
        period = indicators.period_for(unit, period_key)
    except PeriodError as exc:
        raise ValidationError({"period_key": str(exc)}) from exc
    if period.kind != KIND_PERIOD[Briefing.Kind(kind)]:
        raise ValidationError(
            {"period_key": _("双周简报请填写如 2026-BiW24 的双周，学期简报请填写如 2026-T1 的学期")}
        )
    briefing = (
        Briefing.objects.select_for_update()
        .filter(unit=unit, kind=kind, period_key=period.key)
        .first()
    )
    if briefing is not None and briefing.status == Briefing.Status.ISSUED:
        raise ValidationError(_("这一期简报已经印发，不能重新生成"))
    if briefing is None:
        label = Briefing.Kind(kind).label
        briefing = Briefing(
            unit=unit,
            kind=kind,
            period_key=period.key,
            title=_("%(u)s防范电信网络诈骗%(k)s（%(p)s）")
            % {"u": unit.name, "k": label, "p": period.label},
            created_by=by,
        )
    briefing.figures = briefing_figures(unit, period, today=timezone.localdate())
    _write(briefing, period)
    try:
        with transaction.atomic():
            briefing.save()
    except IntegrityError as exc:  # a concurrent double submit: keep the first one
        raise ValidationError(_("本单位这一期的简报已经存在")) from exc
    return briefing


@transaction.atomic
def briefing_update(*, briefing: Briefing, by: User, title: str, summary: str) -> Briefing:
    """The office edits the title and the narrative; the Word file is rewritten."""
    _check_office(by, briefing.unit)
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if briefing.status == Briefing.Status.ISSUED:
        raise ValidationError(_("已印发的简报不能修改"))
    if not title.strip():
        raise ValidationError({"title": _("请填写标题")})
    briefing.title = title.strip()
    briefing.summary = summary.strip()
    _write(briefing, indicators.period_for(briefing.unit, briefing.period_key))
    briefing.save()
    return briefing


@transaction.atomic
def briefing_issue(*, briefing: Briefing, by: User) -> Briefing:
    """Issue the briefing: its Word file is final and kept in the archive."""
    _check_office(by, briefing.unit)
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if briefing.status == Briefing.Status.ISSUED:
        return briefing
    _write(briefing, indicators.period_for(briefing.unit, briefing.period_key))
    briefing.status = Briefing.Status.ISSUED
    briefing.issued_by = by
    briefing.issued_at = timezone.now()
    briefing.save()
    return briefing


def briefings_draft_due(*, today: datetime.date | None = None) -> int:
    """Draft the briefings that are due and missing: for every unit running a campaign today,
    the 专项简报 of the last complete two weeks and, once a term has ended, that term's briefing.
    Returns how many drafts were created; existing briefings are left alone."""
    from wuzha.plans.models import Campaign
    from wuzha.plans.selectors import term_resolver_for

    today = today or timezone.localdate()
    units = OrgUnit.objects.filter(
        pk__in=Campaign.objects.filter(start_date__lte=today, end_date__gte=today).values(
            "unit_id"
        ),
        is_active=True,
    ).order_by("path")
    current = period_containing(PeriodKind.BIWEEK, today)
    biweek = period_containing(PeriodKind.BIWEEK, current.start - datetime.timedelta(days=1))
    created = 0
    for unit in units:
        wanted = [(Briefing.Kind.BIWEEKLY, biweek)]
        term = period_containing(PeriodKind.TERM, today, terms=term_resolver_for(unit))
        if not term.contains(today):  # a vacation: the term before it has ended
            previous = period_containing(
                PeriodKind.TERM,
                term.start - datetime.timedelta(days=1),
                terms=term_resolver_for(unit),
            )
            if previous.end < today:
                wanted.append((Briefing.Kind.TERM, previous))
        for kind, period in wanted:
            if Briefing.objects.filter(unit=unit, kind=kind, period_key=period.key).exists():
                continue
            briefing_draft(unit=unit, kind=kind, period_key=period.key, by=None)
            created += 1
    return created
