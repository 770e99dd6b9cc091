"""Who may see or act on campaigns, duties and inspections: invisible → 404, not allowed → 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from wuzha.core.models import EvidenceFile
from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, Role, User

from .models import (
    Campaign,
    CampaignFile,
    Duty,
    Inspection,
    Rectification,
    RectificationFile,
    SubmissionFile,
)

# Set the plan, its templates and the term calendar; review and unlock the units below.
PLAN_MANAGERS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR})
REVIEWERS = PLAN_MANAGERS
# Do the work of a unit and report it.
SUBMITTERS = frozenset(
    {Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER, Role.POLICE, Role.COUNSELLOR}
)
# Record supervisory checks and confirm rectification.
INSPECTORS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.INSPECTOR})


def parent_of(unit: OrgUnit) -> OrgUnit | None:
    if unit.depth <= 1:
        return None
    return OrgUnit.objects.filter(path=unit.path[: -unit.steplen]).first()


def can_manage_plans(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, PLAN_MANAGERS)


def can_submit(user: User, duty: Duty) -> bool:
    return has_role(user, duty.unit, SUBMITTERS)


def can_review(user: User, duty: Duty) -> bool:
    """Reviews come from above: a manager role on the parent unit (or admin on a root)."""
    parent = parent_of(duty.unit)
    if parent is None:
        return has_role(user, duty.unit, {Role.ADMIN})
    return has_role(user, parent, REVIEWERS)


def can_inspect(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, INSPECTORS)


def can_confirm_rectification(user: User, rectification: Rectification) -> bool:
    """The inspector who found the problem, or an inspecting role above the inspected unit."""
    inspection = rectification.finding.inspection
    if inspection.inspector_id == user.pk:
        return True
    parent = parent_of(inspection.unit)
    return parent is not None and has_role(user, parent, INSPECTORS)


def get_campaign_for_user(user: User, token: str, *, write: bool = False) -> Campaign:
    campaign: Campaign = get_object_or_404(
        Campaign.objects.visible_to(user).select_related("unit"), token=token
    )
    if write and not can_manage_plans(user, campaign.unit):
        raise PermissionDenied
    return campaign


def get_duty_for_user(user: User, token: str, *, write: bool = False) -> Duty:
    """A duty of a unit in the user's subtrees; with `write`, the user must be able to submit."""
    duty: Duty = get_object_or_404(
        Duty.objects.visible_to(user).select_related("unit", "template__campaign__unit"),
        token=token,
    )
    if write and not can_submit(user, duty):
        raise PermissionDenied
    return duty


def get_inspection_for_user(user: User, token: str, *, write: bool = False) -> Inspection:
    inspection: Inspection = get_object_or_404(
        Inspection.objects.visible_to(user).select_related("unit", "inspector"), token=token
    )
    if write and not can_inspect(user, inspection.unit):
        raise PermissionDenied
    return inspection


def get_rectification_for_user(user: User, token: str) -> Rectification:
    rectification: Rectification = get_object_or_404(
        Rectification.objects.select_related(
            "owner_unit", "finding__inspection__unit", "finding__inspection__inspector"
        ),
        token=token,
    )
    visible = OrgUnit.objects.visible_to(user).filter(pk=rectification.owner_unit_id).exists()
    if not visible:
        raise Http404
    return rectification


def get_evidence_for_user(user: User, token: str) -> EvidenceFile:
    """A stored file, served only when the user can see a record that uses it (else 404)."""
    evidence: EvidenceFile = get_object_or_404(EvidenceFile, token=token)
    duties = Duty.objects.visible_to(user).filter(
        pk__in=SubmissionFile.objects.filter(evidence=evidence).values("submission__duty_id")
    )
    if duties.exists():
        return evidence
    campaigns = Campaign.objects.visible_to(user).filter(
        pk__in=CampaignFile.objects.filter(evidence=evidence).values("campaign_id")
    )
    if campaigns.exists():
        return evidence
    units = OrgUnit.objects.visible_to(user).filter(
        pk__in=RectificationFile.objects.filter(evidence=evidence).values(
            "rectification__owner_unit_id"
        )
    )
    if units.exists():
        return evidence
    raise Http404
