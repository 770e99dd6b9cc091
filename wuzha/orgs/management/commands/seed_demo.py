"""Build the deterministic demo world (示范县) and print every demo login."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wuzha.orgs import demo


class Command(BaseCommand):
    help = (
        "创建示范数据（示范县的单位、学生、家长、教职工和各角色演示账号）；"
        "可重复运行，不会重复创建。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=demo.SCALES,
            default="small",
            help="small ≈ 3,000 名学生；county ≈ 30,000 名学生；city ≈ 300,000 人（性能测试用）",
        )
        parser.add_argument(
            "--no-logins",
            action="store_true",
            help="不打印演示账号（make run 在启动网站前另行打印）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = demo.seed(options["scale"], out=self.stdout.write)
        elapsed = time.monotonic() - started
        verb = "已创建" if result.built else "已存在"
        self.stdout.write(
            f"示范数据{verb}：{result.units} 个单位，{result.students} 名学生，"
            f"{result.guardians} 名家长/监护人，{result.staff} 名教职工（{elapsed:.1f} 秒）"
        )
        if not options["no_logins"]:
            for line in demo.login_lines():
                self.stdout.write(line)
