"""Completeness of scheduled duties, per unit and period, for token clients."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from wuzha.core.periods import PeriodError, PeriodKind, parse, period_containing
from wuzha.orgs import access as org_access
from wuzha.orgs.access import request_user

from .selectors import Completeness, duty_completeness, term_resolver_for

router = Router(tags=["工作任务"])


class CompletenessOut(Schema):
    expected: int = Field(description="期间内截止的任务数")
    submitted: int = Field(description="已提交（待审核或已通过）")
    on_time: int = Field(description="按时提交")
    late: int = Field(description="逾期提交")
    missing: int = Field(description="已过截止日期仍未提交（含被退回未重交）")
    pending: int = Field(description="尚未到截止日期、未提交")


class UnitCompletenessOut(CompletenessOut):
    code: str = Field(description="单位代码")
    name: str = Field(description="单位名称")
    kind: str = Field(description="单位类型")
    is_gap: bool = Field(description="有到期任务但一项都没有提交")


class PeriodOut(Schema):
    key: str = Field(description="期间代码，如 2026-11、2026-W47、2026-T1")
    label: str = Field(description="期间名称")
    start: str = Field(description="开始日期")
    end: str = Field(description="结束日期（含）")


class CompletenessReportOut(Schema):
    unit: UnitCompletenessOut
    period: PeriodOut
    children: list[UnitCompletenessOut] = Field(description="直属下级单位")


class CompletenessQuery(Schema):
    period: str | None = Field(
        None,
        description="期间：2026-11（月）、2026-W47（周）、2026-T1/T2（学期）、2026（年）；默认本月",
    )


class ErrorOut(Schema):
    detail: str


def _row(code: str, name: str, kind: str, counts: Completeness) -> UnitCompletenessOut:
    return UnitCompletenessOut(
        code=code, name=name, kind=kind, is_gap=counts.is_gap, **counts.as_dict()
    )


@router.get(
    "/units/{code}/completeness",
    response={200: CompletenessReportOut, 400: ErrorOut, 404: ErrorOut},
    summary="任务完成情况",
    description=(
        "在期间内截止的任务：应交、已交、按时、逾期、缺报，本单位合计及每个直属下级单位。"
        "学期按适用于该单位的校历解析。范围外的单位返回 404。"
    ),
)
def completeness(
    request: HttpRequest, code: str, params: Query[CompletenessQuery]
) -> CompletenessReportOut:
    user = request_user(request)
    unit = org_access.get_unit_for_user(user, code)
    today = timezone.localdate()
    try:
        if params.period:
            period = parse(params.period, terms=term_resolver_for(unit))
        else:
            period = period_containing(PeriodKind.MONTH, today)
    except PeriodError as exc:
        raise HttpError(400, str(exc)) from exc
    total, rows = duty_completeness(unit, period, today=today)
    return CompletenessReportOut(
        unit=_row(unit.code, unit.name, unit.kind, total),
        period=PeriodOut(
            key=period.key,
            label=period.label,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        ),
        children=[
            _row(r.unit.code, r.unit.name, r.unit.kind, r.counts) for r in rows if not r.is_self
        ],
    )
