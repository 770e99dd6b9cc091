import base64
import datetime
import io

import pytest
from django.utils import timezone

from wuzha.notices import services
from wuzha.notices.content import BUILTIN_BY_KEY
from wuzha.notices.models import Notice


def signature_png(width: int = 300, height: int = 110, *, ink: bool = True) -> bytes:
    """A deterministic drawn signature: a few strokes on white."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    if ink:
        draw = ImageDraw.Draw(img)
        draw.line([(20, 80), (80, 20), (140, 85), (200, 25), (270, 70)], fill="black", width=5)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def make_notice(world, *, key="letter", unit=None, units=None, issue=True, **overrides) -> Notice:
    template = BUILTIN_BY_KEY[key]
    unit = unit or world.school
    fields = {
        "kind": template.kind,
        "audience": template.audience,
        "title": template.title,
        "body": template.body,
        "receipt_text": template.receipt_text,
        "signature_mode": template.signature_mode,
        "guardian_cosign": template.guardian_cosign,
        "ask_app": template.ask_app,
        "deadline": timezone.localdate() + datetime.timedelta(days=7),
        **overrides,
    }
    notice = services.notice_create(
        unit=unit, by=world.leader, audience_units=units or [unit], **fields
    )
    if issue:
        services.notice_issue(notice=notice, by=world.leader)
        notice.refresh_from_db()
    return notice


def typed(name="王建国", relation="father", **kw) -> services.SignInput:
    return services.SignInput(signer_name=name, relation=relation, method="typed", **kw)


@pytest.fixture
def letter(world) -> Notice:
    return make_notice(world)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
