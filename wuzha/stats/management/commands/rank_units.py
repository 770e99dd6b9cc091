from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wuzha.core.periods import PeriodError, PeriodKind, parse
from wuzha.orgs.models import User
from wuzha.stats import services


class Command(BaseCommand):
    help = (
        "月度排名与通报：对设置了排名规则的工作方案，按上月（或 --period 指定的月份）"
        "对下级单位排名，按规则生成通报、约谈、挂牌整治及整改事项，"
        "并将整改已销号的通报关闭。已发布的月份跳过。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--period", help="月份，如 2026-10；缺省为上月")
        parser.add_argument("--by", help="署名的用户名（缺省为方案创建人或发文单位办公室人员）")
        parser.add_argument("--force", action="store_true", help="重新发布已发布的月份")

    def handle(self, *args: Any, **options: Any) -> None:
        period = None
        if options.get("period"):
            try:
                period = parse(options["period"])
            except PeriodError as exc:
                raise CommandError(str(exc)) from exc
            if period.kind != PeriodKind.MONTH:
                raise CommandError("排名按月进行，请填写如 2026-10 的月份")
        by = None
        if options.get("by"):
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"用户 {options['by']} 不存在")
        result = services.monthly_ranking_run(period=period, by=by, force=options["force"])
        self.stdout.write(
            "月度排名：{rules} 个方案规则，发布 {published} 份排名，"
            "新增 {escalations} 项通报/约谈，关闭 {closed} 项已整改通报".format(**result)
        )
