"""Who may see or change screening rounds, key-person files and clues.

Invisible → 404, visible but not allowed → 403. Key-person files are opened only by the class
teacher, counsellor and school leader (and police for the four county groups).
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, Role, User

from .models import Clue, FollowUp, KeyPerson, ScreeningRound

# Screen the students of a class / residents of a community.
SCREENERS = frozenset({Role.ADMIN, Role.LEADER, Role.TEACHER, Role.COUNSELLOR, Role.POLICE})
KEY_READERS = frozenset({Role.ADMIN, Role.LEADER, Role.TEACHER, Role.COUNSELLOR})
COUNTY_KEY_READERS = KEY_READERS | {Role.POLICE}
# Approve closing a file and read the access log.
KEY_REVIEWERS = frozenset({Role.ADMIN, Role.LEADER})
CLUE_HANDLERS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.POLICE})
CLUE_REPORTERS = CLUE_HANDLERS | {Role.TEACHER, Role.COUNSELLOR}


def key_readers_for(unit: OrgUnit) -> frozenset[str]:
    """Roles that open files of `unit`: police too outside schools (the county groups)."""
    return KEY_READERS if unit.school() is not None else COUNTY_KEY_READERS


def can_read_keypersons(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, COUNTY_KEY_READERS if unit.school() is None else KEY_READERS)


def get_round_for_user(user: User, pk: int, *, write: bool = False) -> ScreeningRound:
    round: ScreeningRound = get_object_or_404(
        ScreeningRound.objects.visible_to(user).select_related("unit"), pk=pk
    )
    if write and not has_role(user, round.unit, SCREENERS):
        raise PermissionDenied
    return round


def get_keyperson_for_user(user: User, pk: int, *, write: bool = False) -> KeyPerson:
    """A file the user may open; reading it at all needs a key-reader role (write: the same)."""
    kp: KeyPerson = get_object_or_404(
        KeyPerson.objects.visible_to(user).select_related("person", "unit", "opened_by"), pk=pk
    )
    roles = COUNTY_KEY_READERS if kp.is_county else KEY_READERS
    if not has_role(user, kp.unit, roles):
        raise PermissionDenied
    return kp


def get_followup_for_user(user: User, pk: int) -> FollowUp:
    followup: FollowUp = get_object_or_404(
        FollowUp.objects.filter(key_person__in=KeyPerson.objects.visible_to(user)), pk=pk
    )
    get_keyperson_for_user(user, followup.key_person_id)
    return followup


def get_clue_for_user(user: User, pk: int, *, write: bool = False) -> Clue:
    clue: Clue = get_object_or_404(
        Clue.objects.visible_to(user).select_related("unit", "forwarded_to"), pk=pk
    )
    if write and not has_role(user, clue.unit, CLUE_HANDLERS):
        raise PermissionDenied
    return clue
