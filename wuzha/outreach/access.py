"""Who may see or record outreach: invisible → 404, visible but not allowed → 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from wuzha.core.models import EvidenceFile
from wuzha.orgs.access import has_role
from wuzha.orgs.models import SENSITIVE_READERS, OrgUnit, Role, User

from .models import Activity, ActivityFile, ChatGroup, HouseholdVisit, VisitFile

# Record activities, attendance, groups and visits for a unit and its subtree. Inspectors only read.
RECORDERS = frozenset(
    {Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER, Role.POLICE, Role.COUNSELLOR}
)


def can_record(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, RECORDERS)


def can_see_names(user: User, unit: OrgUnit) -> bool:
    """Full names of the persons of `unit` (minors among them) are for roles that need them."""
    return has_role(user, unit, SENSITIVE_READERS)


def get_activity_for_user(user: User, pk: int, *, write: bool = False) -> Activity:
    activity: Activity = get_object_or_404(
        Activity.objects.visible_to(user).select_related("unit", "created_by"), pk=pk
    )
    if write and not can_record(user, activity.unit):
        raise PermissionDenied
    return activity


def get_group_for_user(user: User, pk: int, *, write: bool = False) -> ChatGroup:
    group: ChatGroup = get_object_or_404(
        ChatGroup.objects.visible_to(user).select_related("unit"), pk=pk
    )
    if write and not can_record(user, group.unit):
        raise PermissionDenied
    return group


def get_visit_for_user(user: User, pk: int, *, write: bool = False) -> HouseholdVisit:
    visit: HouseholdVisit = get_object_or_404(
        HouseholdVisit.objects.visible_to(user).select_related(
            "household__unit", "visitor", "signature"
        ),
        pk=pk,
    )
    if write and not can_record(user, visit.household.unit):
        raise PermissionDenied
    return visit


def get_activity_file_for_user(user: User, pk: int, token: str) -> EvidenceFile:
    """An evidence file linked to an activity the user may see (a file alone grants nothing)."""
    activity = get_activity_for_user(user, pk)
    link = ActivityFile.objects.filter(activity=activity, evidence__token=token).first()
    if link is None:
        raise Http404
    return link.evidence


def get_visit_file_for_user(user: User, pk: int, token: str) -> EvidenceFile:
    """A photo or the signature of a household visit the user may see."""
    visit = get_visit_for_user(user, pk)
    if visit.signature is not None and visit.signature.token == token:
        return visit.signature
    link = VisitFile.objects.filter(visit=visit, evidence__token=token).first()
    if link is None:
        raise Http404
    return link.evidence
