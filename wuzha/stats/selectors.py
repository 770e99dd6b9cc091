"""Reads for the stats pages, exports and the API."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.orgs.models import OrgUnit, User
from wuzha.plans.models import Campaign

from . import indicators
from .models import Briefing, Escalation, EvaluationRound, RankingEntry

DASHBOARD_CODES = list(indicators.BY_CODE)
CHART_CODES = ["coverage", "awareness", "receipts", "app_installs", "screening", "duties"]


def dashboard_period(
    unit: OrgUnit, key: str | None, *, today: datetime.date | None = None
) -> Period:
    """`key` parsed against the unit's term calendar; by default the current term."""
    from wuzha.plans.selectors import term_resolver_for

    if key:
        return indicators.period_for(unit, key)
    return period_containing(
        PeriodKind.TERM, today or timezone.localdate(), terms=term_resolver_for(unit)
    )


def period_choices(unit: OrgUnit, today: datetime.date) -> list[Period]:
    """This month, last month, this quarter, this term, this year and last year."""
    from wuzha.plans.selectors import term_resolver_for

    terms = term_resolver_for(unit)
    month = period_containing(PeriodKind.MONTH, today)
    last_month = period_containing(PeriodKind.MONTH, month.start - datetime.timedelta(days=1))
    year = period_containing(PeriodKind.YEAR, today)
    last_year = period_containing(PeriodKind.YEAR, year.start - datetime.timedelta(days=1))
    return [
        month,
        last_month,
        period_containing(PeriodKind.QUARTER, today),
        period_containing(PeriodKind.TERM, today, terms=terms),
        year,
        last_year,
    ]


@dataclass
class Dashboard:
    table: indicators.IndicatorTable
    trend: list[dict[str, Any]]
    fraud_types: list[dict[str, Any]]
    charts: dict[str, Any] = field(default_factory=dict)


def dashboard(unit: OrgUnit, period: Period, *, today: datetime.date) -> Dashboard:
    """Everything the dashboard of `unit` shows for `period`, in a bounded number of queries."""
    table = indicators.unit_indicators(unit, period, today=today)
    trend = indicators.case_trend(unit, min(period.end, today))
    mix = indicators.fraud_type_mix(unit, period)
    rows = [r for r in table.rows if not r.is_self]
    charts = {
        "trend": {
            "labels": [t["key"] for t in trend],
            "cases": [t["cases"] for t in trend],
            "lost": [t["lost"] for t in trend],
        },
        "children": {
            "labels": [r.unit.name for r in rows],
            "codes": [r.unit.code for r in rows],
            "series": [
                {
                    "name": str(indicators.BY_CODE[c].label),
                    "data": [r.cells[c].value for r in rows],
                }
                for c in ("coverage", "receipts", "duties")
            ],
            "cases": [r.cells["cases"].value for r in rows],
        },
        "types": [{"name": t["label"], "value": t["count"]} for t in mix],
        "gauges": [
            {
                "name": str(cell.definition.label),
                "value": cell.value,
                "target": cell.target.text,
                "met": cell.progress.met if cell.progress else None,
            }
            for cell in table.total.cells.values()
            if cell.target is not None and cell.definition.kind == indicators.RATE
        ],
    }
    return Dashboard(table=table, trend=trend, fraud_types=mix, charts=charts)


def rankings_for(parent: OrgUnit, *, limit_months: int = 12) -> list[dict[str, Any]]:
    """Published rankings of `parent`'s children, newest month first, one table per month."""
    entries = list(
        RankingEntry.objects.filter(parent=parent)
        .select_related("unit")
        .order_by("-period_key", "indicator", "rank", "unit__path")
    )
    months: dict[str, dict[str, Any]] = {}
    for e in entries:
        month = months.setdefault(e.period_key, {"key": e.period_key, "codes": [], "units": {}})
        if e.indicator not in month["codes"]:
            month["codes"].append(e.indicator)
        month["units"].setdefault(e.unit_id, {"unit": e.unit, "cells": {}})["cells"][
            e.indicator
        ] = e
    result = []
    for month in list(months.values())[:limit_months]:
        codes = month["codes"]
        first = codes[0]
        units = sorted(
            month["units"].values(),
            key=lambda u: (
                u["cells"][first].rank if first in u["cells"] else 10**6,
                u["unit"].path,
            ),
        )
        result.append(
            {
                "key": month["key"],
                "labels": [indicators.BY_CODE[c].label for c in codes if c in indicators.BY_CODE],
                "codes": codes,
                "rows": [
                    {"unit": u["unit"], "cells": [u["cells"].get(c) for c in codes]} for u in units
                ],
            }
        )
    return result


def unit_escalations(unit: OrgUnit) -> QuerySet[Escalation]:
    """Escalations of units in `unit`'s subtree, or issued by a campaign of `unit`."""
    return (
        Escalation.objects.filter(Q(unit__path__startswith=unit.path) | Q(campaign__unit=unit))
        .select_related("unit", "campaign", "finding__rectification")
        .order_by("-period_key", "unit__path", "level")
    )


def escalations_visible_to(user: User) -> QuerySet[Escalation]:
    units = OrgUnit.objects.visible_to(user).values("pk")
    if user.is_superuser:
        return Escalation.objects.all()
    return Escalation.objects.filter(Q(unit__in=units) | Q(campaign__unit__in=units))


def unit_campaigns(unit: OrgUnit) -> QuerySet[Campaign]:
    """Campaigns issued by `unit` itself (those whose rankings it runs)."""
    return Campaign.objects.filter(unit=unit).order_by("-start_date", "name")


def unit_evaluations(unit: OrgUnit) -> QuerySet[EvaluationRound]:
    return EvaluationRound.objects.filter(unit__path__startswith=unit.path).select_related("unit")


def unit_briefings(unit: OrgUnit) -> QuerySet[Briefing]:
    return Briefing.objects.filter(unit__path__startswith=unit.path).select_related("unit")
