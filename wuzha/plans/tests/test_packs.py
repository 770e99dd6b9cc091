"""The inspection pack: zip with index workbook, Word summary and evidence named 日期_职责_单位."""

import io
import zipfile
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from wuzha.plans import services
from wuzha.plans.models import Duty, InspectionPack
from wuzha.plans.testing import class_meeting_campaign, photo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def submitted(world):
    _campaign, template = class_meeting_campaign(world.school, today=TODAY, by=world.leader)
    duty = Duty.objects.get(template=template, unit=world.class_a, period_key="2026-10")
    when = timezone.make_aware(datetime(2026, 10, 30, 15))
    services.duty_submit(
        duty=duty,
        by=world.teacher_a,
        text="十月班会",
        attendance=40,
        files=[photo(1), photo(2)],
        now=when,
    )
    services.duty_review(duty=duty, by=world.leader, accept=True, now=when)
    return duty


def test_pack_contains_index_summary_and_named_files(client, world, submitted):
    client.force_login(world.leader)
    url = reverse("plans:pack_list", args=[world.school.code])
    response = client.post(url, {"period": "2026-10"})
    assert response.status_code == 302
    pack = InspectionPack.objects.get()
    assert (pack.status, pack.progress, pack.file_count) == ("done", 100, 2)
    download = client.get(reverse("plans:pack_download", args=[pack.token]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert names == [
        "台账汇总.docx",
        "台账索引.xlsx",
        "材料/20261030_反电诈主题班会_三年级1班.jpg",
        "材料/20261030_反电诈主题班会_三年级1班_2.jpg",
    ]
    sheet = load_workbook(io.BytesIO(archive.read("台账索引.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("截止日期", "单位", "任务")
    assert [(r[1], r[4], r[6]) for r in rows[1:]] == [
        ("三年级1班", "已通过", "按时"),
        ("三年级2班", "待提交", None),
    ]
    text = "\n".join(p.text for p in Document(io.BytesIO(archive.read("台账汇总.docx"))).paragraphs)
    assert "测试实验小学反诈工作台账" in text
    assert "应交 2 项，已交 1 项" in text
    assert "三年级2班 反电诈主题班会" in text  # the missing one is listed


@pytest.mark.parametrize(
    ("persona", "status"),
    [("leader", 200), ("inspector", 200), ("teacher_a", 404), ("other_teacher", 404)],
)
def test_pack_download_scope(client, world, submitted, persona, status):
    client.force_login(world.leader)
    client.post(reverse("plans:pack_list", args=[world.school.code]), {"period": "2026-T1"})
    pack = InspectionPack.objects.get()
    client.force_login(getattr(world, persona))
    assert client.get(reverse("plans:pack_download", args=[pack.token])).status_code == status


def test_bad_period_keeps_input_and_packs_page_scope(client, world):
    client.force_login(world.leader)
    url = reverse("plans:pack_list", args=[world.school.code])
    response = client.post(url, {"period": "2026-Q5"})
    assert "季度必须在1到4之间" in response.text and 'value="2026-Q5"' in response.text
    assert not InspectionPack.objects.exists()
    client.force_login(world.other_teacher)
    assert client.get(url).status_code == 404
    assert client.put(reverse("plans:pack_list", args=[world.other_class.code])).status_code == 405


def test_a_second_request_while_building_returns_the_same_pack(world):
    from wuzha.core.periods import parse
    from wuzha.plans.packs import pack_request

    InspectionPack.objects.create(
        unit=world.school,
        period_key="2026-11",
        period_label="x",
        period_start=TODAY,
        period_end=TODAY,
        status="running",
    )
    pack = pack_request(unit=world.school, period=parse("2026-11"), by=world.leader)
    assert pack.status == "running"
    assert InspectionPack.objects.count() == 1
