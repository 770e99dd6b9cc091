import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

ROWS = [
    {"id": 1, "text": "我是派出所民警，你涉嫌洗钱，请把钱转到安全账户", "label": "冒充公检法"},
    {"id": 2, "text": "做点赞任务，先垫付后返利，一单佣金二十", "label": "刷单"},
    {"id": 3, "text": "【某某快递】包裹已到驿站，取件码5-3-1177", "label": "正常"},
    {"id": 4, "text": "今晚班会记得带笔记本", "label": "正常"},
]
LABEL_MAP = {"冒充公检法": "impersonate_authority", "刷单": "task_rebate", "正常": "normal"}


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "msgs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n", "utf-8")
    return path


def test_classify_adds_fields_and_keeps_the_rest(data_file):
    out = StringIO()
    call_command("checker_classify", str(data_file), "--text-field", "text", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in lines] == [1, 2, 3, 4]
    assert [r["verdict"] for r in lines] == ["fraud", "fraud", "normal", "normal"]
    assert lines[0]["fraud_type"] == "impersonate_authority"
    assert lines[1]["fraud_type"] == "task_rebate"
    assert lines[2]["fraud_type"] is None
    assert all(0 <= r["confidence"] <= 1 for r in lines)


def test_classify_other_field_and_missing_field(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps({"body": "今晚班会记得带笔记本"}, ensure_ascii=False) + "\n", "utf-8"
    )
    out = StringIO()
    call_command("checker_classify", str(path), "--text-field", "body", stdout=out)
    assert json.loads(out.getvalue())["verdict"] == "normal"
    with pytest.raises(CommandError):
        call_command("checker_classify", str(path), stdout=StringIO())


def test_eval_with_label_map(data_file, tmp_path):
    label_map = tmp_path / "map.json"
    label_map.write_text(json.dumps(LABEL_MAP, ensure_ascii=False), "utf-8")
    out = StringIO()
    call_command(
        "checker_eval",
        str(data_file),
        "--text-field",
        "text",
        "--label-field",
        "label",
        "--label-map",
        str(label_map),
        stdout=out,
    )
    text = out.getvalue()
    assert "precision 1.0000  recall 1.0000  F1 1.0000" in text
    assert "macro-F1 1.0000" in text
    assert "confusion" in text and "impersonate_authority" in text
    assert "messages/s" in text


def test_eval_refuses_unknown_labels(data_file):
    with pytest.raises(CommandError, match="label-map"):
        call_command("checker_eval", str(data_file), stdout=StringIO())


def test_train_on_user_data_only(tmp_path):
    rows = []
    for i in range(12):
        rows.append(
            {"text": f"请把钱转到安全账户配合调查，编号{i}", "label": "impersonate_authority"}
        )
        rows.append({"text": f"点赞关注截图领佣金，先垫付再返利{i}", "label": "task_rebate"})
        rows.append({"text": f"明天第{i}节课改上体育，带好运动鞋", "label": "normal"})
    data = tmp_path / "own.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    out_path = tmp_path / "model" / "checker_model.joblib"
    out = StringIO()
    call_command(
        "checker_train", "--data", str(data), "--only-data", "--out", str(out_path), stdout=out
    )
    assert out_path.exists()
    report = json.loads((out_path.parent / "training_report.json").read_text("utf-8"))
    assert report["type_classes"] == ["task_rebate", "impersonate_authority"]
    from wuzha.checker.model import load_model

    model = load_model(out_path)
    # User data is free text: it trains the written expert, the only one without the corpus.
    assert [e.name for e in model.experts] == ["written"]
    p_fraud, _ = model.predict(["明天第3节课改上体育，带好运动鞋"])
    assert p_fraud[0] < 0.5
