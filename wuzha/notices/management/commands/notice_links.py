"""Print the personal links of a notice as CSV, or list the notices."""

import csv
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuzha.notices.models import Delivery, Notice
from wuzha.notices.pdf import sign_url


def default_base_url() -> str:
    return os.environ.get("WUZHA_BASE_URL", "http://localhost:8000")


class Command(BaseCommand):
    help = (
        "输出告知的个人签署链接：notice_links NOTICE_ID --format csv "
        "（列：delivery_id,person,class,url）；notice_links --list 列出全部告知。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("notice_id", nargs="?", type=int)
        parser.add_argument("--format", choices=["csv"], default="csv")
        parser.add_argument(
            "--list", action="store_true", help="每行一个告知：id、类型、标题、状态"
        )
        parser.add_argument("--base-url", default=default_base_url())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for notice in Notice.objects.order_by("pk"):
                self.stdout.write(f"{notice.pk}\t{notice.kind}\t{notice.title}\t{notice.status}")
            return
        if options["notice_id"] is None:
            raise CommandError("请给出告知编号，或使用 --list 查看全部告知")
        found = Notice.objects.filter(pk=options["notice_id"]).first()
        if found is None:
            raise CommandError(f"告知 {options['notice_id']} 不存在")
        writer = csv.writer(self.stdout, lineterminator="\n")
        notice = found
        writer.writerow(["delivery_id", "person", "class", "url"])
        deliveries = (
            Delivery.objects.filter(notice=notice)
            .select_related("person", "unit")
            .order_by("unit__path", "person__number", "pk")
        )
        for d in deliveries.iterator(chunk_size=2000):
            writer.writerow(
                [d.pk, d.person.name, d.unit.name, sign_url(options["base_url"], d.token)]
            )
