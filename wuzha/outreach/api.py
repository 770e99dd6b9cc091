"""Coverage over the API: per child unit, persons, reached, rate and counts by channel."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from wuzha.core.periods import PeriodError
from wuzha.orgs.access import get_unit_for_user, request_user
from wuzha.orgs.models import PersonKind

from . import selectors

router = Router(tags=["宣传与覆盖"])


class ChannelOut(Schema):
    code: str = Field(description="渠道代码，如 activity、home_visit")
    label: str = Field(description="渠道名称")


class CountsOut(Schema):
    persons: int = Field(description="在册人数")
    reached: int = Field(description="至少被一个渠道覆盖的人数")
    rate: float | None = Field(description="覆盖率（%），在册人数为 0 时为空")
    by_channel: dict[str, int] = Field(description="各渠道覆盖人数，键为渠道代码")


class ChildOut(CountsOut):
    code: str = Field(description="下级单位代码")
    name: str = Field(description="下级单位名称")
    kind: str = Field(description="下级单位类型")
    is_self: bool = Field(description="为真时表示直接属于本单位（不在任何下级单位中）的人员")


class PeriodOut(Schema):
    key: str = Field(description="期间代码，如 2026-11、2026-W47、2026-T1")
    label: str = Field(description="期间名称")
    start: datetime.date = Field(description="开始日期")
    end: datetime.date = Field(description="结束日期（含）")


class CoverageOut(Schema):
    unit_code: str = Field(description="单位代码")
    unit_name: str = Field(description="单位名称")
    kind: str = Field(description="人员类别")
    period: PeriodOut
    channels: list[ChannelOut] = Field(description="已注册的覆盖渠道")
    total: CountsOut = Field(description="本单位及全部下级单位合计")
    children: list[ChildOut] = Field(description="各直属下级单位")


class CoverageQuery(Schema):
    period: str | None = Field(
        None,
        description="期间：2026-11（月）、2026-W47（周）、2026-T1（学期）、2026（年）等；默认本学期",
    )
    kind: PersonKind = Field(PersonKind.STUDENT, description="统计的人员类别，默认学生")


class ErrorOut(Schema):
    detail: str = Field(description="错误说明")


def _counts(counts: selectors.CoverageCounts) -> dict[str, object]:
    return {
        "persons": counts.persons,
        "reached": counts.reached,
        "rate": counts.rate,
        "by_channel": counts.by_channel,
    }


@router.get(
    "/units/{code}/coverage",
    response={200: CoverageOut, 400: ErrorOut, 404: ErrorOut},
    summary="单位覆盖情况",
    description=(
        "按直属下级单位统计在册人数、已覆盖人数、覆盖率和各渠道覆盖人数；覆盖由活动出勤、"
        "家长签收、测试通过、入户宣传等记录自动计算。不在令牌范围内的单位返回 404。"
    ),
)
def unit_coverage(request: HttpRequest, code: str, params: Query[CoverageQuery]) -> CoverageOut:
    user = request_user(request)
    unit = get_unit_for_user(user, code)
    try:
        period = selectors.period_for(unit, params.period)
    except PeriodError as exc:
        raise HttpError(400, str(exc)) from None
    total, rows = selectors.unit_coverage(unit, period.start, period.end, kind=params.kind)
    return CoverageOut(
        unit_code=unit.code,
        unit_name=unit.name,
        kind=params.kind,
        period=PeriodOut(key=period.key, label=period.label, start=period.start, end=period.end),
        channels=[ChannelOut(code=c, label=label) for c, label in selectors.channel_labels()],
        total=CountsOut(**_counts(total)),  # type: ignore[arg-type]
        children=[
            ChildOut(
                code=row.unit.code,
                name=row.unit.name,
                kind=row.unit.kind,
                is_self=row.is_self,
                **_counts(row.counts),  # type: ignore[arg-type]
            )
            for row in rows
        ],
    )
