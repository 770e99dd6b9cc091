"""Generated documents: chart images (Pillow), 通报 and briefings (python-docx), certificates (PDF).

Chart text is Chinese, so the charts need a CJK font file: the Noto CJK font found by fontconfig
(`fonts-noto-cjk`). Without one, `ChartFontMissing` says what to install instead of drawing boxes.
"""

import functools
import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

FONT_FAMILY = "Noto Sans CJK SC"


class ChartFontMissing(RuntimeError):
    """No CJK font file: the charts of a briefing cannot show Chinese text."""


@functools.cache
def cjk_font_path() -> str:
    """The font file of Noto Sans CJK SC as fontconfig resolves it."""
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        found = subprocess.run(
            [fc_match, "-f", "%{file}", FONT_FAMILY], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and "cjk" in found.lower():
            return found
    raise ChartFontMissing(
        _("未找到中文字体（Noto Sans CJK SC），无法生成图表：请安装 fonts-noto-cjk 后重试")
    )


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(cjk_font_path(), size)


PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#be185d"]


def bar_chart_png(
    title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = ""
) -> bytes:
    """A horizontal bar chart with the value written after each bar."""
    from PIL import Image, ImageDraw

    rows = max(len(labels), 1)
    width, bar_h, left, top = 900, 30, 260, 60
    height = top + rows * (bar_h + 10) + 30
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((20, 15), title, fill="#111827", font=_font(24))
    font = _font(18)
    top_value = max([v for v in values if v is not None] or [0]) or 1
    span = width - left - 140
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_h + 10)
        draw.text((20, y + 4), label[:13], fill="#374151", font=font)
        length = int(span * (value or 0) / top_value)
        draw.rectangle([left, y, left + max(length, 1), y + bar_h], fill=PALETTE[0])
        text = "—" if value is None else f"{value:g}{unit}"
        draw.text((left + length + 8, y + 4), text, fill="#111827", font=font)
    if not labels:
        draw.text((left, top), _("无数据"), fill="#6b7280", font=font)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def column_chart_png(title: str, labels: Sequence[str], values: Sequence[float]) -> bytes:
    """A column chart over time (e.g. cases per month)."""
    from PIL import Image, ImageDraw

    width, height, left, bottom, top = 900, 420, 60, 60, 60
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((20, 15), title, fill="#111827", font=_font(24))
    font = _font(15)
    top_value = max(list(values) or [0]) or 1
    n = max(len(values), 1)
    slot = (width - left - 20) / n
    base = height - bottom
    draw.line([left, base, width - 20, base], fill="#9ca3af", width=1)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + slot * 0.2
        h = (base - top) * (value or 0) / top_value
        draw.rectangle([x, base - h, x + slot * 0.6, base], fill=PALETTE[1])
        draw.text((x, base - h - 20), f"{value:g}", fill="#111827", font=font)
        draw.text((x - 4, base + 8), label[-5:], fill="#374151", font=font)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Word documents
# ---------------------------------------------------------------------------------------------


def _document() -> Any:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    return doc


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def _bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass
class EscalationText:
    issuer: str
    unit: str
    level: str
    period: str
    reason: str
    deadline: str
    requirement: str
    ranking_header: list[str]
    ranking_rows: list[list[Any]]


def escalation_docx(text: EscalationText) -> bytes:
    """The 通报 sent to an escalated unit: the facts, the month's ranking, what must be done."""
    doc = _document()
    doc.add_heading(_("关于%(u)s%(l)s的通报") % {"u": text.unit, "l": text.level}, level=1)
    doc.add_paragraph(_("%(u)s：") % {"u": text.unit})
    doc.add_paragraph(text.reason)
    doc.add_paragraph(_("%(p)s各单位排名如下（名次相同者并列）：") % {"p": text.period})
    _table(doc, text.ranking_header, text.ranking_rows)
    doc.add_paragraph(text.requirement)
    doc.add_paragraph(_("请于%(d)s前在平台上提交整改情况及证明材料。") % {"d": text.deadline})
    doc.add_paragraph(text.issuer)
    return _bytes(doc)


@dataclass
class BriefingContent:
    title: str
    issuer: str
    period_label: str
    summary: str
    headline: list[tuple[str, str]]
    completeness_header: list[str]
    completeness_rows: list[list[Any]]
    ranking_header: list[str]
    ranking_rows: list[list[Any]]
    cases: list[str]
    activities: list[tuple[str, bytes | None]]
    charts: list[bytes]


def briefing_docx(content: BriefingContent) -> bytes:
    from docx.shared import Cm

    doc = _document()
    doc.add_heading(content.title, level=1)
    doc.add_paragraph(f"{content.issuer}　{content.period_label}")
    if content.summary.strip():
        doc.add_heading(_("一、工作综述"), level=2)
        for paragraph in content.summary.strip().splitlines():
            if paragraph.strip():
                doc.add_paragraph(paragraph.strip())
    doc.add_heading(_("二、主要数据"), level=2)
    _table(doc, [_("指标"), _("本期")], content.headline)
    doc.add_heading(_("三、各单位工作完成情况"), level=2)
    _table(doc, content.completeness_header, content.completeness_rows)
    doc.add_heading(_("四、发案排名"), level=2)
    _table(doc, content.ranking_header, content.ranking_rows)
    for chart in content.charts:
        doc.add_picture(io.BytesIO(chart), width=Cm(15))
    doc.add_heading(_("五、案件情况（已隐去当事人信息）"), level=2)
    for line in content.cases or [_("本期无案件。")]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading(_("六、工作动态"), level=2)
    for line, photo in content.activities or [(_("本期无登记的活动。"), None)]:
        doc.add_paragraph(line, style="List Bullet")
        if photo:
            try:
                doc.add_picture(io.BytesIO(photo), width=Cm(8))
            except Exception:  # an unreadable photo must not stop the briefing
                doc.add_paragraph(_("（照片无法嵌入）"))
    return _bytes(doc)


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


def certificate_pdf(
    certificates: Sequence[tuple[str, str, str]], *, issuer: str, date_text: str
) -> bytes:
    """One landscape A4 page per (number, awardee, title) — e.g. ("WZ-2026-001", "三年级1班",
    "无诈班级"). STSong-Light is a CID font built into reportlab: no font file needed."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(_("无诈创建荣誉证书"))
    for number, awardee, title in certificates:
        pdf.setStrokeColorRGB(0.7, 0.1, 0.1)
        pdf.setLineWidth(6)
        pdf.rect(30, 30, width - 60, height - 60)
        pdf.setFont("STSong-Light", 40)
        pdf.drawCentredString(width / 2, height - 140, _("荣誉证书"))
        pdf.setFont("STSong-Light", 24)
        pdf.drawCentredString(width / 2, height - 230, awardee)
        pdf.drawCentredString(
            width / 2, height - 290, _("被评为“%(t)s”，特发此证，以资鼓励。") % {"t": title}
        )
        pdf.setFont("STSong-Light", 16)
        pdf.drawRightString(width - 100, 140, issuer)
        pdf.drawRightString(width - 100, 110, date_text)
        pdf.drawString(80, 70, _("证书编号：%(n)s") % {"n": number})
        pdf.showPage()
    pdf.save()
    return out.getvalue()
