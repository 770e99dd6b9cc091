"""Who may see or act on quizzes, the bank and self-tests: invisible → 404, not allowed → 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from wuzha.orgs.models import Membership, OrgUnit, Role, User

from .models import Quiz, SelfTestResponse, SelfTestRound

# Create quizzes and self-test rounds on a unit.
QUIZ_EDITORS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER})
# Edit the shared question bank (import, edit, retire): the offices that run the campaign.
BANK_EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR})
# Read a student's self-test answers: the class teacher / counsellor and the school's leadership,
# held inside the student's school (a county role does not open a student's answers).
SELFTEST_READERS = frozenset({Role.LEADER, Role.TEACHER, Role.COUNSELLOR})


def can_edit_bank(user: User) -> bool:
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, unit__is_active=True, role__in=list(BANK_EDITORS)
    ).exists()


def require_bank_editor(user: User) -> None:
    if not can_edit_bank(user):
        raise PermissionDenied


def get_quiz_for_user(user: User, pk: int) -> Quiz:
    quiz: Quiz = get_object_or_404(Quiz.objects.visible_to(user).select_related("unit"), pk=pk)
    return quiz


def get_quiz_unit_for_user(user: User, quiz: Quiz, code: str) -> OrgUnit:
    """A unit with takers of `quiz` that the user may see (else 404)."""
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(user), code=code)
    if not quiz.assignments.filter(unit__path__startswith=unit.path).exists():
        raise Http404
    return unit


def get_round_for_user(user: User, pk: int) -> SelfTestRound:
    rnd: SelfTestRound = get_object_or_404(
        SelfTestRound.objects.visible_to(user).select_related("unit"), pk=pk
    )
    return rnd


def get_round_unit_for_user(user: User, rnd: SelfTestRound, code: str) -> OrgUnit:
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(user), code=code)
    if not rnd.invites.filter(unit__path__startswith=unit.path).exists():
        raise Http404
    return unit


def can_read_selftest(user: User, unit: OrgUnit) -> bool:
    """True when the user holds a reader role on `unit` or above it, within its school."""
    school = unit.school()
    floor = school.path if school is not None else unit.path
    return Membership.objects.filter(
        user=user,
        unit__is_active=True,
        role__in=list(SELFTEST_READERS),
        unit__path__startswith=floor,
        unit__path__in=[*unit.ancestor_paths(), unit.path],
    ).exists()


def get_response_for_user(user: User, pk: int) -> SelfTestResponse:
    """A self-test response of a student in the user's scope; reading it needs a reader role."""
    response: SelfTestResponse = get_object_or_404(
        SelfTestResponse.objects.filter(
            invite__unit__in=OrgUnit.objects.visible_to(user)
        ).select_related("invite__person", "invite__unit", "invite__round"),
        pk=pk,
    )
    if not can_read_selftest(user, response.invite.unit):
        raise PermissionDenied
    return response
