"""The inspection pack (台账): one zip with an index workbook, a Word summary and every file.

Evidence files are named `日期_职责_单位` (submission date, duty title, unit name) so a printed
index and a folder listing read the same way an inspector reads a paper 台账.
"""

import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core.periods import Period
from wuzha.orgs.models import OrgUnit, User

from .models import Duty, Inspection, InspectionPack, Submission, SubmissionFile
from .selectors import activity_attendance_count, duty_completeness, submission_activities_prefetch

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
PROGRESS_EVERY = 25


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")[:60]


def pack_request(*, unit: OrgUnit, period: Period, by: User | None) -> InspectionPack:
    """Queue a pack for `unit` and `period` (or return the one already being built)."""
    from .tasks import build_pack

    pack = InspectionPack(
        unit=unit,
        period_key=period.key,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        created_by=by,
    )
    try:
        with transaction.atomic():
            pack.save()
    except IntegrityError:
        return InspectionPack.objects.get(
            unit=unit, period_key=period.key, status__in=["queued", "running"]
        )
    build_pack.enqueue(pack.pk)
    return pack


def _latest_submissions(duties: list[Duty]) -> dict[int, Submission]:
    latest: dict[int, Submission] = {}
    subs = (
        Submission.objects.filter(duty__in=duties)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related(submission_activities_prefetch())
        .order_by("duty_id", "number")
    )
    for sub in subs:
        latest[sub.duty_id] = sub
    return latest


def _index_workbook(rows: list[list[Any]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("台账索引"))
    bold = book.add_format({"bold": True, "bg_color": "#F2F4F7"})
    headers = [
        _("截止日期"), _("单位"), _("任务"), _("期间"), _("状态"), _("提交时间"),
        _("按时/逾期"), _("提交人"), _("审核"), _("完成情况"), _("材料文件"), _("关联活动记录"),
    ]  # fmt: skip
    sheet.write_row(0, 0, headers, bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 2, 24)
    sheet.set_column(9, 11, 40)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    book.close()
    return out.getvalue()


def _summary_docx(
    pack: InspectionPack, period: Period, today: Any, duties: list[Duty], inspections: list[Any]
) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(_("%(u)s反诈工作台账") % {"u": pack.unit.name}, level=1)
    doc.add_paragraph(
        _("期间：%(l)s（%(a)s 至 %(b)s）；生成时间：%(t)s")
        % {
            "l": pack.period_label,
            "a": pack.period_start,
            "b": pack.period_end,
            "t": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        }
    )
    total, rows = duty_completeness(pack.unit, period, today=today)
    doc.add_heading(_("完成情况"), level=2)
    doc.add_paragraph(
        _("应交 %(e)s 项，已交 %(s)s 项（按时 %(o)s，逾期 %(l)s），缺报 %(m)s 项，未到期 %(p)s 项")
        % {
            "e": total.expected,
            "s": total.submitted,
            "o": total.on_time,
            "l": total.late,
            "m": total.missing,
            "p": total.pending,
        }
    )
    if rows:
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            [_("单位"), _("应交"), _("已交"), _("按时"), _("逾期"), _("缺报")],
            strict=True,
        ):
            cell.text = text
        for row in rows:
            c = row.counts
            values = [row.unit.name, c.expected, c.submitted, c.on_time, c.late, c.missing]
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = str(value)
    missing = [d for d in duties if not d.is_done and d.due_date < today]
    if missing:
        doc.add_heading(_("缺报清单"), level=2)
        for duty in missing[:500]:
            doc.add_paragraph(
                f"{duty.due_date} {duty.unit.name} {duty.title}（{duty.period_key}）",
                style="List Bullet",
            )
    if inspections:
        doc.add_heading(_("督导检查"), level=2)
        for inspection in inspections:
            doc.add_paragraph(
                f"{inspection.date} {inspection.unit.name} {inspection.get_method_display()}："
                f"{inspection.summary}",
                style="List Bullet",
            )
            for finding in inspection.findings.all():
                state = ""
                rect = getattr(finding, "rectification", None)
                if rect is not None:
                    state = f"（{rect.owner_unit.name}，{rect.get_status_display()}）"
                doc.add_paragraph(f"{finding.text}{state}", style="List Bullet 2")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pack_build(*, pack: InspectionPack, on_progress: Callable[[int], None] | None = None) -> None:
    """Write the zip for `pack`; record progress as files are added; mark done or failed."""
    InspectionPack.objects.filter(pk=pack.pk).update(status=InspectionPack.Status.RUNNING)
    today = timezone.localdate()
    period = Period(pack.period_start, pack.period_end, _period_kind(pack.period_key),
                    pack.period_key)  # fmt: skip
    try:
        duties = list(
            Duty.objects.filter(
                unit__path__startswith=pack.unit.path,
                due_date__gte=pack.period_start,
                due_date__lte=pack.period_end,
            )
            .select_related("unit")
            .order_by("due_date", "unit__path", "title")
        )
        latest = _latest_submissions(duties)
        links: dict[int, list[SubmissionFile]] = {}
        for link in SubmissionFile.objects.filter(
            submission__in=list(latest.values())
        ).select_related("evidence"):
            links.setdefault(link.submission_id, []).append(link)
        total_files = sum(len(v) for v in links.values()) or 1
        used: set[str] = set()
        rows: list[list[Any]] = []
        written = 0
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for duty in duties:
                    sub = latest.get(duty.pk)
                    names = []
                    for n, link in enumerate(links.get(sub.pk, []) if sub else [], start=1):
                        assert sub is not None
                        day = timezone.localtime(sub.submitted_at).strftime("%Y%m%d")
                        base = f"{day}_{_safe(duty.title)}_{_safe(duty.unit.name)}"
                        name = f"{base}.{link.evidence.extension}"
                        if name in used:
                            name = f"{base}_{n}.{link.evidence.extension}"
                        used.add(name)
                        with link.evidence.file.open("rb") as source:
                            # Photos and videos are already compressed: store them as they are.
                            archive.writestr(
                                zipfile.ZipInfo(f"材料/{name}", date_time=_zip_time(sub)),
                                source.read(),
                                compress_type=zipfile.ZIP_STORED,
                            )
                        names.append(name)
                        written += 1
                        if written % PROGRESS_EVERY == 0:
                            progress = min(95, int(90 * written / total_files))
                            InspectionPack.objects.filter(pk=pack.pk).update(progress=progress)
                            if on_progress:
                                on_progress(progress)
                    rows.append(_index_row(duty, sub, names))
                inspections = list(
                    Inspection.objects.filter(
                        unit__path__startswith=pack.unit.path,
                        date__gte=pack.period_start,
                        date__lte=pack.period_end,
                    )
                    .select_related("unit")
                    .prefetch_related("findings__rectification__owner_unit")
                )
                archive.writestr("台账索引.xlsx", _index_workbook(rows))
                archive.writestr(
                    "台账汇总.docx", _summary_docx(pack, period, today, duties, inspections)
                )
            tmp.seek(0)
            filename = f"{_safe(pack.unit.name)}_{pack.period_key}_台账_{pack.token[:6]}.zip"
            pack.file.save(filename, File(tmp), save=False)
    except Exception as exc:
        InspectionPack.objects.filter(pk=pack.pk).update(
            status=InspectionPack.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    pack.status = InspectionPack.Status.DONE
    pack.progress = 100
    pack.file_count = written
    pack.finished_at = timezone.now()
    pack.save(update_fields=["file", "status", "progress", "file_count", "finished_at"])


def _zip_time(sub: Submission) -> tuple[int, int, int, int, int, int]:
    t = timezone.localtime(sub.submitted_at)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)


def _period_kind(key: str) -> Any:
    from wuzha.core.periods import parse

    return parse(key).kind


def _index_row(duty: Duty, sub: Submission | None, names: list[str]) -> list[Any]:
    submitted = timezone.localtime(sub.submitted_at).strftime("%Y-%m-%d %H:%M") if sub else ""
    timing = ""
    if duty.is_done:
        timing = _("逾期") if duty.is_late else _("按时")
    review = ""
    if sub and sub.reviewed_at:
        review = f"{sub.get_decision_display()} {sub.reviewed_by or ''} {sub.review_comment}"
    return [
        duty.due_date.isoformat(),
        duty.unit.name,
        duty.title,
        duty.period_key,
        str(duty.get_status_display()),
        submitted,
        str(timing),
        str(sub.submitted_by) if sub else "",
        review.strip(),
        sub.text if sub else "",
        "\n".join(names),
        "\n".join(activity_line(a) for a in sub.activities.all()) if sub else "",
    ]


def activity_line(activity: Any) -> str:
    """One linked activity as the index lists it: date, type, title, attendance, evidence."""
    people = activity_attendance_count(activity)
    return _("%(d)s %(k)s《%(t)s》（%(u)s，参加 %(p)s 人，材料 %(f)s 份）") % {
        "d": activity.date.isoformat(),
        "k": activity.get_kind_display(),
        "t": activity.title,
        "u": activity.unit.name,
        "p": "—" if people is None else people,
        "f": activity.file_count,
    }
