"""Demo cases for 示范县: a ledger over the past months, one emergency with its full timeline,
one still waiting for the police, counselling notes and a 一案双查 with an open inquiry.

Deterministic (one seeded rng; times relative to now) and idempotent: it does nothing when 示范县
already has cases. Historical timestamps are set after the services have written the records,
because the services stamp "now".
"""

import datetime
import random
import uuid
from typing import Any

from django.utils import timezone

from wuzha.orgs.demo import COUNTY_CODE, SEED, DemoContext
from wuzha.orgs.models import OrgUnit, Person, PersonKind, User

from . import services
from .models import Case, CaseEvent

SCHOOLS = (f"{COUNTY_CODE}-PS01", f"{COUNTY_CODE}-MS02", f"{COUNTY_CODE}-VC01")
LEDGER: tuple[tuple[str, str, int, str, int, str], ...] = (
    # fraud type, channel, amount (yuan), status, recovered (yuan), what happened
    ("game_trade", "game", 680, "closed", 0, "在游戏内私下交易皮肤，被要求先付“保证金”。"),
    ("task_rebate", "wechat_qq", 3200, "investigating", 0, "加入点赞兼职群，垫付三单后被拉黑。"),
    ("impersonate_acquaintance", "wechat_qq", 1500, "closed", 1500, "冒充班主任在家长群收资料费。"),
    ("shopping_service", "short_video", 420, "closed", 0, "直播间低价购买演唱会门票未发货。"),
    ("credit_repair", "phone", 18000, "reported", 0, "自称客服要求注销“校园贷”账户并转账。"),
    ("romance", "dating", 52000, "investigating", 8000, "网恋对象以投资为名诱导多次转账。"),
    ("fake_customer_service", "phone", 2600, "closed", 2600, "“快递丢件理赔”要求屏幕共享。"),
    ("investment", "app", 560000, "investigating", 120000, "导师带单炒虚拟币，无法提现。"),
)
FUNDS = ("生活费", "助学贷款", "向同学借款", "网络贷款", "父母给的学费")
FAMILY = ("父母务工，随祖父母生活", "单亲家庭", "家庭经济困难，享受助学金", "父母在本地经商")


def _students(school_code: str, limit: int) -> list[Person]:
    school = OrgUnit.objects.filter(code=school_code).first()
    if school is None:
        return []
    return list(
        Person.objects.in_subtree(school)
        .filter(kind=PersonKind.STUDENT, is_active=True)
        .select_related("unit")
        .order_by("unit__path", "number")[:limit]
    )


def _shift(case: Case, moments: dict[str, datetime.datetime]) -> None:
    """Move the case's stamped times (and its timeline) to the demo's history."""
    fields = {k: v for k, v in moments.items() if hasattr(case, k)}
    Case.objects.filter(pk=case.pk).update(**fields)
    kinds = {
        "reported_school_at": CaseEvent.Kind.REPORTED_SCHOOL,
        "discovered_at": CaseEvent.Kind.DISCOVERED,
        "notified_at": CaseEvent.Kind.NOTIFIED,
        "acknowledged_at": CaseEvent.Kind.ACKNOWLEDGED,
        "stop_result_at": CaseEvent.Kind.STOP_RESULT,
        "reported_police_at": CaseEvent.Kind.REPORTED_POLICE,
    }
    for field, kind in kinds.items():
        if field in moments:
            CaseEvent.objects.filter(case=case, kind=kind).update(at=moments[field])


def _emergency(
    victim: Person, teacher: User | None, police: User | None, when: datetime.datetime
) -> Case:
    case, _created = services.case_open(
        unit=victim.unit,
        by=teacher,
        victim=victim,
        occurred_at=when,
        discovered_at=when + datetime.timedelta(minutes=6),
        reported_school_at=when + datetime.timedelta(minutes=9),
        channel="phone",
        fraud_type="impersonate_authority",
        amount_lost_fen=4_500_000,
        payment_method="bank_transfer",
        receiving_account="6217 **** **** 3388 某某商贸有限公司",
        narrative="自称公安民警，称学生涉嫌洗钱，要求转入“安全账户”。",
        is_emergency=True,
        ack_expires_at=when + datetime.timedelta(hours=72),
        stop_result=Case.StopResult.PENDING,
        client_token=uuid.UUID(int=random.Random(f"{SEED}:em:{victim.pk}").getrandbits(128)),
    )
    return case


def seed_cases(out: Any = print, *, now: datetime.datetime | None = None) -> None:
    county = OrgUnit.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return
    if Case.objects.in_subtree(county).exists():
        out("案件示范数据已存在，跳过。")
        return
    now = now or timezone.now()
    rng = random.Random(f"{SEED}:cases")
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["teacher_primary", "police_liaison", "psych_middle", "school_leader"]
        )
    }
    teacher, police = users.get("teacher_primary"), users.get("police_liaison")
    victims = [v for code in SCHOOLS for v in _students(code, 4)]
    if len(victims) < len(LEDGER) + 2:
        return
    rng.shuffle(victims)
    for n, (fraud_type, channel, yuan, status, recovered, story) in enumerate(LEDGER):
        victim = victims[n]
        occurred = now - datetime.timedelta(days=12 + 19 * n, hours=rng.randint(0, 10))
        case, _created = services.case_open(
            unit=victim.unit,
            by=teacher,
            victim=victim,
            occurred_at=occurred,
            discovered_at=occurred + datetime.timedelta(hours=rng.randint(1, 30)),
            reported_school_at=occurred + datetime.timedelta(hours=rng.randint(30, 50)),
            reported_police_at=occurred + datetime.timedelta(hours=rng.randint(50, 70)),
            channel=channel,
            fraud_type=fraud_type,
            amount_lost_fen=yuan * 100,
            amount_recovered_fen=recovered * 100,
            payment_method=rng.choice(["wechat_pay", "alipay", "bank_transfer"]),
            police_case_number=f"J33990120{n:02d}{rng.randint(1000, 9999)}",
            narrative=story,
            funds_source=rng.choice(FUNDS),
            family_situation=rng.choice(FAMILY),
            status=status,
            client_token=uuid.UUID(int=rng.getrandbits(128)),
        )
        if n in (1, 5):
            services.aftercare_save(
                case=case,
                by=users.get("psych_middle"),
                plan="每两周心理疏导一次，关注情绪和睡眠；联系家长避免责备。",
                next_session_on=timezone.localdate(now) + datetime.timedelta(days=5),
            )
            services.aftercare_note_add(
                case=case,
                by=users.get("psych_middle"),
                kind="counselling",
                held_on=timezone.localdate(occurred) + datetime.timedelta(days=3),
                text="学生自责情绪明显，已进行首次疏导，约定两周后复谈。",
            )
        if n == 1:
            services.dual_check_run(case=case, by=users.get("school_leader"))

    # An emergency last week with its whole timeline, minute by minute.
    week_ago = now - datetime.timedelta(days=6, hours=3)
    done = _emergency(victims[-1], teacher, police, week_ago)
    services.case_acknowledge(case=done, by=police)
    services.case_stop_result_record(
        case=done, by=police, result="partial", amount_frozen_fen=3_000_000, note="银行已冻结"
    )
    CaseEvent.objects.create(case=done, kind=CaseEvent.Kind.NOTIFIED, at=week_ago)
    _shift(
        done,
        {
            "notified_at": week_ago + datetime.timedelta(minutes=10),
            "acknowledged_at": week_ago + datetime.timedelta(minutes=17),
            "reported_police_at": week_ago + datetime.timedelta(minutes=17),
            "stop_result_at": week_ago + datetime.timedelta(minutes=52),
        },
    )
    # One that is still waiting for the police right now.
    waiting = _emergency(victims[-2], teacher, police, now - datetime.timedelta(minutes=14))
    services.case_alerts_send(case=waiting)
    out(f"案件台账：{Case.objects.in_subtree(county).count()} 起（含紧急止付 2 起）。")


def seed_demo_step(ctx: DemoContext) -> None:
    """The cases step of `seed_demo`."""
    seed_cases(ctx.out)
