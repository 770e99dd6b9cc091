"""The dashboard as a workbook: one sheet per chart, the same rows the page shows."""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from .selectors import Dashboard


def dashboard_xlsx(board: Dashboard) -> bytes:
    table = board.table
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("指标"))
    sheet.write_row(0, 0, [f"{table.unit.name} · {table.period.label}"], bold)
    header = [_("单位"), _("指标"), _("分子"), _("分母"), _("值"), _("样本过小"),
              _("上年同期"), _("较上年"), _("基准年同期"), _("较基准年"), _("目标")]  # fmt: skip
    sheet.write_row(1, 0, header, bold)
    line = 2
    for row in table.all_rows():
        name = _("%(u)s（本级直属）") % {"u": row.unit.name} if row.is_self else row.unit.name
        for cell in row.cells.values():
            sheet.write_row(
                line,
                0,
                [
                    name,
                    str(cell.definition.label),
                    cell.numerator,
                    "" if cell.denominator is None else cell.denominator,
                    cell.display,
                    _("是") if cell.small else "",
                    "" if cell.previous is None else cell.previous,
                    "" if cell.change_yoy is None else f"{cell.change_yoy:+g}{cell.change_unit}",
                    "" if cell.baseline is None else cell.baseline,
                    ""
                    if cell.change_baseline is None
                    else f"{cell.change_baseline:+g}{cell.change_unit}",
                    cell.target.text if cell.target else "",
                ],
            )
            line += 1
    trend = book.add_worksheet(_("发案趋势"))
    trend.write_row(0, 0, [_("月份"), _("发案数"), _("损失（元）")], bold)
    for i, t in enumerate(board.trend, start=1):
        trend.write_row(i, 0, [t["key"], t["cases"], t["lost"]])
    types = book.add_worksheet(_("诈骗类型"))
    types.write_row(0, 0, [_("类型"), _("案件数"), _("损失（元）")], bold)
    for i, t in enumerate(board.fraud_types, start=1):
        types.write_row(i, 0, [t["label"], t["count"], t["lost"]])
    book.close()
    return buffer.getvalue()
