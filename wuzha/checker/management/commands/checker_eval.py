"""Score the checker on a labelled .jsonl file."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuzha.checker.evaluation import evaluate, format_report
from wuzha.learning.taxonomy import FraudType


def _load_map(path: Path | None) -> dict[str, str | None]:
    """A label map: JSON object from the file's labels to taxonomy codes (null: fraud of an
    unmapped type, counted for fraud/normal only)."""
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CommandError("--label-map 必须是 JSON 对象")
    valid = set(FraudType.values)
    for key, value in data.items():
        if value is not None and value not in valid:
            raise CommandError(f"--label-map 中 {key!r} 映射到未知分类 {value!r}")
    return data


class Command(BaseCommand):
    help = "在带标注的 .jsonl 上评估识骗：二分类 P/R/F1、类型准确率与宏F1、混淆矩阵、吞吐量"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--text-field", default="text")
        parser.add_argument("--label-field", default="label")
        parser.add_argument(
            "--label-map",
            type=Path,
            help="JSON 文件：把数据里的标签映射到分类代码；映射为 null 表示只计入是否诈骗",
        )
        parser.add_argument(
            "--merge",
            action="append",
            default=[],
            metavar="PRED=GOLD",
            help="把预测类型并入金标类型后再计分，如 credit_repair=loan_credit_card",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"找不到文件：{path}")
        label_map = _load_map(options["label_map"])
        valid = set(FraudType.values)
        texts: list[str] = []
        labels: list[str | None] = []
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                raw = str(row.get(options["label_field"], ""))
                label = label_map.get(raw, raw)
                if label is not None and label not in valid:
                    raise CommandError(f"第 {n} 行的标签 {raw!r} 不是分类代码，请用 --label-map")
                texts.append(str(row[options["text_field"]]))
                labels.append(label)
        merge = dict(m.split("=", 1) for m in options["merge"])
        report = evaluate(texts, labels, merge=merge)
        self.stdout.write(format_report(report))
