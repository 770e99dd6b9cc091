"""POST /api/v1/checker/check: the message checker for staff tools (Bearer token)."""

import json

from django.http import HttpRequest
from ninja import Router, Schema, Status

from .services import MAX_CHARS, checker_check

router = Router(tags=["识骗"])


class SignalOut(Schema):
    code: str
    label: str
    start: int
    end: int


class CheckOut(Schema):
    verdict: str
    fraud_type: str | None
    fraud_type_label: str
    confidence: float
    signals: list[SignalOut]
    rules: list[str]
    advice: list[str]


class ErrorOut(Schema):
    detail: str


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "maxLength": MAX_CHARS}},
                }
            }
        },
    }
}


@router.post(
    "/check",
    response={200: CheckOut, 422: ErrorOut},
    summary="检查一条消息是否为诈骗",
    openapi_extra=_REQUEST_BODY,
)
def check(request: HttpRequest) -> Status:
    """Body {"text": "..."} (at most 5,000 characters). Nothing is stored."""
    # The body is parsed here rather than by a schema so that every bad request, including
    # malformed JSON, gets the same 422 with a message a person can act on.
    try:
        payload = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Status(422, {"detail": '请求体不是有效的 JSON，应为 {"text": "…"}。'})
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return Status(422, {"detail": "缺少 text 字段，或 text 不是字符串。"})
    text = payload["text"].strip()
    if not text:
        return Status(422, {"detail": "text 不能为空。"})
    if len(text) > MAX_CHARS:
        return Status(422, {"detail": f"text 太长：最多 {MAX_CHARS} 个字符，当前 {len(text)} 个。"})
    return Status(200, checker_check(text).as_dict())
