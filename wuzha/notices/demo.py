"""Demo data: one issued letter with receipt to the demo primary school, with realistic progress.

Idempotent: a second run finds the letter and does nothing. Deterministic: the same classes end
up with the same signed / paper / pending recipients on every build.
"""

import datetime
import io
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from wuzha.orgs.models import Guardianship, OrgUnit, UnitKind

from . import services
from .content import BUILTIN_BY_KEY
from .models import Delivery, Notice, Relation, Signature

SEED = 2026
DEMO_COUNTY_CODE = "339901"


def signature_pngs(rng: random.Random, count: int = 12) -> list[bytes]:
    """A few different hand-drawn-looking signatures (strokes on white)."""
    from PIL import Image, ImageDraw

    images = []
    for _ in range(count):
        img = Image.new("RGB", (360, 130), "white")
        draw = ImageDraw.Draw(img)
        for stroke in range(rng.randint(2, 4)):
            x = 30 + stroke * 90
            points = [(x, rng.randint(40, 100))]
            for _step in range(rng.randint(4, 7)):
                x += rng.randint(8, 22)
                points.append((x, rng.randint(25, 110)))
            draw.line(points, fill=(20, 20, 40), width=4, joint="curve")
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        images.append(buf.getvalue())
    return images


def _primary_school() -> OrgUnit | None:
    county = OrgUnit.objects.filter(code=DEMO_COUNTY_CODE).first()
    schools = OrgUnit.objects.filter(kind=UnitKind.PRIMARY_SCHOOL, is_active=True)
    if county is not None:
        schools = schools.filter(path__startswith=county.path)
    return schools.order_by("path").first()


@transaction.atomic
def seed_notices(out: Callable[[str], object] = print) -> None:
    """Create, issue and partly sign one letter with receipt for the demo primary school."""
    school = _primary_school()
    if school is None:
        out("未找到示范小学，跳过家校告知示范数据。")
        return
    template = BUILTIN_BY_KEY["letter"]
    if Notice.objects.filter(unit=school, kind=template.kind, title=template.title).exists():
        out("家校告知示范数据已存在，跳过。")
        return
    now = timezone.now()
    notice = services.notice_create(
        unit=school,
        by=None,
        audience_units=[school],
        kind=template.kind,
        audience=template.audience,
        title=template.title,
        body=template.body,
        receipt_text=template.receipt_text,
        signature_mode=template.signature_mode,
        guardian_cosign=template.guardian_cosign,
        ask_app=template.ask_app,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    services.notice_issue(notice=notice, by=None)
    issued_at = now - datetime.timedelta(days=3)
    Notice.objects.filter(pk=notice.pk).update(issued_at=issued_at)

    rng = random.Random(SEED)
    pngs = signature_pngs(rng)
    deliveries = list(notice.deliveries.order_by("unit__path", "person__number", "pk"))
    guardians: dict[int, tuple[str, str]] = {}
    for g in (
        Guardianship.objects.filter(student_id__in=[d.person_id for d in deliveries])
        .select_related("guardian")
        .order_by("pk")
    ):
        guardians.setdefault(g.student_id, (g.guardian.name, g.relation))
    class_rate: dict[int, tuple[float, float]] = defaultdict(
        lambda: (rng.uniform(0.55, 0.95), rng.uniform(0.0, 0.12))
    )
    signatures: list[Signature] = []
    states: dict[str, list[int]] = defaultdict(list)
    for d in deliveries:
        online_rate, paper_rate = class_rate[d.unit_id]
        roll = rng.random()
        name, relation = guardians.get(d.person_id, ("", Relation.OTHER))
        when = issued_at + datetime.timedelta(minutes=rng.randint(10, 3 * 24 * 60 - 10))
        if roll < online_rate and name:
            drawn = rng.random() < 0.7
            signatures.append(
                Signature(
                    delivery=d,
                    method=Signature.Method.DRAWN if drawn else Signature.Method.TYPED,
                    via=Signature.Via.PERSONAL if rng.random() < 0.8 else Signature.Via.CLASS,
                    signer_name=name,
                    relation=relation,
                    image=rng.choice(pngs) if drawn else None,
                    app_installed=rng.random() < 0.75,
                    signed_at=when,
                )
            )
            states[Delivery.State.ONLINE].append(d.pk)
        elif roll < online_rate + paper_rate:
            signatures.append(
                Signature(
                    delivery=d,
                    method=Signature.Method.PAPER,
                    via=Signature.Via.STAFF,
                    signer_name=name or "家长",
                    relation=relation,
                    signed_at=when,
                )
            )
            states[Delivery.State.PAPER].append(d.pk)
    Signature.objects.bulk_create(signatures, batch_size=500)
    by_delivery = {s.delivery_id: s.signed_at for s in signatures}
    for state, pks in states.items():
        Delivery.objects.filter(pk__in=pks).update(state=state)
    for d in deliveries:
        if d.pk in by_delivery:
            d.signed_at = by_delivery[d.pk]
    Delivery.objects.bulk_update(
        [d for d in deliveries if d.pk in by_delivery], ["signed_at"], batch_size=500
    )
    online = len(states[Delivery.State.ONLINE])
    paper = len(states[Delivery.State.PAPER])
    out(
        f"家校告知示范：《{notice.title}》发给 {school.name} {len(deliveries)} 名学生的家长，"
        f"线上已签 {online}，纸质回执 {paper}，未签 {len(deliveries) - online - paper}。"
    )


def seed_demo_step(ctx: Any) -> None:
    """The notices step of `seed_demo` (see wuzha.orgs.demo.app_steps)."""
    seed_notices(ctx.out)
