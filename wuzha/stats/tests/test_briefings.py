"""Briefings: figures equal to the dashboard's, anonymised cases, charts, edit → issue → archive."""

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from PIL import Image

from wuzha.core.periods import PeriodKind, period_containing
from wuzha.orgs.services import api_token_create
from wuzha.stats import briefings, documents
from wuzha.stats.models import Briefing

from .conftest import add_case, at

pytestmark = pytest.mark.django_db


def term_key() -> str:
    return period_containing(PeriodKind.TERM, timezone.localdate()).key


def read_docx(briefing: Briefing) -> Any:
    with briefing.file.open("rb") as fh:
        return Document(io.BytesIO(fh.read()))


def test_figures_match_the_api(client, stats_world):
    w = stats_world.world
    key = term_key()
    term = period_containing(PeriodKind.TERM, timezone.localdate())
    add_case(w, w.class_a, at(term.start), 880, victim=w.student_a2)
    briefing = briefings.briefing_draft(unit=w.county, kind="term", period_key=key, by=w.admin)
    assert briefing.figures["headline"]["cases"]["value"] == 1
    [line] = briefing.figures["cases"]
    assert "测试实验小学一名学生" in line and "880.00元" in line
    _token, secret = api_token_create(user=w.admin)
    api = client.get(
        f"/api/v1/units/{w.county.code}/indicators?period={key}",
        headers={"Authorization": f"Bearer {secret}"},
    ).json()
    api_values = {i["code"]: i["value"] for i in api["unit"]["indicators"]}
    for code, figure in briefing.figures["headline"].items():
        assert figure["value"] == api_values[code], code
    api_children = {c["code"]: c for c in api["children"]}
    for child in briefing.figures["children"]:
        cases = {i["code"]: i["value"] for i in api_children[child["code"]]["indicators"]}
        assert child["cells"]["cases"]["value"] == cases["cases"]
    doc = read_docx(briefing)
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert briefing.figures["headline"]["coverage"]["display"] in cells
    for name in ("李小红", "王小明", "受害人"):
        assert name not in text
    assert len(doc.inline_shapes) >= 2  # trend and coverage charts


def test_chart_renders_chinese_and_fails_clearly_without_the_font(monkeypatch):
    png = documents.bar_chart_png("覆盖率", ["三年级1班", "三年级2班"], [80, 40], unit="%")
    image = Image.open(io.BytesIO(png))
    assert image.size[0] == 900
    # Text was drawn: the label column is not blank.
    darkest, _lightest = image.crop((20, 60, 250, 100)).convert("L").getextrema()
    assert isinstance(darkest, int) and darkest < 128
    documents.cjk_font_path.cache_clear()
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    with pytest.raises(documents.ChartFontMissing, match="fonts-noto-cjk"):
        documents.bar_chart_png("覆盖率", ["一班"], [1])
    documents.cjk_font_path.cache_clear()


def test_edit_issue_archive(stats_world):
    w = stats_world.world
    key = term_key()
    with pytest.raises(PermissionDenied):
        briefings.briefing_draft(unit=w.county, kind="term", period_key=key, by=w.teacher_a)
    with pytest.raises(ValidationError) as bad:
        briefings.briefing_draft(unit=w.county, kind="biweekly", period_key=key, by=w.admin)
    assert "period_key" in bad.value.message_dict
    briefing = briefings.briefing_draft(unit=w.county, kind="term", period_key=key, by=w.admin)
    again = briefings.briefing_draft(unit=w.county, kind="term", period_key=key, by=w.admin)
    assert again.pk == briefing.pk and Briefing.objects.count() == 1
    briefings.briefing_update(briefing=briefing, by=w.admin, title="第一期简报", summary="本期重点")
    briefing = briefings.briefing_issue(briefing=briefing, by=w.admin)
    assert briefing.status == Briefing.Status.ISSUED and briefing.issued_by == w.admin
    doc = read_docx(briefing)
    assert doc.paragraphs[0].text == "第一期简报"
    assert any(p.text == "本期重点" for p in doc.paragraphs)
    with pytest.raises(ValidationError):
        briefings.briefing_update(briefing=briefing, by=w.admin, title="改", summary="")
    with pytest.raises(ValidationError):
        briefings.briefing_draft(unit=w.county, kind="term", period_key=key, by=w.admin)


def test_due_drafts_are_made_once(stats_world):
    w = stats_world.world
    out = io.StringIO()
    call_command("draft_briefings", stdout=out)
    # One biweekly draft, plus the last term's during a vacation.
    assert f"新生成 {Briefing.objects.count()} 份" in out.getvalue()
    briefing = Briefing.objects.get(kind="biweekly")
    current = period_containing(PeriodKind.BIWEEK, timezone.localdate())
    last = period_containing(PeriodKind.BIWEEK, current.start - datetime.timedelta(days=1))
    assert (briefing.unit, briefing.kind, briefing.period_key) == (w.county, "biweekly", last.key)
    assert briefing.status == "draft" and briefing.created_by is None
    out = io.StringIO()
    call_command("draft_briefings", stdout=out)
    assert "新生成 0 份" in out.getvalue()


def test_notable_activity_with_its_photo(stats_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuzha.outreach import services as outreach_services
    from wuzha.plans.testing import jpeg_bytes

    w = stats_world.world
    today = timezone.localdate()
    students = [w.student_a.pk, w.student_a2.pk]
    outreach_services.activity_create(
        unit=w.class_a,
        by=w.teacher_a,
        kind="class_meeting",
        title="识破刷单骗局",
        date=today,
        audiences=["student"],
        roster_ids=students,
        present_ids=students,
        photos=[SimpleUploadedFile("班会.jpg", jpeg_bytes(7), content_type="image/jpeg")],
    )
    biweek = period_containing(PeriodKind.BIWEEK, today)
    briefing = briefings.briefing_draft(
        unit=w.school, kind="biweekly", period_key=biweek.key, by=w.leader
    )
    doc = read_docx(briefing)
    lines = [p.text for p in doc.paragraphs]
    assert any("识破刷单骗局" in line and "参加2人" in line for line in lines)
    charts = 2 + bool(briefing.figures["fraud_types"])
    assert len(doc.inline_shapes) == charts + 1  # the charts and the activity's photo
