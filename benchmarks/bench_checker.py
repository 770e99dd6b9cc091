"""The message checker (识骗): scores on the evaluation sets, false alarms, speed.

Reads the evaluation-only sets from `../shared/data/eval/` (never trained on; skipped with a
message when absent) and the held-out part of the project's own corpus. Prints, per set, binary
precision/recall/F1 (fraud or suspicious vs normal) and type macro-F1 over the types the set
covers, next to the references in the sets' CARD.md; false alarms on ordinary messages by genre;
single-process throughput; and API latency through the Django test client.

    python benchmarks/run.py bench_checker      # or: make bench
"""

import csv
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "data" / "eval"

Report = Callable[..., None]

# telecom_fraud_texts `target_type` → taxonomy code (CARD.md "Label mapping and counts").
TFT_MAP = {
    "正常": "normal",
    "冒充公检法": "impersonate_authority",
    "虚假网络贷款": "loan_credit_card",
    "冒充客服退款": "fake_customer_service",
    "冒充领导熟人": "impersonate_acquaintance",
    "刷单返利": "task_rebate",
    "杀猪盘/网络婚恋交友": "romance",
    "网络游戏虚假交易": "game_trade",
}
# antifraud_dialogs `source_type` → taxonomy code; None = fraud whose type the taxonomy files
# under no single class here (微商代理, 传销, mixed SMS scams): counted for fraud/normal only.
AFD_MAP: dict[str, str | None] = {
    "兼职刷单诈骗": "task_rebate",
    "网络贷款诈骗": "loan_credit_card",
    "冒充客服诈骗": "fake_customer_service",
    "“杀猪盘” 诈骗": "romance",
    "投资诈骗": "investment",
    "虚拟货币诈骗": "investment",
    "虚假购物诈骗": "shopping_service",
    "二手交易诈骗": "shopping_service",
    "网络赌博诈骗": "illicit_service",
    "微商代理诈骗": None,
    "传销诈骗": None,
    "短信诈骗": None,
    "meeting_label_false": "normal",
}
TFT_REFERENCES = [
    "card baseline (char 1-3-gram TF-IDF + LR trained on its own train split): "
    "8-class macro-F1 0.931, binary macro-F1 0.995",
    "published: RoBERTa-MHARC F1 98.10 on the 5-class TFT5 set (Li et al. 2024; split unknown)",
]
AFD_REFERENCES = [
    "card baseline (char 1-3-gram TF-IDF + LR trained on its own train split, scammer_text): "
    "7 mapped target types macro-F1 0.723",
    "card: a binary model trained on telecom_fraud_texts recalls 93% of scammer texts",
    "no published classification benchmark",
]


def _print_default(label: str, value: float, unit: str = "") -> None:
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4f}"
    print(f"  {label:<48} {number:>12} {unit}", flush=True)


def _line(text: str) -> None:
    print(f"    {text}", flush=True)


def _scores(report: Report, name: str, texts: list[str], labels: list[str | None]) -> Any:
    from wuzha.checker.evaluation import evaluate

    result = evaluate(texts, labels)
    # Sets without a credit-repair class file those scams under loans (telecom_fraud_texts'
    # CARD: "虚假网络贷款 (partly 虚假征信)"): also score with the two merged.
    merged = (
        None
        if "credit_repair" in labels
        else evaluate(texts, labels, merge={"credit_repair": "loan_credit_card"})
    )
    report(f"{name}: binary F1", result.f1)
    _line(
        f"n={result.n} precision {result.precision:.4f} recall {result.recall:.4f} "
        f"F1 {result.f1:.4f} verdicts {dict(result.verdicts)}"
    )
    if result.type_macro_f1 is not None:
        report(f"{name}: type macro-F1 ({len(result.per_type_f1)} types)", result.type_macro_f1)
        _line(
            f"type macro-F1 {result.type_macro_f1:.4f}, accuracy {result.type_accuracy:.4f} "
            f"over {result.type_n} fraud messages"
        )
        _line("per type: " + ", ".join(f"{k} {v:.3f}" for k, v in result.per_type_f1.items()))
        if merged is not None and merged.type_macro_f1 is not None:
            _line(
                f"with credit_repair counted as loan_credit_card: macro-F1 "
                f"{merged.type_macro_f1:.4f}"
            )
    return result


def _telecom_fraud_texts(report: Report) -> None:
    path = EVAL_DIR / "telecom_fraud_texts" / "telecom_fraud_texts.csv"
    if not path.exists():
        print(f"  skipped: {path} not found (evaluation data is not shipped)")
        return
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
    result = _scores(
        report,
        "telecom_fraud_texts test",
        [r["text"] for r in rows],
        [TFT_MAP[r["target_type"]] for r in rows],
    )
    normals = [r for r in rows if r["target_type"] == "正常"]
    flagged = result.confusion.get("normal", Counter())
    false_alarms = sum(v for k, v in flagged.items() if k != "normal")
    report(
        "telecom_fraud_texts test: false alarms on normal", 100 * false_alarms / len(normals), "%"
    )
    report("telecom_fraud_texts test: throughput", result.throughput, "msg/s")
    for ref in TFT_REFERENCES:
        _line("reference: " + ref)


def _antifraud_dialogs(report: Report) -> None:
    path = EVAL_DIR / "antifraud_dialogs" / "dialogs.jsonl"
    if not path.exists():
        print(f"  skipped: {path} not found (evaluation data is not shipped)")
        return
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if r["split"] == "test"]
    labels = [AFD_MAP.get(r["source_type"]) for r in rows]
    # The checker takes at most 5,000 characters, as the API does.
    _scores(report, "antifraud_dialogs test (text)", [r["text"][:5000] for r in rows], labels)
    fraud = [(r, lab) for r, lab in zip(rows, labels, strict=True) if r["is_fraud"]]
    _scores(
        report,
        "antifraud_dialogs test (scammer_text)",
        [r["scammer_text"][:5000] for r, _ in fraud],
        [lab for _, lab in fraud],
    )
    for ref in AFD_REFERENCES:
        _line("reference: " + ref)


def _own_heldout(report: Report) -> None:
    from wuzha.checker.evaluation import classify
    from wuzha.checker.training import own_corpus

    _, heldout = own_corpus()
    _scores(
        report,
        "own corpus held-out",
        [e.text for e in heldout],
        [e.label for e in heldout],
    )
    # The hand-written held-out messages are less template-like: the more honest of the two.
    written = [e for e in heldout if e.genre == "handwritten"]
    _scores(
        report,
        "own hand-written held-out",
        [e.text for e in written],
        [e.label for e in written],
    )
    # Free-written held-out messages (corpus/written/): written by other hands than the
    # templates, the nearest thing here to messages the model has never seen the like of.
    free = [e for e in heldout if e.genre.startswith("written_")]
    _scores(report, "own free-written held-out", [e.text for e in free], [e.label for e in free])
    normals = [e for e in heldout if e.label == "normal"]
    results, _ = classify([e.text for e in normals])
    by_genre: dict[str, list[bool]] = defaultdict(list)
    for e, r in zip(normals, results, strict=True):
        by_genre[e.genre].append(r.verdict != "normal")
    for genre, alarms in sorted(by_genre.items()):
        report(f"false alarms: {genre} (n={len(alarms)})", 100 * sum(alarms) / len(alarms), "%")
    school_bank_courier = [
        a for g in ("school_notice", "warning", "bank_notice", "courier") for a in by_genre[g]
    ]
    free_normal = [a for g, alarms in by_genre.items() if g.startswith("written_") for a in alarms]
    report(
        "false alarms: free-written normal, all genres",
        100 * sum(free_normal) / max(1, len(free_normal)),
        "%",
    )
    report(
        "false alarms: school + warning + bank + courier",
        100 * sum(school_bank_courier) / max(1, len(school_bank_courier)),
        "%",
    )


def _throughput(report: Report) -> None:
    from wuzha.checker.evaluation import classify
    from wuzha.checker.training import own_corpus

    train, heldout = own_corpus()
    texts = [e.text for e in train + heldout][:5000]
    classify(texts[:200])
    _, seconds = classify(texts)
    mean_len = statistics.mean(len(t) for t in texts)
    report(f"throughput, own corpus (mean {mean_len:.0f} chars)", len(texts) / seconds, "msg/s")


def _api_latency(report: Report) -> None:
    from django.test import Client

    from wuzha.orgs.models import User
    from wuzha.orgs.services import api_token_create

    user, _ = User.objects.get_or_create(username="bench_checker")
    _, key = api_token_create(user=user, name="bench")
    client = Client()
    texts = [
        "我是公安局的，你涉嫌洗钱，请把钱转到安全账户配合调查",
        "【某某快递】您的包裹已到驿站，取件码3-1-2046",
        "兼职刷单，先垫付后返利，一单佣金二十，加我vx详聊",
        "明天下午三点开家长会，请准时参加。",
    ]
    headers = {"Authorization": f"Bearer {key}"}
    for t in texts:  # warm up: model and jieba load once per process
        client.post(
            "/api/v1/checker/check", {"text": t}, content_type="application/json", headers=headers
        )
    timings = []
    for i in range(400):
        body = {"text": texts[i % len(texts)]}
        started = time.perf_counter()
        response = client.post(
            "/api/v1/checker/check", body, content_type="application/json", headers=headers
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    timings.sort()
    report("API /checker/check latency p50", statistics.median(timings), "ms")
    report("API /checker/check latency p95", timings[int(len(timings) * 0.95)], "ms")


def _cold_start(report: Report) -> None:
    from wuzha.checker import model

    started = time.perf_counter()
    model.load_model(model.ARTIFACT_PATH)
    report("model load (artefact + jieba, warm cache)", time.perf_counter() - started, "s")
    report("artefact size", model.ARTIFACT_PATH.stat().st_size / 1e6, "MB")


def run(report: Report | None = None) -> None:
    report = report or _print_default
    _cold_start(report)
    _telecom_fraud_texts(report)
    _antifraud_dialogs(report)
    _own_heldout(report)
    _throughput(report)
    _api_latency(report)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import main  # type: ignore[import-not-found]

    sys.exit(main(["bench_checker"]))
