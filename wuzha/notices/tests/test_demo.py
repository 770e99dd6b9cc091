"""The notices demo step on the small demo world: varied progress, idempotent."""

from wuzha.notices.demo import seed_notices
from wuzha.notices.models import Delivery, Notice, Signature


def test_seed_notices_is_idempotent_with_varied_progress(demo_world):
    lines: list[str] = []
    seed_notices(lines.append)
    seed_notices(lines.append)
    assert "已存在" in lines[-1]
    notice = Notice.objects.get()
    assert notice.status == "issued"
    states = set(Delivery.objects.values_list("state", flat=True))
    assert states == {"online", "paper", "pending"}
    assert Signature.objects.filter(method="drawn", image__isnull=False).exists()
    rates = {
        unit: sum(s != "pending" for s in group) / len(group)
        for unit, group in _by_unit(notice).items()
    }
    assert max(rates.values()) - min(rates.values()) > 0.1  # classes differ
    assert Signature.objects.count() == Delivery.objects.exclude(state="pending").count()


def _by_unit(notice: Notice) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for unit_id, state in notice.deliveries.values_list("unit_id", "state"):
        groups.setdefault(unit_id, []).append(state)
    return groups
