"""Load the project's question bank (content/questions.json) into the database, by key."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuzha.learning.content import ContentError
from wuzha.learning.services import load_question_bank


class Command(BaseCommand):
    help = (
        "按编号导入题库 questions.json：新题新增，内容变化的题目生成新版本，未变化的跳过；"
        "可重复运行。内容不符合约定时整份不导入并报告出错位置。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path", type=Path, default=None, help="默认 wuzha/learning/content/questions.json"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_question_bank(options["path"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"题库：新增 {summary.created} 题，更新 {summary.updated} 题，"
            f"未变化 {summary.unchanged} 题。"
        )
