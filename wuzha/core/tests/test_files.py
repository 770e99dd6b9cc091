"""Evidence storage: type by content, limits, SHA-256 dedupe, EXIF time and GPS, thumbnails."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wuzha.core.files import evidence_store, sniff
from wuzha.core.models import EvidenceFile
from wuzha.plans.testing import docx_bytes, jpeg_bytes, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name, data):
    return SimpleUploadedFile(name, data)


def test_photo_keeps_exif_time_and_gps_and_gets_a_thumbnail():
    data = jpeg_bytes(1, taken_at=datetime(2026, 11, 20, 10, 30), gps=(31.7583, 119.95))
    record = evidence_store(upload=upload("IMG_0001.jpg", data))
    assert record.kind == EvidenceFile.Kind.IMAGE
    assert record.content_type == "image/jpeg"
    assert record.size == len(data)
    assert len(record.sha256) == 64
    assert record.taken_at is not None
    assert record.latitude is not None and record.longitude is not None
    assert record.taken_at.strftime("%Y-%m-%d %H:%M") == "2026-11-20 10:30"
    assert str(record.taken_at.utcoffset()) == "8:00:00"
    assert abs(record.latitude - Decimal("31.7583")) < Decimal("0.001")
    assert abs(record.longitude - Decimal("119.95")) < Decimal("0.001")
    assert str(record.thumbnail.name).endswith(".jpg")
    assert record.thumbnail.size > 0


def test_same_content_is_stored_once():
    data = jpeg_bytes(2)
    first = evidence_store(upload=upload("a.jpg", data))
    second = evidence_store(upload=upload("b.jpg", data))
    assert first.pk == second.pk
    assert EvidenceFile.objects.count() == 1


def test_type_is_read_from_content_not_extension():
    record = evidence_store(upload=upload("报告.jpg", b"%PDF-1.7\n1 0 obj\n"))
    assert (record.kind, record.extension) == ("pdf", "pdf")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.docx", b"MZ\x90\x00" + b"\x00" * 100, "不支持的文件类型"),
        ("a.zip", zip_bytes({"a.txt": b"x"}), "压缩包不是 Word 或 Excel"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为"),
        ("fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "图片已损坏"),
        ("empty.pdf", b"", "不支持的文件类型"),
    ],
)
def test_refused_files_explain_why(name, data, message):
    with pytest.raises(ValidationError) as exc:
        evidence_store(upload=upload(name, data))
    assert message in exc.value.messages[0]
    assert EvidenceFile.objects.count() == 0


def test_office_files_are_recognised_by_their_inner_parts():
    record = evidence_store(upload=upload("总结.docx", docx_bytes()))
    assert record.kind == EvidenceFile.Kind.WORD
    xlsx = zip_bytes({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"})
    assert sniff(upload("x.xlsx", xlsx).file).kind == EvidenceFile.Kind.EXCEL


def test_video_brands():
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40
    assert sniff(upload("v.mp4", mp4).file).content_type == "video/mp4"
    assert sniff(upload("p.heic", heic).file).content_type == "image/heic"


def test_size_limit_per_type(settings):
    settings.EVIDENCE_MAX_IMAGE_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        evidence_store(upload=upload("big.jpg", jpeg_bytes(3, size=(400, 400))))
    assert "太大" in exc.value.messages[0]
