"""Background work for plans: delivering notifications."""

from django.tasks import task

from wuzha.core import notify


@task
def deliver_notifications() -> int:
    """Deliver every queued notification whose next attempt is due; return how many were sent."""
    return notify.notifications_deliver_due()


@task
def build_pack(pack_id: int) -> None:
    """Build one inspection pack (台账 zip); a pack already finished is left alone."""
    from .models import InspectionPack
    from .packs import pack_build

    pack = InspectionPack.objects.select_related("unit").filter(pk=pack_id).first()
    if pack is None or pack.status == InspectionPack.Status.DONE:
        return
    pack_build(pack=pack)
