"""Helpers for plans tests and demo data: generated evidence files and a ready campaign."""

import io
import zipfile
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from wuzha.orgs.models import OrgUnit, Role, UnitKind, User

from . import services
from .models import Campaign, DutyTemplate


def jpeg_bytes(
    seed: int = 0,
    *,
    taken_at: datetime | None = None,
    gps: tuple[float, float] | None = None,
    size: tuple[int, int] = (96, 72),
) -> bytes:
    """A small, deterministic JPEG; a different `seed` gives different content (and SHA-256)."""
    from PIL import Image, ImageDraw
    from PIL.TiffImagePlugin import IFDRational

    image = Image.new("RGB", size, ((seed * 47) % 256, (seed * 91) % 256, (seed * 13) % 256))
    draw = ImageDraw.Draw(image)
    draw.rectangle((4 + seed % 20, 4, 40 + seed % 30, 30), fill=(255, 255, 255))
    draw.text((6, 40), f"#{seed}", fill=(0, 0, 0))
    exif = Image.Exif()
    if taken_at is not None:
        exif.get_ifd(0x8769)[36867] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if gps is not None:

        def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
            return IFDRational(degrees), IFDRational(minutes), IFDRational(seconds)

        info = exif.get_ifd(0x8825)
        info[1], info[2] = ("N" if gps[0] >= 0 else "S"), dms(abs(gps[0]))
        info[3], info[4] = ("E" if gps[1] >= 0 else "W"), dms(abs(gps[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def photo(
    seed: int = 0,
    name: str | None = None,
    *,
    taken_at: datetime | None = None,
    gps: tuple[float, float] | None = None,
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name or f"photo{seed}.jpg",
        jpeg_bytes(seed, taken_at=taken_at, gps=gps),
        content_type="image/jpeg",
    )


def docx_bytes(text: str = "总结") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


def class_meeting_campaign(
    school: OrgUnit, *, today: date, by: User | None = None
) -> tuple[Campaign, DutyTemplate]:
    """A campaign around `today` with a monthly class meeting (2 photos, attendance) per class."""
    campaign = services.campaign_create(
        unit=school,
        name="反诈主题教育",
        start_date=today - timedelta(days=75),
        end_date=today + timedelta(days=75),
        by=by,
    )
    template = services.duty_template_create(
        campaign=campaign,
        title="反电诈主题班会",
        unit_kind=UnitKind.CLASS,
        role=Role.TEACHER,
        cadence="monthly",
        deadline_day=31,
        grace_days=7,
        min_photos=2,
        requires_attendance=True,
    )
    return campaign, template
