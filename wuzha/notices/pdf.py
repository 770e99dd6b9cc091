"""Printable PDFs: letters with a tear-off receipt and QR code, class posters, the bound archive.

ReportLab's built-in CID font STSong-Light draws Chinese without shipping a font file. Pages are
drawn straight on the canvas (no flowables) so 2,000 letters take seconds.
"""

import io
from collections.abc import Callable
from functools import cache

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from wuzha.orgs.models import OrgUnit

from . import selectors
from .content import body_values, paragraphs, render_body
from .models import Delivery, Notice, Signature

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN = 48
Progress = Callable[[int, int], None]


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _char_width(ch: str, size: float) -> float:
    return pdfmetrics.stringWidth(ch, _font(), size)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break `text` into lines no wider than `width`, character by character (CJK has no spaces)."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line, used = "", 0.0
        for ch in raw:
            w = _char_width(ch, size)
            if used + w > width and line:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
    return lines


def qr_matrix(url: str) -> tuple[bytearray, ...]:
    """QR modules for `url`; a fixed mask skips segno's costly mask search (still valid)."""
    return segno.make(url, error="m", micro=False, mask=2).matrix


def draw_qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of `url` with its quiet zone inside the square (x, y, size).

    The modules are written as raw `re` operators in module units under one transform: going
    through ReportLab's path objects formats every coordinate as a float and dominates the time
    of a 2,000-page print run.
    """
    matrix = qr_matrix(url)
    n = len(matrix)
    m = size / (n + 8)  # four modules of quiet zone on each side
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        ry = n - 1 - row_index
        col, width = 0, len(row)
        while col < width:
            if row[col]:
                start = col
                while col < width and row[col]:
                    col += 1
                ops.append(f"{start} {ry} {col - start} 1 re")
            else:
                col += 1
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    c.transform(m, 0, 0, m, x + 4 * m, y + 4 * m)
    c._code.append(" ".join(ops) + " f")
    c.restoreState()


def sign_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}/"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _text(c: Canvas, x: float, y: float, text: str, size: float) -> None:
    c.setFont(_font(), size)
    c.drawString(x, y, text)


RECEIPT_H = 190.0
BODY_TOP = PAGE_H - MARGIN - 34
BODY_ROOM = BODY_TOP - (MARGIN + RECEIPT_H + 16)
SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5)


def _layout(body: str, size: float) -> tuple[list[str | None], float]:
    """Wrapped lines of `body` at `size` (None marks a paragraph gap) and their height."""
    width = PAGE_W - 2 * MARGIN
    leading = size * 1.55
    lines: list[str | None] = []
    for para in paragraphs(body):
        lines.extend(wrap(para, width, size))
        lines.append(None)
    height = sum(leading if line is not None else size * 0.5 for line in lines)
    return lines, height


def fit_size(notice: Notice, values: dict[str, str]) -> float:
    """The largest type size at which the letter fits above the receipt (long names included)."""
    body = render_body(notice.body, {**values, "学生姓名": "欧阳某某某"})
    for size in SIZES:
        if _layout(body, size)[1] <= BODY_ROOM:
            return size
    return SIZES[-1]


def _letter_page(
    c: Canvas,
    notice: Notice,
    delivery: Delivery,
    values: dict[str, str],
    base_url: str,
    size: float,
) -> None:
    lines, _height = _layout(render_body(notice.body, values), size)
    leading = size * 1.55
    receipt_h = RECEIPT_H
    body_top = BODY_TOP
    c.setFont(_font(), 15)
    c.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN - 14, notice.title)
    y = body_top
    c.setFont(_font(), size)
    for line in lines:
        if line is None:
            y -= size * 0.5
            continue
        c.drawString(MARGIN, y, line)
        y -= leading
    # Tear-off receipt.
    cut_y = MARGIN + receipt_h
    c.setDash(4, 3)
    c.line(MARGIN - 20, cut_y, PAGE_W - MARGIN + 20, cut_y)
    c.setDash()
    _text(c, MARGIN, cut_y + 3, _("请沿虚线剪下回执，签字后由学生带回学校"), 7.5)
    qr = 118.0
    qr_x = PAGE_W - MARGIN - qr
    qr_y = MARGIN + 30
    draw_qr(c, sign_url(base_url, delivery.token), qr_x, qr_y, qr)
    _text(c, qr_x + 6, qr_y - 4, _("微信扫码 手机签署"), 8)
    _text(c, qr_x + 6, qr_y - 16, _("回执码 %(code)s") % {"code": format_code(delivery.code)}, 9)
    c.setFont(_font(), 13)
    c.drawString(MARGIN, cut_y - 24, _("回执") + " · " + notice.title)
    left_w = qr_x - MARGIN - 12
    y = cut_y - 46
    person = delivery.person
    for label in (
        _("学生：%(name)s　学号：%(number)s")
        % {"name": person.name, "number": person.number or "—"},
        _("班级：%(klass)s") % {"klass": values["班级"]},
    ):
        _text(c, MARGIN, y, label, 10.5)
        y -= 17
    for line in wrap(notice.receipt_text, left_w, 10):
        _text(c, MARGIN, y, line, 10)
        y -= 15
    y -= 10
    signer = _("家长签字") if notice.per_student else _("本人签字")
    _text(c, MARGIN, y, f"{signer}：______________　{_('关系')}：________", 10.5)
    y -= 24
    _text(c, MARGIN, y, _("日期：______年____月____日"), 10.5)
    if notice.ask_app:
        _text(c, MARGIN + 170, y, _("□ 已安装国家反诈中心APP"), 10.5)
    _text(
        c,
        MARGIN,
        MARGIN + 4,
        _("无法扫码时，可打开 %(url)s 输入回执码签署。") % {"url": f"{base_url.rstrip('/')}/s/"},
        7.5,
    )


def _class_values(notice: Notice, units: list[OrgUnit]) -> dict[int, dict[str, str]]:
    """Per-unit values of the body variables: class, school and class teacher."""
    teachers = selectors.class_teachers([u.pk for u in units])
    schools: dict[int, str] = {}
    for unit in units:
        school = unit.school()
        schools[unit.pk] = school.name if school else notice.unit.name
    date = timezone.localdate(notice.issued_at) if notice.issued_at else timezone.localdate()
    return {
        u.pk: body_values(
            klass=u.name,
            school=schools[u.pk],
            teacher="、".join(str(t) for t in teachers.get(u.pk, [])),
            date=date,
        )
        for u in units
    }


def letters_pdf(
    notice: Notice, unit: OrgUnit, base_url: str, *, progress: Progress | None = None
) -> bytes:
    """One A4 page per recipient under `unit`: the letter and a receipt with QR and code."""
    deliveries = list(selectors.class_deliveries(notice, unit))
    units = {d.unit_id: d.unit for d in deliveries}
    class_values = _class_values(notice, list(units.values()))
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(f"{notice.title} · {unit.name}")
    sizes = {pk: fit_size(notice, v) for pk, v in class_values.items()}
    total = len(deliveries)
    for i, delivery in enumerate(deliveries, 1):
        values = {**class_values[delivery.unit_id], "学生姓名": delivery.person.name}
        _letter_page(c, notice, delivery, values, base_url, sizes[delivery.unit_id])
        c.showPage()
        if progress is not None and (i % 100 == 0 or i == total):
            progress(i, total)
    if not deliveries:
        _text(c, MARGIN, PAGE_H - MARGIN, _("该范围内没有送达对象。"), 12)
        c.showPage()
    c.save()
    return buf.getvalue()


def poster_pdf(notice: Notice, unit: OrgUnit, url: str) -> bytes:
    """A class QR poster for the class group or the classroom door."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setTitle(f"{notice.title} · {unit.name}")
    c.setFont(_font(), 22)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 110, notice.title)
    c.setFont(_font(), 16)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 145, unit.full_name())
    size = 320.0
    draw_qr(c, url, (PAGE_W - size) / 2, PAGE_H - 190 - size, size)
    c.setFont(_font(), 14)
    y = PAGE_H - 230 - size
    for line in (
        _("请家长用微信扫一扫，输入孩子姓名和学号后4位，"),
        _("阅读后在手机上签名即可，约需一分钟。"),
        _("截止日期：%(d)s") % {"d": notice.deadline.isoformat()},
    ):
        c.drawCentredString(PAGE_W / 2, y, line)
        y -= 24
    c.setFont(_font(), 9)
    c.drawCentredString(PAGE_W / 2, MARGIN, url)
    c.showPage()
    c.save()
    return buf.getvalue()


def _signature_block(c: Canvas, row: selectors.RegisterRow, x: float, y: float, h: float) -> None:
    delivery, sig = row.delivery, row.signature
    _text(c, x, y - 14, f"{delivery.person.name}（{delivery.person.number or '—'}）", 11)
    if sig is None or not sig.is_signed:
        _text(c, x, y - 32, _("未签署"), 10)
    else:
        local = timezone.localtime(sig.signed_at)
        info = _("%(signer)s（%(rel)s） %(method)s · %(via)s") % {
            "signer": sig.signer_name,
            "rel": sig.get_relation_display(),
            "method": sig.get_method_display(),
            "via": sig.get_via_display(),
        }
        _text(c, x, y - 32, info, 9)
        _text(c, x, y - 46, local.strftime("%Y-%m-%d %H:%M"), 9)
        if sig.cosigner_name:
            _text(c, x, y - 60, _("家长共同签名：%(n)s") % {"n": sig.cosigner_name}, 9)
        if sig.app_installed:
            _text(c, x + 120, y - 46, _("已装反诈APP"), 9)
        image_x, image_w, image_h = x + 270, 150.0, h - 18
        if sig.image:
            c.drawImage(
                ImageReader(io.BytesIO(bytes(sig.image))),
                image_x,
                y - h + 6,
                width=image_w,
                height=image_h,
                preserveAspectRatio=True,
                mask="auto",
            )
        elif sig.photo:
            try:
                with sig.photo.open("rb") as fh:
                    reader = ImageReader(io.BytesIO(fh.read()))
                c.drawImage(
                    reader,
                    image_x,
                    y - h + 6,
                    width=image_w,
                    height=image_h,
                    preserveAspectRatio=True,
                )
            except OSError:
                _text(c, image_x, y - 32, _("（照片缺失）"), 9)
        elif sig.method == Signature.Method.TYPED:
            _text(
                c, image_x, y - 32, _("输入签名：%(n)s（已勾选确认）") % {"n": sig.signer_name}, 10
            )
        if row.countersigned_by:
            _text(c, x, y - 74, _("上级会签：%(n)s") % {"n": row.countersigned_by}, 9)
    corrections = [s for s in row.history if s.supersedes_id]
    if corrections:
        last = corrections[-1]
        _text(
            c,
            x,
            y - h + 8,
            _("更正记录 %(n)d 条，最近：%(reason)s（%(by)s）")
            % {"n": len(corrections), "reason": last.reason, "by": last.recorded_by or "—"},
            8,
        )


def archive_pdf(notice: Notice, unit: OrgUnit, *, progress: Progress | None = None) -> bytes:
    """The bound volume of `unit`: every recipient with signer, relation, time, method, image."""
    rows = selectors.class_register(notice, unit)
    prog = selectors.notice_progress(notice)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setTitle(f"{notice.title} · {unit.name} · {_('回执汇编')}")
    block_h = 92.0
    per_page = int((PAGE_H - 2 * MARGIN - 60) // block_h)
    total = len(rows)
    pages = max(1, -(-total // per_page))
    counts = next((r.counts for r in prog.rows if r.unit.pk == unit.pk), prog.total)
    for page in range(pages):
        c.setFont(_font(), 14)
        c.drawString(MARGIN, PAGE_H - MARGIN - 6, f"{notice.title} · {_('回执汇编')}")
        _text(
            c,
            MARGIN,
            PAGE_H - MARGIN - 26,
            _("%(unit)s　应签 %(n)d　线上 %(o)d　纸质 %(p)d　未签 %(q)d　第 %(page)d/%(pages)d 页")
            % {
                "unit": unit.full_name(),
                "n": counts.recipients,
                "o": counts.online,
                "p": counts.paper,
                "q": counts.pending,
                "page": page + 1,
                "pages": pages,
            },
            9,
        )
        y = PAGE_H - MARGIN - 40
        for row in rows[page * per_page : (page + 1) * per_page]:
            c.setStrokeColorRGB(0.8, 0.8, 0.8)
            c.line(MARGIN, y, PAGE_W - MARGIN, y)
            c.setStrokeColorRGB(0, 0, 0)
            _signature_block(c, row, MARGIN, y, block_h)
            y -= block_h
        c.showPage()
        if progress is not None:
            progress(min((page + 1) * per_page, total), total)
    c.save()
    return buf.getvalue()
