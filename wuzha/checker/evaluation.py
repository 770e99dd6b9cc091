"""Scores of the checker on labelled messages: shared by checker_eval and the benchmark.

A message counts as flagged when the verdict is `fraud` or `suspicious` (both tell the person
to stop and verify). Type scores are over the fraud messages whose gold type is known, with
macro-F1 over the gold types the set covers.
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wuzha.learning.taxonomy import FraudType

from .services import NORMAL, CheckResult, checker_check_many

BATCH = 256


@dataclass
class EvalReport:
    n: int
    precision: float
    recall: float
    f1: float
    type_n: int
    type_accuracy: float | None
    type_macro_f1: float | None
    per_type_f1: dict[str, float]
    confusion: dict[str, Counter[str]]
    seconds: float
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def throughput(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "binary_precision": round(self.precision, 4),
            "binary_recall": round(self.recall, 4),
            "binary_f1": round(self.f1, 4),
            "type_n": self.type_n,
            "type_accuracy": None if self.type_accuracy is None else round(self.type_accuracy, 4),
            "type_macro_f1": None if self.type_macro_f1 is None else round(self.type_macro_f1, 4),
            "per_type_f1": {k: round(v, 4) for k, v in self.per_type_f1.items()},
            "verdicts": dict(self.verdicts),
            "messages_per_second": round(self.throughput, 1),
        }


def classify(texts: Sequence[str]) -> tuple[list[CheckResult], float]:
    """Check `texts` in batches; return the results and the seconds it took."""
    started = time.perf_counter()
    results: list[CheckResult] = []
    for i in range(0, len(texts), BATCH):
        results.extend(checker_check_many(texts[i : i + BATCH]))
    return results, time.perf_counter() - started


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(
    texts: Sequence[str],
    labels: Sequence[str | None],
    *,
    merge: dict[str, str] | None = None,
) -> EvalReport:
    """Score the checker. `labels` are taxonomy codes; None means fraud of an unmapped type
    (counted for fraud/normal only). `merge` maps predicted codes onto gold codes (e.g. a set
    whose loan class also holds credit-repair scams)."""
    results, seconds = classify(texts)
    merge = merge or {}
    tp = fp = fn = 0
    confusion: dict[str, Counter[str]] = {}
    verdicts: Counter[str] = Counter()
    type_pairs: list[tuple[str, str]] = []
    for gold, res in zip(labels, results, strict=True):
        verdicts[res.verdict] += 1
        is_fraud = gold != FraudType.NORMAL
        flagged = res.verdict != NORMAL
        tp += is_fraud and flagged
        fp += (not is_fraud) and flagged
        fn += is_fraud and not flagged
        pred = res.fraud_type or FraudType.NORMAL.value
        pred = merge.get(pred, pred)
        confusion.setdefault(gold or "fraud_unmapped", Counter())[pred] += 1
        if gold and is_fraud:
            type_pairs.append((gold, pred))
    precision, recall, f1 = _f1(tp, fp, fn)
    per_type: dict[str, float] = {}
    for t in sorted({g for g, _ in type_pairs}):
        t_tp = sum(1 for g, p in type_pairs if g == t and p == t)
        t_fp = sum(1 for g, p in type_pairs if g != t and p == t)
        t_fn = sum(1 for g, p in type_pairs if g == t and p != t)
        per_type[t] = _f1(t_tp, t_fp, t_fn)[2]
    return EvalReport(
        n=len(texts),
        precision=precision,
        recall=recall,
        f1=f1,
        type_n=len(type_pairs),
        type_accuracy=(sum(g == p for g, p in type_pairs) / len(type_pairs))
        if type_pairs
        else None,
        type_macro_f1=(sum(per_type.values()) / len(per_type)) if per_type else None,
        per_type_f1=per_type,
        confusion=confusion,
        seconds=seconds,
        verdicts=verdicts,
    )


def format_report(report: EvalReport) -> str:
    """A plain-text report: binary scores, type scores, confusion matrix, throughput."""
    lines = [
        f"messages: {report.n}   verdicts: {dict(report.verdicts)}",
        f"binary (fraud or suspicious vs normal): precision {report.precision:.4f}  "
        f"recall {report.recall:.4f}  F1 {report.f1:.4f}",
    ]
    if report.type_accuracy is not None and report.type_macro_f1 is not None:
        lines.append(
            f"type (over {report.type_n} fraud messages): accuracy {report.type_accuracy:.4f}  "
            f"macro-F1 {report.type_macro_f1:.4f}"
        )
        lines += [f"  {t:<26} F1 {f:.4f}" for t, f in report.per_type_f1.items()]
    cols = sorted({p for row in report.confusion.values() for p in row})
    width = max([len(c) for c in cols] + [12])
    lines.append("confusion (rows gold, columns predicted; normal = verdict normal):")
    lines.append(" " * (width + 2) + " ".join(f"{c[:10]:>10}" for c in cols))
    for gold in sorted(report.confusion):
        row = report.confusion[gold]
        lines.append(f"{gold:<{width}}  " + " ".join(f"{row.get(c, 0):>10}" for c in cols))
    lines.append(
        f"throughput: {report.throughput:.0f} messages/s ({report.seconds:.2f} s, one process)"
    )
    return "\n".join(lines)
