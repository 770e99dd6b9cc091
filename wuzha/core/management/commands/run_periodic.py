from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行一轮定时任务（提醒、重试通知等）：settings.PERIODIC_COMMANDS 中的每个命令各运行一次"

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for name in settings.PERIODIC_COMMANDS:
            try:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            except Exception as exc:  # one broken job must not stop the others
                failed += 1
                self.stderr.write(f"{name} 失败：{exc!r}")
        self.stdout.write(
            f"定时任务完成：{len(settings.PERIODIC_COMMANDS) - failed} 成功，{failed} 失败"
        )
