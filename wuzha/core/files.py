"""Evidence storage: type by content (magic bytes), size limits, SHA-256, EXIF, thumbnails.

A file is accepted for what it is, never for what its name says: a `.jpg` that is really a
PDF is stored as a PDF, and an `.exe` renamed `.docx` is refused. Identical content is stored
once; every record that uses it links to the same `EvidenceFile`, which is how reuse of one
photo for two submissions is found.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EvidenceFile

Kind = EvidenceFile.Kind

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
THUMBNAIL_SIZE = (480, 480)
SNIFF_BYTES = 64

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "}
_MP4_BRANDS |= {b"3gp4", b"3gp5", b"3gp6", b"dash", b"MSNV", b"f4v "}


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str
    extension: str


def max_bytes(kind: str) -> int:
    if kind == Kind.IMAGE:
        return int(getattr(settings, "EVIDENCE_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def sniff(stream: IO[bytes]) -> Sniffed:
    """Tell the file type from its content; raise ValidationError for anything not accepted."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(Kind.IMAGE, "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(Kind.IMAGE, "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(Kind.IMAGE, "image/webp", "webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return Sniffed(Kind.IMAGE, "image/heic", "heic")
        if brand == b"qt  ":
            return Sniffed(Kind.VIDEO, "video/quicktime", "mov")
        if brand in _MP4_BRANDS:
            return Sniffed(Kind.VIDEO, "video/mp4", "mp4")
    if head.startswith(b"%PDF-"):
        return Sniffed(Kind.PDF, "application/pdf", "pdf")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office(stream)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ValidationError(
            _("这是旧版 Word/Excel 文件（.doc/.xls），请另存为 .docx 或 .xlsx 后再上传"),
            code="legacy_office",
        )
    raise ValidationError(
        _("不支持的文件类型：只接受照片（JPG/PNG/WebP/HEIC）、视频（MP4/MOV）、PDF、Word、Excel"),
        code="file_type",
    )


def _sniff_office(stream: IO[bytes]) -> Sniffed:
    """A zip is accepted only when it is an Office Open XML document or workbook."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("文件已损坏，无法读取"), code="corrupt") from exc
    finally:
        stream.seek(0)
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return Sniffed(
                Kind.WORD,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            )
        if "xl/workbook.xml" in names:
            return Sniffed(
                Kind.EXCEL,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
    raise ValidationError(_("压缩包不是 Word 或 Excel 文件：不接受 zip 等压缩包"), code="file_type")


def sha256_of(stream: IO[bytes]) -> tuple[str, int]:
    """The SHA-256 hex digest and size of a stream, read in chunks."""
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def _ratio_to_float(value: Any) -> float:
    return (
        float(value.numerator) / float(value.denominator)
        if hasattr(value, "numerator")
        else (float(value))
    )


def _dms_to_decimal(dms: Any, ref: str) -> Decimal | None:
    try:
        degrees, minutes, seconds = (_ratio_to_float(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if ref in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


@dataclass
class ImageInfo:
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    thumbnail: bytes | None = None


def image_info(data: bytes) -> ImageInfo:
    """Size, EXIF capture time and GPS position of a photo, and a JPEG thumbnail.

    Raise ValidationError when the bytes look like an image but do not decode as one.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("图片已损坏或不是有效的图片文件"), code="corrupt") from exc
    info = ImageInfo(width=image.width, height=image.height)
    exif = image.getexif()
    if exif:
        sub = exif.get_ifd(0x8769)
        raw = sub.get(36867) or sub.get(36868) or exif.get(306)
        if isinstance(raw, str):
            try:
                naive = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
                info.taken_at = timezone.make_aware(naive)  # cameras record local time
            except ValueError:
                pass
        gps = exif.get_ifd(0x8825)
        if gps.get(2) and gps.get(4):
            info.latitude = _dms_to_decimal(gps[2], str(gps.get(1, "N")))
            info.longitude = _dms_to_decimal(gps[4], str(gps.get(3, "E")))
    thumb = ImageOps.exif_transpose(image).convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    info.thumbnail = out.getvalue()
    return info


def evidence_store(*, upload: File, uploaded_by: Any = None) -> EvidenceFile:
    """Check and store one uploaded file; return the existing record when the content is known.

    Raise ValidationError (Chinese message) for a refused type, a corrupt file or a file that is
    too big for its type.
    """
    stream = upload.file if hasattr(upload, "file") and upload.file else upload
    sniffed = sniff(stream)  # type: ignore[arg-type]
    sha, size = sha256_of(stream)  # type: ignore[arg-type]
    name = (getattr(upload, "name", "") or f"file.{sniffed.extension}").rsplit("/", 1)[-1]
    if size == 0:
        raise ValidationError(_("文件“%(n)s”是空的") % {"n": name}, code="empty")
    limit = max_bytes(sniffed.kind)
    if size > limit:
        raise ValidationError(
            _("文件“%(n)s”太大（%(s)s），%(k)s最大 %(m)s")
            % {"n": name, "s": _human(size), "k": Kind(sniffed.kind).label, "m": _human(limit)},
            code="too_big",
        )
    existing = EvidenceFile.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    data = stream.read()  # type: ignore[union-attr]
    stream.seek(0)  # type: ignore[union-attr]
    info = ImageInfo()
    if sniffed.content_type in {"image/jpeg", "image/png", "image/webp"}:
        info = image_info(data)
    record = EvidenceFile(
        sha256=sha,
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        extension=sniffed.extension,
        size=size,
        original_name=name[:255],
        taken_at=info.taken_at,
        latitude=info.latitude,
        longitude=info.longitude,
        width=info.width,
        height=info.height,
        uploaded_by=uploaded_by,
    )
    record.file.save(f"{sha[:2]}/{sha}.{sniffed.extension}", ContentFile(data), save=False)
    if info.thumbnail:
        record.thumbnail.save(f"{sha[:2]}/{sha}.jpg", ContentFile(info.thumbnail), save=False)
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # The same content was stored by a concurrent upload a moment ago.
        return EvidenceFile.objects.get(sha256=sha)
    return record
