"""Test data for outreach, made through the real services."""

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from wuzha.orgs.models import OrgUnit, Person, User
from wuzha.outreach import services
from wuzha.outreach.models import Activity, ActivityKind, AttendanceMode


def jpeg(color: tuple[int, int, int] = (200, 30, 30), *, taken: str | None = None) -> bytes:
    """A small real JPEG; with `taken` ("2026:11:20 10:00:00") it carries an EXIF capture time."""
    from PIL import Image

    image = Image.new("RGB", (40, 30), color)
    out = io.BytesIO()
    if taken:
        exif = Image.Exif()
        exif[306] = taken
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def class_meeting(
    unit: OrgUnit,
    by: User | None,
    *,
    date: datetime.date,
    present: list[Person] | None = None,
    roster: list[Person] | None = None,
    photos: list[SimpleUploadedFile] | None = None,
    title: str = "反诈主题班会",
) -> Activity:
    if roster is None:
        roster = list(Person.objects.in_subtree(unit).filter(kind="student"))
    if present is None:
        present = roster
    activity, _created = services.activity_create(
        unit=unit,
        by=by,
        kind=ActivityKind.CLASS_MEETING,
        title=title,
        date=date,
        audiences=["student"],
        attendance_mode=AttendanceMode.ROSTER,
        roster_ids=[p.pk for p in roster],
        present_ids=[p.pk for p in present],
        photos=photos or [],
        client_id=uuid.uuid4(),
        today=date,
    )
    return activity
