import datetime
import uuid

import pytest
from django.utils import timezone

from wuzha.cases import services
from wuzha.orgs import services as org_services
from wuzha.orgs.models import Role
from wuzha.testing import PASSWORD


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def police(world):
    """The county police liaison, with email and mobile for alerts."""
    user, _ = org_services.user_invite(
        username="t_police",
        display_name="李警官",
        unit=world.county,
        role=Role.POLICE,
        password=PASSWORD,
        email="police@example.com",
        mobile="13900000001",
    )
    return user


@pytest.fixture
def leader_email(world):
    world.leader.email = "leader@example.com"
    world.leader.save(update_fields=["email"])
    return world.leader


def make_case(world, unit=None, victim=None, *, amount=300_000, days_ago=10, **fields):
    """A ledger case in class A (or `unit`) through the real service."""
    case, _created = services.case_open(
        unit=unit or world.class_a,
        by=world.teacher_a,
        victim=victim if victim is not None else world.student_a,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
        channel="phone",
        fraud_type=fields.pop("fraud_type", "task_rebate"),
        amount_lost_fen=amount,
        client_token=uuid.uuid4(),
        **fields,
    )
    return case


def make_emergency(world, *, by=None, unit=None, amount=500_000, minutes_ago=5, token=None):
    case, _created = services.case_emergency_open(
        unit=unit or world.class_a,
        by=by or world.teacher_a,
        victim=world.student_a,
        amount_lost_fen=amount,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        channel="phone",
        payment_method="bank_transfer",
        receiving_account="6222 0000 1111 2222 张某",
        client_token=token or uuid.uuid4(),
    )
    return case
