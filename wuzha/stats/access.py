"""Who may see or act on rankings, escalations, evaluations and briefings.

Invisible → 404, visible but not allowed → 403, as everywhere.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, User

from .models import Briefing, Escalation, EvaluationRound
from .selectors import escalations_visible_to
from .services import APPROVERS, OFFICE


def can_run_office(user: User, unit: OrgUnit) -> bool:
    """Publish rankings, open evaluations, draft and issue briefings."""
    return has_role(user, unit, OFFICE)


def can_approve(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, APPROVERS)


def get_escalation_for_user(user: User, token: str) -> Escalation:
    return get_object_or_404(
        escalations_visible_to(user).select_related("unit", "campaign__unit", "finding"),
        token=token,
    )


def get_evaluation_for_user(user: User, token: str, *, write: bool = False) -> EvaluationRound:
    round = get_object_or_404(
        EvaluationRound.objects.filter(unit__in=OrgUnit.objects.visible_to(user).values("pk"))
        .select_related("unit"),
        token=token,
    )  # fmt: skip
    if write and not can_approve(user, round.unit):
        raise PermissionDenied
    return round


def get_briefing_for_user(user: User, token: str, *, write: bool = False) -> Briefing:
    briefing = get_object_or_404(
        Briefing.objects.filter(unit__in=OrgUnit.objects.visible_to(user).values("pk"))
        .select_related("unit"),
        token=token,
    )  # fmt: skip
    if write and not can_run_office(user, briefing.unit):
        raise PermissionDenied
    return briefing
