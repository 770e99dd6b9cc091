"""Every write to units, persons, guardians, staff and tokens goes through here."""

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from wuzha.core.validators import normalize_id_number, normalize_mobile

from .models import (
    ApiToken,
    Guardianship,
    Membership,
    OrgUnit,
    OrgUnitHistory,
    Person,
    PersonKind,
    User,
)


@transaction.atomic
def unit_create(
    *,
    parent: OrgUnit | None,
    name: str,
    kind: str,
    code: str,
    population: int | None = None,
    by: User | None = None,
) -> OrgUnit:
    """Create a unit under `parent` (a root when None) and record it in the history."""
    unit = OrgUnit(name=name.strip(), kind=kind, code=code.strip(), population=population)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit = (
        OrgUnit.objects.add_child(parent, instance=unit)
        if parent
        else OrgUnit.objects.add_root(instance=unit)
    )
    OrgUnitHistory.objects.create(
        unit=unit, action=OrgUnitHistory.Action.CREATE, new_value=name, by=by
    )
    return unit


@transaction.atomic
def unit_update(
    *, unit: OrgUnit, by: User | None, name: str, code: str, population: int | None
) -> OrgUnit:
    """Rename, recode or change the population of `unit`, logging each change."""
    changes: list[tuple[str, str, str]] = []
    if name.strip() != unit.name:
        changes.append((OrgUnitHistory.Action.RENAME, unit.name, name.strip()))
        unit.name = name.strip()
    if code.strip() != unit.code:
        changes.append((OrgUnitHistory.Action.RECODE, unit.code, code.strip()))
        unit.code = code.strip()
    unit.population = population
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save(update_fields=["name", "code", "population", "updated_at"])
    for action, old, new in changes:
        OrgUnitHistory.objects.create(unit=unit, action=action, old_value=old, new_value=new, by=by)
    return unit


@transaction.atomic
def unit_move(*, unit: OrgUnit, new_parent: OrgUnit, by: User | None) -> OrgUnit:
    """Move `unit` and its subtree under `new_parent`; people and memberships move with it."""
    if new_parent.path.startswith(unit.path):
        from django.core.exceptions import ValidationError

        raise ValidationError("不能把单位移动到它自己或它的下级单位之下")
    old_parent = OrgUnit.objects.get_parent(unit)
    old = old_parent.full_name() if old_parent else ""
    OrgUnit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    OrgUnitHistory.objects.create(
        unit=unit,
        action=OrgUnitHistory.Action.MOVE,
        old_value=old,
        new_value=new_parent.full_name(),
        by=by,
    )
    return unit


def _clean_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("id_number"):
        fields["id_number"] = normalize_id_number(fields["id_number"])
    if fields.get("mobile"):
        fields["mobile"] = normalize_mobile(fields["mobile"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    return fields


@transaction.atomic
def person_create(*, unit: OrgUnit, kind: str, name: str, **fields: Any) -> Person:
    """Create a person in `unit`; the school for number uniqueness is derived from the unit."""
    fields = _clean_person_fields({"name": name, **fields})
    person = Person(unit=unit, kind=kind, school=unit.school(), **fields)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, unit: OrgUnit | None = None, **fields: Any) -> Person:
    fields = _clean_person_fields(fields)
    if unit is not None and unit.pk != person.unit_id:
        person.unit = unit
        person.school = unit.school()
    for key, value in fields.items():
        setattr(person, key, value)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def guardian_link(*, student: Person, guardian: Person, relation: str) -> Guardianship:
    """Link `guardian` to `student`, updating the relation if they are already linked."""
    if student.kind != PersonKind.STUDENT or guardian.kind != PersonKind.GUARDIAN:
        from django.core.exceptions import ValidationError

        raise ValidationError("只能把家长/监护人关联到学生")
    link, created = Guardianship.objects.get_or_create(
        student=student, guardian=guardian, defaults={"relation": relation}
    )
    if not created and link.relation != relation:
        link.relation = relation
        link.save(update_fields=["relation"])
    return link


@transaction.atomic
def user_invite(
    *,
    username: str,
    display_name: str,
    unit: OrgUnit,
    role: str,
    password: str | None = None,
    email: str = "",
    mobile: str = "",
    title: str = "",
) -> tuple[User, str | None]:
    """Create a staff account with one role; return it with the initial password if generated."""
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(9)
    user = User(
        username=username.strip(), display_name=display_name.strip(), email=email, mobile=mobile
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    membership_grant(user=user, unit=unit, role=role, title=title)
    return user, generated


@transaction.atomic
def membership_grant(*, user: User, unit: OrgUnit, role: str, title: str = "") -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"title": title}
    )
    if not created and title and membership.title != title:
        membership.title = title
        membership.save(update_fields=["title", "updated_at"])
    return membership


def membership_revoke(*, membership: Membership) -> None:
    membership.delete()


def user_set_active(*, user: User, active: bool) -> User:
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    return user


def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a personal token for `user`; the plain key is returned once and never stored."""
    key = "wz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[3:11], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_authenticate(key: str) -> User | None:
    """Return the active user owning `key`, or None; records when the token was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
