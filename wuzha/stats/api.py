"""Indicators over JSON: `GET /api/v1/units/{code}/indicators?period=…`."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from wuzha.core.periods import PeriodError
from wuzha.orgs.access import get_unit_for_user, request_user

from . import indicators, selectors

router = Router(tags=["统计指标"])


class TargetOut(Schema):
    text: str = Field(description="目标原文，如“学生涉诈案件数：-50% · 较2021年”")
    comparison: str = Field(description="at_least / at_most / change_pct")
    value: float
    met: bool | None = Field(description="是否达到目标；无法判断时为空")
    progress: float | None = Field(description="完成进度（占目标的百分比）")


class IndicatorOut(Schema):
    code: str
    label: str
    kind: str = Field(description="rate（比率）/ count（数量）/ money（金额，元）")
    factor: int = Field(description="比率的倍数：100 为百分比，10000 为万人比")
    numerator: float
    denominator: float | None
    value: float | None = Field(description="值；分母为0或暂无数据时为空")
    available: bool = Field(description="为 false 时该指标暂无数据来源")
    small: bool = Field(description="分母小于最小样本数，比率不宜比较")
    previous: float | None = Field(description="上年同期值")
    change_yoy: float | None = Field(description="较上年同期：数量为百分比变化，比率为百分点差")
    baseline: float | None = Field(description="基准年同期值")
    change_baseline: float | None = Field(description="较基准年同期")
    target: TargetOut | None


class UnitIndicatorsOut(Schema):
    code: str
    name: str
    kind: str
    is_self: bool = Field(description="为 true 时是直接登记在上级本级的数据")
    indicators: list[IndicatorOut]


class IndicatorsOut(Schema):
    period: str
    period_label: str
    start: str
    end: str
    baseline_year: int | None
    min_denominator: int
    unit: UnitIndicatorsOut
    children: list[UnitIndicatorsOut]


class ErrorOut(Schema):
    detail: str


def _cell(cell: indicators.Cell) -> dict[str, Any]:
    target = None
    if cell.target is not None:
        progress = cell.progress
        target = {
            "text": cell.target.text,
            "comparison": cell.target.comparison,
            "value": cell.target.value,
            "met": progress.met if progress else None,
            "progress": progress.share if progress else None,
        }
    d = cell.definition
    return {
        "code": d.code,
        "label": str(d.label),
        "kind": d.kind,
        "factor": d.factor,
        "numerator": cell.numerator,
        "denominator": cell.denominator,
        "value": cell.value,
        "available": cell.available,
        "small": cell.small,
        "previous": cell.previous,
        "change_yoy": cell.change_yoy,
        "baseline": cell.baseline,
        "change_baseline": cell.change_baseline,
        "target": target,
    }


def _row(row: indicators.UnitRow) -> dict[str, Any]:
    return {
        "code": row.unit.code,
        "name": row.unit.name,
        "kind": row.unit.kind,
        "is_self": row.is_self,
        "indicators": [_cell(c) for c in row.cells.values()],
    }


@router.get(
    "/units/{code}/indicators",
    response={200: IndicatorsOut, 404: ErrorOut, 422: ErrorOut},
    summary="单位及下级的全部指标",
    description=(
        "period 取 2026-11（月）、2026-Q4（季度）、2026-T1（学期）、2026（年）等；"
        "缺省为当前学期。不在令牌所属用户范围内的单位返回 404。"
    ),
)
def unit_indicators(request: HttpRequest, code: str, period: str = "") -> Any:
    user = request_user(request)
    unit = get_unit_for_user(user, code)
    try:
        chosen = selectors.dashboard_period(unit, period)
    except PeriodError as exc:
        return Status(422, {"detail": str(exc)})
    table = indicators.unit_indicators(unit, chosen, today=timezone.localdate())
    return {
        "period": chosen.key,
        "period_label": chosen.label,
        "start": chosen.start.isoformat(),
        "end": chosen.end.isoformat(),
        "baseline_year": table.baseline_year,
        "min_denominator": indicators.min_denominator(),
        "unit": _row(table.total),
        "children": [_row(r) for r in table.rows],
    }
