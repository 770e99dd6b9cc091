"""Create a personal API token for a staff account and print it once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wuzha.orgs.models import ApiToken, User
from wuzha.orgs.services import api_token_create


class Command(BaseCommand):
    help = "为员工账号创建个人 API 令牌；标准输出只打印令牌本身，便于脚本读取。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="账号用户名")
        parser.add_argument("--name", default="", help="令牌名称，便于日后识别和撤销")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户 %(username)s 不存在") % {"username": username})
        if not user.is_active:
            raise CommandError(_("用户 %(username)s 已停用，不能创建令牌") % {"username": username})
        name = name.strip()
        limit = ApiToken._meta.get_field("name").max_length or 0
        if len(name) > limit:
            raise CommandError(_("令牌名称最多 %(limit)d 个字符") % {"limit": limit})
        _token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
