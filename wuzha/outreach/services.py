"""Every write to activities, attendance, chat groups and household visits goes through here."""

import base64
import binascii
import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core.files import evidence_store
from wuzha.core.models import EvidenceFile
from wuzha.orgs.models import OrgUnit, Person, User

from .models import (
    Activity,
    ActivityFile,
    Attendance,
    AttendanceMode,
    AttendanceRevision,
    ChatGroup,
    GroupTip,
    Household,
    HouseholdVisit,
    VisitContact,
    VisitFile,
)

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "date",
    "start_time",
    "place",
    "speaker",
    "fraud_types",
    "audiences",
    "description",
)
MAX_SIGNATURE_BYTES = 512 * 1024


def _store_files(
    uploads: Iterable[UploadedFile | ContentFile[bytes]], by: User | None, field: str
) -> list[tuple[EvidenceFile, str]]:
    """Check and store each upload; raise one ValidationError naming `field` for all failures."""
    stored: list[tuple[EvidenceFile, str]] = []
    errors: list[str] = []
    for upload in uploads:
        try:
            stored.append((evidence_store(upload=upload, uploaded_by=by), upload.name or ""))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({field: errors})
    return stored


def _link_activity_files(
    activity: Activity, stored: list[tuple[EvidenceFile, str]], role: str, by: User | None
) -> int:
    known = set(activity.files.values_list("evidence_id", flat=True))
    new = []
    for evidence, name in stored:
        if evidence.pk in known:
            continue
        known.add(evidence.pk)
        new.append(
            ActivityFile(
                activity=activity,
                evidence=evidence,
                role=role,
                original_name=(name or evidence.original_name)[:255],
                uploaded_by=by,
            )
        )
    ActivityFile.objects.bulk_create(new)
    return len(new)


def _check_activity(
    activity: Activity, *, today: datetime.date, sheet_count: int, headcount: int | None
) -> None:
    errors: dict[str, list[str]] = {}
    if activity.date and activity.date > today:
        errors["date"] = [_("活动日期不能晚于今天：这里登记已经开展的活动")]
    mode = activity.attendance_mode
    if mode in (AttendanceMode.COUNT, AttendanceMode.SHEET) and not headcount:
        errors["headcount"] = [_("请填写参加人数")]
    if mode == AttendanceMode.SHEET and not sheet_count:
        errors["sign_in_sheets"] = [_("请上传签到表照片")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_create(
    *,
    unit: OrgUnit,
    by: User | None,
    kind: str,
    title: str,
    date: datetime.date,
    audiences: list[str],
    start_time: datetime.time | None = None,
    place: str = "",
    speaker: str = "",
    fraud_types: Sequence[str] = (),
    description: str = "",
    attendance_mode: str = AttendanceMode.ROSTER,
    headcount: int | None = None,
    roster_ids: Iterable[int] | None = None,
    present_ids: Iterable[int] = (),
    photos: Sequence[Any] = (),
    sign_in_sheets: Sequence[Any] = (),
    client_id: uuid.UUID | None = None,
    today: datetime.date | None = None,
) -> tuple[Activity, bool]:
    """Record an activity that took place, its evidence and (for a roster) who attended.

    Returns the activity and whether it was created: the same `client_id` submitted again (a
    double tap, a retry) returns the activity recorded the first time and changes nothing.
    """
    if client_id is not None:
        existing = Activity.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing, False
    today = today or timezone.localdate()
    activity = Activity(
        unit=unit,
        kind=kind,
        title=title.strip(),
        date=date,
        start_time=start_time,
        place=place.strip(),
        speaker=speaker.strip(),
        fraud_types=list(fraud_types),
        audiences=list(audiences),
        description=description.strip(),
        attendance_mode=attendance_mode,
        headcount=headcount if attendance_mode != AttendanceMode.ROSTER else None,
        created_by=by,
    )
    if client_id is not None:
        activity.client_id = client_id
    activity.full_clean()
    _check_activity(activity, today=today, sheet_count=len(sign_in_sheets), headcount=headcount)
    stored_photos = _store_files(photos, by, "photos")
    stored_sheets = _store_files(sign_in_sheets, by, "sign_in_sheets")
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        # The same form was submitted concurrently and the other request won.
        return Activity.objects.get(client_id=activity.client_id), False
    _link_activity_files(activity, stored_photos, ActivityFile.Role.PHOTO, by)
    _link_activity_files(activity, stored_sheets, ActivityFile.Role.SIGN_IN, by)
    if attendance_mode == AttendanceMode.ROSTER:
        if roster_ids is not None:
            attendance_record(
                activity=activity,
                by=by,
                mode=AttendanceMode.ROSTER,
                roster_ids=roster_ids,
                present_ids=present_ids,
            )
    else:
        AttendanceRevision.objects.create(
            activity=activity, number=1, mode=attendance_mode, headcount=headcount, by=by
        )
    return activity, True


@transaction.atomic
def activity_update(
    *, activity: Activity, by: User | None, today: datetime.date | None = None, **fields: Any
) -> Activity:
    """Change the description of an activity (not its unit, attendance or files)."""
    today = today or timezone.localdate()
    for key in ACTIVITY_FIELDS:
        if key in fields:
            value = fields[key]
            setattr(activity, key, value.strip() if isinstance(value, str) else value)
    activity.full_clean()
    if activity.date > today:
        raise ValidationError({"date": [_("活动日期不能晚于今天：这里登记已经开展的活动")]})
    activity.save()
    return activity


@transaction.atomic
def activity_add_files(
    *,
    activity: Activity,
    by: User | None,
    files: Sequence[Any],
    role: str = ActivityFile.Role.PHOTO,
) -> int:
    """Store and link more evidence to an activity; return how many new files were linked."""
    field = "sign_in_sheets" if role == ActivityFile.Role.SIGN_IN else "photos"
    return _link_activity_files(activity, _store_files(files, by, field), role, by)


@transaction.atomic
def attendance_record(
    *,
    activity: Activity,
    by: User | None,
    mode: str,
    roster_ids: Iterable[int] = (),
    present_ids: Iterable[int] = (),
    headcount: int | None = None,
) -> AttendanceRevision:
    """Save who attended `activity`, keeping every earlier version as a revision.

    For a roster, `roster_ids` are the persons shown (ticked or not) and `present_ids` those
    ticked; persons recorded earlier but not shown now keep their row. For a count or a sign-in
    sheet only the number is kept and nobody is named. Saving the same attendance again (a
    double submit) adds no revision.
    """
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    roster = set(roster_ids)
    present = set(present_ids)
    if not present <= roster:
        raise ValidationError(_("出勤名单中有不在名册上的人员"))
    if roster:
        found = set(
            Person.objects.in_subtree(activity.unit)
            .filter(pk__in=roster)
            .values_list("pk", flat=True)
        )
        if found != roster:
            raise ValidationError(_("名单中有不属于“%(u)s”的人员") % {"u": activity.unit.name})
    rows = {a.person_id: a for a in Attendance.objects.filter(activity=activity)}
    before_present = {pid for pid, row in rows.items() if row.present}
    if mode == AttendanceMode.ROSTER:
        if not roster:
            raise ValidationError(_("名册上没有人员，请改为只记人数"))
        update, create = [], []
        for pid in roster:
            row = rows.get(pid)
            if row is None:
                create.append(Attendance(activity=activity, person_id=pid, present=pid in present))
            elif row.present != (pid in present):
                row.present = pid in present
                update.append(row)
        Attendance.objects.bulk_create(create)
        Attendance.objects.bulk_update(update, ["present"])
        after_present = (before_present - roster) | present
        absent = {pid for pid in rows if pid not in after_present} | (roster - present)
        headcount = len(after_present)
    else:
        if not headcount:
            raise ValidationError({"headcount": [_("请填写参加人数")]})
        Attendance.objects.filter(activity=activity).delete()
        after_present, absent = set(), set()
    last = activity.attendance_revisions.order_by("-number").first()
    if (
        last is not None
        and last.mode == mode
        and last.headcount == headcount
        and set(last.present_ids) == after_present
        and set(last.absent_ids) == absent
    ):
        return last
    number = (activity.attendance_revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = AttendanceRevision.objects.create(
        activity=activity,
        number=number,
        mode=mode,
        headcount=headcount,
        present_ids=sorted(after_present),
        absent_ids=sorted(absent),
        added_ids=sorted(after_present - before_present),
        removed_ids=sorted(before_present - after_present),
        by=by,
    )
    activity.attendance_mode = mode
    activity.headcount = headcount
    activity.save(update_fields=["attendance_mode", "headcount", "updated_at"])
    return revision


# ---------------------------------------------------------------------------------------------
# Chat groups
# ---------------------------------------------------------------------------------------------

GROUP_FIELDS = (
    "platform",
    "kind",
    "name",
    "owner_name",
    "admins",
    "member_count",
    "responsible",
    "join_verification",
    "owner_verified",
    "no_fee_notice",
    "remark_names_set",
    "is_active",
)


@transaction.atomic
def group_save(
    *,
    unit: OrgUnit,
    by: User | None,
    group: ChatGroup | None = None,
    checked_today: bool = False,
    today: datetime.date | None = None,
    **fields: Any,
) -> ChatGroup:
    """Register a chat group in `unit` or update one; `checked_today` records today's check."""
    if group is None:
        group = ChatGroup(unit=unit, created_by=by)
    for key in GROUP_FIELDS:
        if key in fields:
            value = fields[key]
            setattr(group, key, value.strip() if isinstance(value, str) else value)
    if checked_today:
        group.last_checked_on = today or timezone.localdate()
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def group_tip_log(
    *,
    group: ChatGroup,
    by: User | None,
    posted_on: datetime.date,
    content: str,
    fraud_types: Sequence[str] = (),
) -> tuple[GroupTip, bool]:
    """Log a tip posted to `group`; the same tip on the same day is logged once."""
    content = content.strip()
    existing = GroupTip.objects.filter(group=group, posted_on=posted_on, content=content).first()
    if existing is not None:
        return existing, False
    tip = GroupTip(
        group=group,
        posted_on=posted_on,
        content=content,
        fraud_types=list(fraud_types),
        posted_by=by,
    )
    tip.full_clean()
    tip.save()
    return tip, True


# ---------------------------------------------------------------------------------------------
# Households and visits
# ---------------------------------------------------------------------------------------------


def _normalise_address(address: str) -> str:
    return " ".join(address.split())


@transaction.atomic
def household_register(
    *, unit: OrgUnit, address: str, head_name: str = "", members: Iterable[Person] = ()
) -> tuple[Household, bool]:
    """Register a household of a village or community (once per address)."""
    address = _normalise_address(address)
    household = Household.objects.filter(unit=unit, address=address).first()
    created = household is None
    if household is None:
        household = Household(unit=unit, address=address, head_name=head_name.strip())
        household.full_clean()
        household.save()
    elif head_name.strip() and not household.head_name:
        household.head_name = head_name.strip()
        household.save(update_fields=["head_name", "updated_at"])
    members = list(members)
    if members:
        household.members.add(*members)
    return household, created


def signature_file(data_url: str) -> ContentFile[bytes] | None:
    """The PNG of a canvas signature posted as a data URL; None when nothing was drawn."""
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValidationError({"signature": [_("签名格式不正确，请重新签名")]})
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": [_("签名格式不正确，请重新签名")]}) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": [_("签名图片过大，请清除后重新签名")]})
    return ContentFile(raw, name="signature.png")


@transaction.atomic
def visit_record(
    *,
    client_id: uuid.UUID,
    unit: OrgUnit,
    by: User | None,
    address: str,
    visited_on: datetime.date,
    head_name: str = "",
    people_met: int = 1,
    met_names: str = "",
    met_persons: Iterable[Person] = (),
    materials: Sequence[str] = (),
    topics: Sequence[str] = (),
    app_installed: int = 0,
    signer_name: str = "",
    signature: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    accuracy_m: int | None = None,
    note: str = "",
    photos: Sequence[Any] = (),
    today: datetime.date | None = None,
) -> tuple[HouseholdVisit, bool]:
    """Record a household visit in village/community `unit` (registering the household if new).

    The phone generates `client_id` before sending, so a retry over a poor connection returns
    the visit stored by the first attempt instead of a second one.
    """
    existing = HouseholdVisit.objects.filter(client_id=client_id).first()
    if existing is not None:
        return existing, False
    today = today or timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": [_("走访日期不能晚于今天")]})
    if not _normalise_address(address):
        raise ValidationError({"address": [_("请填写地址")]})
    met = list(met_persons)
    outside = [p for p in met if not p.unit.path.startswith(unit.path)]
    if outside:
        raise ValidationError({"met_persons": [_("见面人员不属于该村/社区")]})
    signature_upload = signature_file(signature)
    stored_signature = _store_files([signature_upload], by, "signature") if signature_upload else []
    stored_photos = _store_files(photos, by, "photos")
    household, _created = household_register(
        unit=unit, address=address, head_name=head_name, members=met
    )
    visit = HouseholdVisit(
        client_id=client_id,
        household=household,
        visited_on=visited_on,
        visitor=by,
        people_met=max(people_met, len(met), 1),
        met_names=met_names.strip(),
        materials=list(materials),
        topics=list(topics),
        app_installed=app_installed,
        signer_name=signer_name.strip(),
        signature=stored_signature[0][0] if stored_signature else None,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        note=note.strip(),
    )
    visit.full_clean()
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        return HouseholdVisit.objects.get(client_id=client_id), False
    VisitContact.objects.bulk_create([VisitContact(visit=visit, person=p) for p in met])
    seen: set[int] = set()
    files = []
    for evidence, name in stored_photos:
        if evidence.pk not in seen:
            seen.add(evidence.pk)
            files.append(VisitFile(visit=visit, evidence=evidence, original_name=name[:255]))
    VisitFile.objects.bulk_create(files)
    return visit, True
