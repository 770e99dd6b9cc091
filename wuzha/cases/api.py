"""The emergency lane and case statistics over the token API.

`POST /cases/emergency` saves the case before anything else and returns it with the status of
every alert; `POST /cases/{id}/acknowledge` is the police side; `GET /units/{code}/cases` counts.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from wuzha.core.periods import PeriodError, parse
from wuzha.core.validators import mask_name
from wuzha.orgs.access import get_unit_for_user
from wuzha.orgs.access import request_user as _user
from wuzha.orgs.models import Person

from . import access, selectors, services
from .models import Case, Channel, PaymentMethod

router = Router(tags=["案件与紧急止付"])


class EmergencyIn(Schema):
    unit_code: str = Field(description="上报单位代码（班级、学校等）")
    victim_id: int | None = Field(None, description="名册中的受害人编号")
    victim_name: str = Field("", description="不在名册中时填写姓名")
    amount_fen: int = Field(ge=0, description="转账金额，单位：分")
    occurred_at: datetime.datetime = Field(description="转账时间（带时区）")
    channel: Channel = Field(Channel.OTHER, description="接触渠道")
    payment_method: PaymentMethod = Field(PaymentMethod.OTHER, description="支付方式")
    receiving_account: str = Field("", max_length=200, description="对方收款账户")
    note: str = Field("", description="补充情况")
    client_token: uuid.UUID | None = Field(
        None, description="客户端生成的幂等键；重复提交返回同一案件"
    )


class AlertOut(Schema):
    channel: str
    destination: str
    status: str = Field(description="pending 待发送 / sent 已发送 / failed 发送失败")
    attempts: int
    error: str


class CaseOut(Schema):
    id: int
    unit_code: str
    victim_name_masked: str
    amount_lost_fen: int
    amount_frozen_fen: int
    occurred_at: datetime.datetime
    reported_school_at: datetime.datetime | None
    notified_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    status: str
    stop_result: str
    is_emergency: bool
    created: bool = Field(description="本次请求是否新建（幂等键重复时为 false）")
    alerts: list[AlertOut]


def _case_out(case: Case, *, created: bool = False) -> CaseOut:
    alerts = list(case.alerts.select_related("notification"))
    return CaseOut(
        id=case.pk,
        unit_code=case.unit.code,
        victim_name_masked=mask_name(case.victim_name),
        amount_lost_fen=case.amount_lost_fen,
        amount_frozen_fen=case.amount_frozen_fen,
        occurred_at=case.occurred_at,
        reported_school_at=case.reported_school_at,
        notified_at=case.notified_at,
        acknowledged_at=case.acknowledged_at,
        status=case.status,
        stop_result=case.stop_result,
        is_emergency=case.is_emergency,
        created=created,
        alerts=[
            AlertOut(
                channel=a.channel,
                destination=a.destination,
                status=a.status,
                attempts=a.attempts,
                error=a.error,
            )
            for a in alerts
        ],
    )


def _messages(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


@router.post("/cases/emergency", response={201: CaseOut, 200: CaseOut}, summary="紧急止付上报")
def emergency(request: HttpRequest, payload: EmergencyIn) -> Status:
    user = _user(request)
    unit = get_unit_for_user(user, payload.unit_code, roles=access.EMERGENCY_FILERS)
    victim = None
    if payload.victim_id is not None:
        victim = get_object_or_404(
            Person.objects.in_subtree(unit).select_related("unit"), pk=payload.victim_id
        )
    try:
        case, created = services.case_emergency_open(
            unit=unit,
            by=user,
            victim=victim,
            victim_name=payload.victim_name,
            amount_lost_fen=payload.amount_fen,
            occurred_at=payload.occurred_at,
            channel=payload.channel,
            payment_method=payload.payment_method,
            receiving_account=payload.receiving_account,
            note=payload.note,
            client_token=payload.client_token,
        )
    except ValidationError as exc:
        raise HttpError(422, _messages(exc)) from exc
    if case.unit_id != unit.pk:
        raise HttpError(409, "client_token 已用于其他单位的案件")
    case.refresh_from_db()
    return Status(201 if created else 200, _case_out(case, created=created))


@router.post("/cases/{case_id}/acknowledge", response=CaseOut, summary="警方确认接警")
def acknowledge(request: HttpRequest, case_id: int) -> CaseOut:
    user = _user(request)
    case = access.get_case_for_user(user, case_id, roles=access.POLICE_SIDE)
    if not case.is_emergency:
        raise HttpError(409, "该案件不是紧急止付案件")
    services.case_acknowledge(case=case, by=user)
    case.refresh_from_db()
    return _case_out(case)


class TypeOut(Schema):
    code: str
    label: str
    count: int
    amount_lost_fen: int


class StatsOut(Schema):
    unit_code: str
    period: str
    start: datetime.date
    end: datetime.date
    count: int
    emergencies: int
    amount_lost_fen: int
    amount_frozen_fen: int
    amount_recovered_fen: int
    by_type: list[TypeOut]


@router.get("/units/{code}/cases", response=StatsOut, summary="单位案件统计")
def unit_stats(request: HttpRequest, code: str, period: str = "") -> StatsOut:
    unit = get_unit_for_user(_user(request), code)
    try:
        p = parse(period) if period else selectors.default_period()
    except PeriodError as exc:
        raise HttpError(422, str(exc)) from exc
    stats = selectors.unit_case_stats(unit, p.start, p.end)
    return StatsOut(
        unit_code=unit.code,
        period=p.key,
        start=p.start,
        end=p.end,
        count=stats.count,
        emergencies=stats.emergencies,
        amount_lost_fen=stats.amount_lost_fen,
        amount_frozen_fen=stats.amount_frozen_fen,
        amount_recovered_fen=stats.amount_recovered_fen,
        by_type=[TypeOut(**row.__dict__) for row in stats.by_type],
    )
