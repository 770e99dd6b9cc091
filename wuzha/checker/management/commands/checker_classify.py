"""Classify the messages of a .jsonl file, one JSON line out per line in."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuzha.checker.evaluation import BATCH
from wuzha.checker.services import checker_check_many


class Command(BaseCommand):
    help = "用识骗模型检查 .jsonl 中的每条消息，输出加上 verdict、fraud_type、confidence 的 JSON 行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="输入文件（.jsonl），- 表示标准输入")
        parser.add_argument("--text-field", default="text", help="消息文本所在字段（默认 text）")
        parser.add_argument("--output", "-o", type=Path, help="输出文件（默认标准输出）")
        parser.add_argument(
            "--signals", action="store_true", help="同时输出 fraud_type_label 与 signals"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        field: str = options["text_field"]
        if str(path) != "-" and not path.exists():
            raise CommandError(f"找不到文件：{path}")
        source = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
        out = options["output"].open("w", encoding="utf-8") if options["output"] else self.stdout
        try:
            batch: list[dict[str, Any]] = []
            for n, line in enumerate(source, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"第 {n} 行不是有效的 JSON：{exc}") from exc
                if not isinstance(row, dict) or not isinstance(row.get(field), str):
                    raise CommandError(f"第 {n} 行缺少文本字段 {field!r}")
                batch.append(row)
                if len(batch) >= BATCH:
                    self._flush(batch, field, out, options["signals"])
                    batch = []
            self._flush(batch, field, out, options["signals"])
        finally:
            if source is not sys.stdin:
                source.close()
            if options["output"]:
                out.close()

    def _flush(self, rows: list[dict[str, Any]], field: str, out: Any, signals: bool) -> None:
        if not rows:
            return
        for row, result in zip(rows, checker_check_many([r[field] for r in rows]), strict=True):
            row = {
                **row,
                "verdict": result.verdict,
                "fraud_type": result.fraud_type,
                "confidence": result.confidence,
            }
            if signals:
                row["fraud_type_label"] = result.fraud_type_label
                row["signals"] = [s.__dict__ for s in result.signals]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
