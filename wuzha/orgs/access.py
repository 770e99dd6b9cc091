"""Which unit or person a user may see or change: invisible → 404, visible but not allowed → 403."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import (
    PERSON_EDITORS,
    ROSTER_EDITORS,
    SENSITIVE_READERS,
    STAFF_MANAGERS,
    OrgUnit,
    Person,
    User,
)


def request_user(request: HttpRequest) -> User:
    """The signed-in staff account of a view behind `LoginRequiredMiddleware`."""
    user = request.user
    assert isinstance(user, User)
    return user


def has_role(user: User, unit: OrgUnit, roles: Iterable[str]) -> bool:
    return bool(user.roles_for(unit) & set(roles))


def get_unit_for_user(user: User, code: str, *, roles: Iterable[str] | None = None) -> OrgUnit:
    """Return the unit with `code` if the user may see it; with `roles`, require one of them."""
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(user), code=code)
    if roles is not None and not has_role(user, unit, roles):
        raise PermissionDenied
    return unit


def get_person_for_user(user: User, pk: int, *, write: bool = False) -> Person:
    person = get_object_or_404(
        Person.objects.visible_to(user).select_related("unit", "school"), pk=pk
    )
    if write and not has_role(user, person.unit, PERSON_EDITORS):
        raise PermissionDenied
    return person


def can_manage_staff(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, STAFF_MANAGERS)


def can_edit_roster(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, ROSTER_EDITORS)


def can_read_sensitive(user: User, person: Person) -> bool:
    return has_role(user, person.unit, SENSITIVE_READERS)


def managed_paths(manager: User) -> list[str] | None:
    """Paths of the subtrees where `manager` may manage staff; None means everywhere."""
    if manager.is_superuser:
        return None
    return [
        m.unit.path for m in manager.memberships.select_related("unit") if m.role in STAFF_MANAGERS
    ]


def in_managed_scope(manager: User, unit: OrgUnit) -> bool:
    paths = managed_paths(manager)
    return paths is None or any(unit.path.startswith(p) for p in paths)


def get_managed_user(manager: User, pk: int, *, whole_account: bool = False) -> User:
    """Return a staff account holding a role inside a subtree `manager` manages (else 404).

    With `whole_account`, every role of the account must lie in that scope (else 403): only then
    may the manager act on the account itself, e.g. deactivate it.
    """
    paths = managed_paths(manager)
    if paths is None:
        return get_object_or_404(User, pk=pk)
    if not paths:
        raise Http404
    target = get_object_or_404(User, pk=pk, is_superuser=False)
    target_paths = list(target.memberships.values_list("unit__path", flat=True))
    inside = [any(p.startswith(mp) for mp in paths) for p in target_paths]
    if not any(inside):
        raise Http404
    if whole_account and not all(inside):
        raise PermissionDenied
    return target
