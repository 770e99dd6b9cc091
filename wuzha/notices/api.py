"""Notice progress (staff token) and public signing (no token, rate limited) over JSON."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from wuzha.core.ratelimit import client_address, rate_limit_hit
from wuzha.orgs.access import request_user

from . import access, selectors, services
from .forms import decode_signature
from .models import Audience, Relation, Signature

router = Router(tags=["家校告知与回执"])


class CountsOut(Schema):
    recipients: int = Field(description="应签人数（每名学生一份）")
    signed_online: int = Field(description="线上签署")
    signed_paper: int = Field(description="纸质回执")
    pending: int = Field(description="未签")
    rate: float | None = Field(description="签署率（%），无对象时为空")


class ClassRowOut(CountsOut):
    unit_code: str = Field(description="班级代码")
    unit_name: str = Field(description="班级名称")
    school_name: str = Field(description="学校")


class ProgressOut(Schema):
    notice_id: int
    title: str
    status: str
    totals: CountsOut
    classes: list[ClassRowOut]


@router.get("/notices/{notice_id}/progress", response=ProgressOut, summary="回执签署进度")
def notice_progress(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    """Totals and one row per class, limited to the classes the token owner may see."""
    user = request_user(request)
    notice = access.get_notice_for_user(user, notice_id)
    progress = selectors.notice_progress(notice, user=user)
    return {
        "notice_id": notice.pk,
        "title": notice.title,
        "status": notice.status,
        "totals": progress.total.as_dict(),
        "classes": [
            {
                "unit_code": r.unit.code,
                "unit_name": r.unit.name,
                "school_name": r.school_name,
                **r.counts.as_dict(),
            }
            for r in progress.rows
        ],
    }


class SignIn(Schema):
    relation: str = Field(Relation.SELF.value, description="father/mother/grandparent/other/self")
    signer_name: str = Field(description="签署人姓名")
    method: str = Field("", description="drawn（手写）或 typed（输入姓名确认）")
    signature: str = Field("", description="手写签名：data:image/png;base64,…")
    confirm: bool = Field(False, description="typed 时必须为 true")
    cosigner_name: str = Field("", description="家长共同签名（承诺书）")
    app_installed: bool = Field(False, description="已安装国家反诈中心APP")


class SignatureOut(Schema):
    id: int
    method: str
    signer_name: str
    relation: str
    signed_at: str
    app_installed: bool


def _out(sig: Signature) -> dict[str, Any]:
    return {
        "id": sig.pk,
        "method": sig.method,
        "signer_name": sig.signer_name,
        "relation": sig.relation,
        "signed_at": sig.signed_at.isoformat(),
        "app_installed": sig.app_installed,
    }


class ErrorOut(Schema):
    detail: Any = Field(description="错误说明；字段错误时为 {字段: 说明}")


@router.post(
    "/sign/{token}",
    auth=None,
    response={
        200: SignatureOut,
        201: SignatureOut,
        404: ErrorOut,
        410: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    summary="公开签署（无需令牌）",
)
def sign(request: HttpRequest, token: str, payload: SignIn) -> Status[dict[str, Any]]:
    """Sign with the same fields as the page: 201 on the first signature, 200 with it after."""
    ip = client_address(request)
    if rate_limit_hit(f"notices:sign:ip:{ip}", limit=30, window_seconds=60) or rate_limit_hit(
        f"notices:sign:link:{token}", limit=10, window_seconds=60
    ):
        return Status(429, {"detail": _("操作太频繁，请稍后再试")})
    delivery = selectors.delivery_by_token(token)
    if delivery is None:
        return Status(404, {"detail": _("链接不存在")})
    existing = selectors.current_signature(delivery)
    if existing is not None and existing.is_signed:
        return Status(200, _out(existing))
    notice = delivery.notice
    errors: dict[str, str] = {}
    relation = payload.relation
    if notice.audience != Audience.GUARDIANS:
        relation = Relation.SELF
    elif relation not in Relation.values or relation == Relation.SELF:
        errors["relation"] = _("请选择与学生的关系")
    method = payload.method or ("drawn" if payload.signature else "typed")
    image = None
    if method == "drawn":
        try:
            image = decode_signature(payload.signature)
        except ValidationError as exc:
            errors["signature"] = exc.messages[0]
    elif method == "typed" and not payload.confirm:
        errors["confirm"] = _("请勾选确认，表示以上姓名即为您的签名")
    if errors:
        return Status(422, {"detail": errors})
    try:
        signature, created = services.notice_sign(
            delivery=delivery,
            data=services.SignInput(
                signer_name=payload.signer_name,
                relation=relation,
                method=method,
                image=image,
                cosigner_name=payload.cosigner_name,
                app_installed=payload.app_installed,
                via=Signature.Via.API,
                ip_address=ip,
                user_agent=request.headers.get("User-Agent", ""),
            ),
        )
    except services.SignRefused as exc:
        return Status(410, {"detail": exc.messages[0]})
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Status(422, {"detail": detail})
    return Status(201 if created else 200, _out(signature))
