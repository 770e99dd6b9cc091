"""Train the checker's type model and write the artefact with its training report."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuzha.checker.model import ARTIFACT_PATH, reset_model
from wuzha.checker.training import Example, load_jsonl, train


class Command(BaseCommand):
    help = "训练识骗模型（自编语料 + TeleAntiFraud，可加 --data 自有标注数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            action="append",
            default=[],
            type=Path,
            help="额外的标注数据（.jsonl，字段 text 与 label，label 为分类代码），可多次指定",
        )
        parser.add_argument("--text-field", default="text")
        parser.add_argument("--label-field", default="label")
        parser.add_argument(
            "--only-data", action="store_true", help="只用 --data 的数据训练，不用内置语料"
        )
        parser.add_argument("--out", type=Path, default=ARTIFACT_PATH, help="模型文件路径")
        parser.add_argument("--c", type=float, default=16.0, help="类型分类器的正则化参数 C")
        parser.add_argument(
            "--binary-c", type=float, default=16.0, help="诈骗/正常分类器的正则化参数 C"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra: list[Example] = []
        for path in options["data"]:
            if not path.exists():
                raise CommandError(f"找不到文件：{path}")
            try:
                extra += load_jsonl(
                    path, text_field=options["text_field"], label_field=options["label_field"]
                )
            except (KeyError, ValueError) as exc:
                raise CommandError(f"数据格式错误：{exc}") from exc
        if options["only_data"] and not extra:
            raise CommandError("--only-data 需要同时指定 --data")
        result = train(
            extra=extra,
            builtin=not options["only_data"],
            c=options["c"],
            binary_c=options["binary_c"],
            out=options["out"],
        )
        reset_model()
        report = result.report
        self.stdout.write(
            f"trained in {report['train_seconds']} s, artefact {options['out']} "
            f"({report['artifact_bytes'] / 1e6:.2f} MB)"
        )
        for name, scores in report["scores"].items():
            self.stdout.write(f"{name}: {scores}")
