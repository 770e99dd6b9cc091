"""Who may see or act on a notice: invisible → 404, visible but not allowed → 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, Role, User

from .models import Delivery, Notice, Signature

# Write a notice (create, edit, issue, extend, revoke) held on the notice's unit.
NOTICE_EDITORS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER})
# Follow up a class (paper receipts, corrections, printing, links) held on the class.
CLASS_FOLLOWERS = frozenset({Role.ADMIN, Role.LEADER, Role.COORDINATOR, Role.TEACHER})
# Countersign responsibility letters: the leadership of the level above.
COUNTERSIGNERS = frozenset({Role.ADMIN, Role.LEADER})


def can_edit_notice(user: User, notice: Notice) -> bool:
    return has_role(user, notice.unit, NOTICE_EDITORS)


def can_follow_up(user: User, unit: OrgUnit) -> bool:
    return has_role(user, unit, CLASS_FOLLOWERS)


def get_notice_for_user(user: User, pk: int, *, write: bool = False) -> Notice:
    notice: Notice = get_object_or_404(
        Notice.objects.visible_to(user).select_related("unit"), pk=pk
    )
    if write and not can_edit_notice(user, notice):
        raise PermissionDenied
    return notice


def get_notice_unit_for_user(
    user: User, notice: Notice, code: str, *, act: bool = False
) -> OrgUnit:
    """A unit with recipients of `notice` that the user may see; with `act`, may follow up."""
    unit: OrgUnit = get_object_or_404(OrgUnit.objects.visible_to(user), code=code)
    if not Delivery.objects.filter(notice=notice, unit__path__startswith=unit.path).exists():
        raise Http404
    if act and not can_follow_up(user, unit):
        raise PermissionDenied
    return unit


def get_delivery_for_user(user: User, pk: int, *, act: bool = False) -> Delivery:
    delivery: Delivery = get_object_or_404(
        Delivery.objects.filter(
            notice__in=Notice.objects.visible_to(user),
            unit__in=OrgUnit.objects.visible_to(user),
        ).select_related("notice__unit", "unit", "person"),
        pk=pk,
    )
    if act and not can_follow_up(user, delivery.unit):
        raise PermissionDenied
    return delivery


def get_signature_for_user(user: User, pk: int, *, act: bool = False) -> Signature:
    signature: Signature = get_object_or_404(Signature.objects.defer("image"), pk=pk)
    delivery = get_delivery_for_user(user, signature.delivery_id, act=act)
    signature.delivery = delivery
    return signature
