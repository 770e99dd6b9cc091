import json

import pytest

from wuzha.orgs.services import api_token_create

URL = "/api/v1/checker/check"


@pytest.fixture
def auth(world):
    _, key = api_token_create(user=world.teacher_a, name="checker")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, body, auth, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **auth, **extra)


def test_requires_token(client, db):
    response = post(client, {"text": "你好"}, {})
    assert response.status_code == 401


def test_check_fraud(client, auth):
    response = post(client, {"text": "你的校园贷账户要注销，否则影响征信，请打开共享屏幕"}, auth)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "verdict",
        "fraud_type",
        "fraud_type_label",
        "confidence",
        "signals",
        "rules",
        "advice",
    }
    assert data["verdict"] == "fraud"
    assert data["fraud_type"] == "credit_repair"
    assert data["fraud_type_label"] == "虚假征信类"
    assert 0 <= data["confidence"] <= 1
    assert {"code", "label", "start", "end"} <= set(data["signals"][0])
    assert data["rules"] and data["advice"]


def test_check_normal(client, auth):
    data = post(client, {"text": "明天早上八点在学校门口集合，记得带水。"}, auth).json()
    assert data["verdict"] == "normal"
    assert data["fraud_type"] is None
    assert data["rules"] == []


@pytest.mark.parametrize(
    "body, words",
    [
        ({"text": ""}, "不能为空"),
        ({"text": "   "}, "不能为空"),
        ({"text": "字" * 5001}, "太长"),
        ({}, "缺少 text"),
        ({"text": 123}, "缺少 text"),
        ([1, 2], "缺少 text"),
        ("{not json", "不是有效的 JSON"),
        (b"\xff\xfe", "不是有效的 JSON"),
        ("", "不是有效的 JSON"),
    ],
)
def test_bad_requests_are_422(client, auth, body, words):
    response = post(client, body, auth)
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_exactly_5000_characters_is_accepted(client, auth):
    assert post(client, {"text": "字" * 5000}, auth).status_code == 200
