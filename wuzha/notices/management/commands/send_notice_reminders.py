"""Email class teachers how many recipients of each open notice are still pending."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from wuzha.notices.models import Notice
from wuzha.notices.services import notice_remind_teachers

from .notice_links import default_base_url


class Command(BaseCommand):
    help = "通过通知渠道（邮件、群机器人）提醒有未签对象的班主任催签；同一天重复运行不会重复发送。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=default_base_url())

    def handle(self, *args: Any, **options: Any) -> None:
        sent = 0
        open_notices = Notice.objects.filter(
            status=Notice.Status.ISSUED, deadline__gte=timezone.localdate()
        ).select_related("unit")
        for notice in open_notices:
            sent += notice_remind_teachers(notice=notice, base_url=options["base_url"])
        self.stdout.write(f"已发送 {sent} 条催签提醒")
