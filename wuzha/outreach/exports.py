"""Excel exports: the activity register with attendance, and a coverage list."""

import io

import xlsxwriter
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from wuzha.core.periods import Period
from wuzha.core.validators import mask_name
from wuzha.orgs.models import OrgUnit

from .models import Attendance
from .selectors import PersonCoverage, activities_for


def _name(name: str, full: bool) -> str:
    return name if full else mask_name(name)


def activities_xlsx(unit: OrgUnit, period: Period, *, full: bool) -> bytes:
    """Two sheets: one row per activity of `unit`'s subtree in `period`; one per attendance."""
    activities = (
        activities_for(unit, period.start, period.end)
        .select_related("unit", "created_by")
        .annotate(
            present_count=Count("attendance", filter=Q(attendance__present=True)),
            absent_count=Count("attendance", filter=Q(attendance__present=False)),
            file_count=Count("files", distinct=True),
        )
        .order_by("date", "start_time", "pk")
    )
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("活动登记"))
    sheet.write_row(
        0, 0, [_("%(u)s 宣传教育活动登记（%(p)s）") % {"u": unit.name, "p": period.label}], bold
    )
    header = [
        _("日期"), _("时间"), _("单位"), _("活动类型"), _("主题"), _("地点"), _("主讲人"),
        _("对象"), _("涉及诈骗类型"), _("出勤记录方式"), _("参加人数"), _("缺席人数"),
        _("材料数"), _("登记人"),
    ]  # fmt: skip
    sheet.write_row(1, 0, header, bold)
    for row, a in enumerate(activities, start=2):
        sheet.write_row(
            row,
            0,
            [
                a.date.isoformat(),
                a.start_time.strftime("%H:%M") if a.start_time else "",
                a.unit.name,
                a.get_kind_display(),
                a.title,
                a.place,
                a.speaker,
                "、".join(a.audience_labels),
                "、".join(a.fraud_type_labels),
                a.get_attendance_mode_display(),
                a.headcount or 0,
                a.absent_count,  # type: ignore[attr-defined]
                a.file_count,  # type: ignore[attr-defined]
                str(a.created_by or ""),
            ],
        )
    sheet.set_column(0, 0, 11)
    sheet.set_column(2, 4, 18)
    attendance = book.add_worksheet(_("出勤名单"))
    attendance.write_row(
        0, 0, [_("日期"), _("活动"), _("单位"), _("姓名"), _("学号/工号"), _("出勤")], bold
    )
    rows = (
        Attendance.objects.filter(
            activity__in=activities_for(unit, period.start, period.end).values("pk")
        )
        .select_related("activity", "person__unit")
        .order_by("activity__date", "activity_id", "person__unit__path", "person__number")
    )
    for row, att in enumerate(rows.iterator(chunk_size=2000), start=1):
        attendance.write_row(
            row,
            0,
            [
                att.activity.date.isoformat(),
                att.activity.title,
                att.person.unit.name,
                _name(att.person.name, full),
                att.person.number,
                _("出席") if att.present else _("缺席"),
            ],
        )
    book.close()
    return buffer.getvalue()


def coverage_xlsx(
    unit: OrgUnit,
    period: Period,
    people: list[PersonCoverage],
    channels: list[tuple[str, str]],
    *,
    full: bool,
) -> bytes:
    """One row per person with ✓ per channel and the channels still missing."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("覆盖名单"))
    sheet.write_row(
        0, 0, [_("%(u)s 覆盖名单（%(p)s）") % {"u": unit.name, "p": period.label}], bold
    )
    header = [_("单位"), _("姓名"), _("学号/工号"), *[label for _c, label in channels]]
    sheet.write_row(1, 0, [*header, _("是否已覆盖"), _("未覆盖渠道")], bold)
    for row, item in enumerate(people, start=2):
        sheet.write_row(
            row,
            0,
            [
                item.person.unit.name,
                _name(item.person.name, full),
                item.person.number,
                *["✓" if hit else "" for hit in item.channels],
                _("是") if item.reached else _("否"),
                "、".join(item.missing),
            ],
        )
    sheet.set_column(0, 0, 16)
    book.close()
    return buffer.getvalue()
