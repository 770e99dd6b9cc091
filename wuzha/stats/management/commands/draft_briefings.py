from typing import Any

from django.core.management.base import BaseCommand

from wuzha.stats import briefings, documents


class Command(BaseCommand):
    help = (
        "生成到期的简报草稿：每个正在执行工作方案的单位，上一个双周的专项简报和已结束学期的学期简报"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = briefings.briefings_draft_due()
        except documents.ChartFontMissing as exc:
            self.stderr.write(str(exc))
            return
        self.stdout.write(f"简报草稿：新生成 {created} 份")
