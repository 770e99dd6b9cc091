"""Who may see or change a case: invisible → 404, visible but not allowed → 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, Role, User

from .models import Case

# Record and update cases of a unit's subtree. Inspectors and counsellors read only.
CASE_EDITORS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER, Role.POLICE})
# File an emergency case: anyone working with students, in a hurry.
EMERGENCY_FILERS = CASE_EDITORS | {Role.COUNSELLOR}
# Acknowledge an emergency case and record the stop-payment result.
POLICE_SIDE = frozenset({Role.ADMIN, Role.POLICE})
# The victim's name, family situation and source of the funds.
RESTRICTED_READERS = frozenset(
    {Role.ADMIN, Role.LEADER, Role.TEACHER, Role.COUNSELLOR, Role.POLICE}
)
# Counselling plans and notes (心理疏导) stay with the school.
AFTERCARE_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.TEACHER, Role.COUNSELLOR})
# The 一案双查 report, the full review of large cases and inquiries.
CHECKERS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.INSPECTOR})
CHECK_WRITERS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR})
# The full review of a large case is the leadership's own record (结案前须完成).
REVIEW_WRITERS = frozenset({Role.ADMIN, Role.LEADER})
# Who may see the log of restricted reads.
LOG_READERS = frozenset({Role.ADMIN, Role.LEADER})


def can_edit(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, CASE_EDITORS)


def can_read_restricted(user: User, case: Case) -> bool:
    return has_role(user, case.unit, RESTRICTED_READERS)


def can_aftercare(user: User, case: Case) -> bool:
    return has_role(user, case.unit, AFTERCARE_ROLES)


def get_case_for_user(
    user: User, pk: int, *, write: bool = False, roles: frozenset[str] | None = None
) -> Case:
    """The case `pk` if its unit is in the user's scope (else 404); `write` or `roles` → 403."""
    case: Case = get_object_or_404(
        Case.objects.visible_to(user).select_related("unit", "victim", "acknowledged_by"), pk=pk
    )
    if write and not can_edit(user, case.unit):
        raise PermissionDenied
    if roles is not None and not has_role(user, case.unit, roles):
        raise PermissionDenied
    return case
