"""Print every demo login again, e.g. just before `make run` starts the server."""

from typing import Any

from django.core.management.base import BaseCommand

from wuzha.orgs import demo


class Command(BaseCommand):
    help = "列出全部演示账号（每行一个：demo login: 用户名 / 密码 (角色, 单位)）。"

    def handle(self, *args: Any, **options: Any) -> None:
        lines = demo.login_lines()
        if not lines:
            self.stdout.write("还没有演示账号：请先运行 manage.py seed_demo")
        for line in lines:
            self.stdout.write(line)
