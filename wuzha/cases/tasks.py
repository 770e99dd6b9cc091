"""Background work for the emergency lane: sending alerts and retrying them quickly."""

from datetime import timedelta

from django.db.models import Min, Q
from django.tasks import task
from django.utils import timezone

from wuzha.core.models import Notification

from . import services
from .models import Case, CaseAlert


def _schedule_retry(case_id: int) -> None:
    """When the backend can defer, come back at the earliest pending retry of this case."""
    backend = retry_case_alerts.get_backend()
    if not backend.supports_defer:
        return  # the periodic `retry_case_alerts` command picks them up
    pending = CaseAlert.objects.filter(
        Q(notification__status=Notification.Status.PENDING)
        | Q(sms_status=Notification.Status.PENDING),
        case_id=case_id,
    ).aggregate(
        robot=Min("notification__next_attempt_at"),
        sms=Min("sms_next_attempt_at"),
    )
    times = [t for t in pending.values() if t is not None]
    if times:
        when = max(min(times), timezone.now() + timedelta(seconds=30))
        retry_case_alerts.using(run_after=when).enqueue(case_id)


@task
def send_case_alerts(case_id: int) -> int:
    """Alert the police and the leaders about emergency case `case_id`; return alerts sent."""
    case = Case.objects.select_related("unit").filter(pk=case_id).first()
    if case is None:
        return 0
    alerts = services.case_alerts_send(case=case)
    _schedule_retry(case_id)
    return sum(1 for a in alerts if a.status == Notification.Status.SENT)


@task
def retry_case_alerts(case_id: int) -> int:
    """Retry the due alerts (of every case: cheap, and nothing is left behind)."""
    sent = services.case_alerts_retry_due()
    _schedule_retry(case_id)
    return sent
