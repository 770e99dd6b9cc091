"""Background work for risk: delivering the notifications it queues."""

from django.tasks import task

from wuzha.core import notify
from wuzha.core.models import Notification


@task
def deliver_notification(notification_id: int) -> bool:
    """Try one queued notification once; failures stay queued for `notify`'s retries."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return False
    return notify.notification_deliver(notification=notification)
