"""Import a roster file from the command line, with the same checks as the web preview."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wuzha.orgs.models import OrgUnit
from wuzha.orgs.roster import RosterFileError, issues_text, roster_run


class Command(BaseCommand):
    help = "导入学生和家长名册（.xlsx 或 .csv）；先用 --dry-run 检查，只导入有效的行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="名册文件路径（.xlsx 或 .csv）")
        parser.add_argument("--unit", required=True, help="导入到的单位代码（学校、年级或班级）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        parser.add_argument("--all-or-nothing", action="store_true", help="有任何错误时全部不导入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(_("单位不存在：%(code)s") % {"code": options["unit"]})
        try:
            result = roster_run(
                unit,
                path.read_bytes(),
                path.name,
                dry_run=options["dry_run"],
                all_or_nothing=options["all_or_nothing"],
            )
        except RosterFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            _("共 %(rows)d 行：有效 %(valid)d 行，有错误 %(bad)d 行，提醒 %(warn)d 条")
            % {
                "rows": result.rows,
                "valid": result.valid,
                "bad": result.error_rows,
                "warn": len(result.warnings),
            }
        )
        if options["dry_run"]:
            self.stdout.write(
                _("预检（未写入）：将新增 %(created)d 人，更新 %(updated)d 人")
                % {"created": result.created, "updated": result.updated}
            )
        elif result.imported:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已导入：新增 %(created)d 人，更新 %(updated)d 人，新增家长 %(guardians)d 人")
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "guardians": result.guardians_created,
                    }
                )
            )
        elif result.errors and options["all_or_nothing"]:
            self.stdout.write(
                self.style.ERROR(_("存在错误，按 --all-or-nothing 的要求没有导入任何数据"))
            )
        else:
            self.stdout.write(self.style.ERROR(_("没有可以导入的有效行")))
        if result.errors:
            self.stdout.write(_("错误："))
            self.stdout.write(issues_text(result.errors))
        if result.warnings:
            self.stdout.write(_("提醒："))
            self.stdout.write(issues_text(result.warnings))
