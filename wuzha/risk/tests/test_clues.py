"""Clues: the public form (anonymous allowed), the lookup code, triage and forwarding."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wuzha.orgs.models import OrgUnit
from wuzha.risk import services
from wuzha.risk.models import Clue

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 10)).save(out, "PNG")
    return SimpleUploadedFile("shot.png", out.getvalue(), content_type="image/png")


def submit(world, **kwargs):
    data = {"unit": world.school, "kind": "recruiter", "content": "校门口有人高价收银行卡"}
    data.update(kwargs)
    return services.clue_submit(**data)


def test_public_form_anonymous_gives_a_code(client, world):
    url = reverse("risk:report", args=[world.school.code])
    page = client.get(url)
    assert page.status_code == 200 and "可以匿名举报" in page.text
    response = client.post(
        url,
        {
            "kind": "group",
            "target": "QQ群 123456",
            "content": "群里招人刷单，先垫付后返利",
            "anonymous": "on",
            "reporter_name": "不该保存",
            "screenshots": [png()],
        },
    )
    clue = Clue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('risk:report_status')}?code={clue.code}&new=1"
    assert clue.anonymous and clue.reporter_name == "" and clue.reported_by is None
    assert clue.files.count() == 1 and len(clue.code) == 10
    status = client.get(response["Location"])
    assert clue.code in status.text and "已收到" in status.text
    assert "群里招人刷单" not in status.text  # the page never shows the content


def test_public_form_errors_keep_input(client, world):
    url = reverse("risk:report", args=[world.school.code])
    response = client.post(url, {"kind": "phone", "target": "17000000000", "content": ""})
    assert response.status_code == 200
    assert "请描述线索内容" in response.text and 'value="17000000000"' in response.text
    assert not Clue.objects.exists()
    assert client.get(reverse("risk:report", args=["NOPE"])).status_code == 404


def test_public_form_refuses_non_images(client, world):
    bad = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client.post(
        reverse("risk:report", args=[world.school.code]),
        {"kind": "phone", "content": "诈骗电话", "screenshots": [bad]},
    )
    assert response.status_code == 200 and not Clue.objects.exists()


def test_public_form_is_rate_limited(client, world):
    url = reverse("risk:report", args=[world.school.code])
    codes = [
        client.post(url, {"kind": "sms", "content": f"短信{i}"}).status_code for i in range(11)
    ]
    assert codes[:10] == [302] * 10 and codes[10] == 429
    assert Clue.objects.count() == 10


def test_status_lookup_codes(client, world):
    clue = submit(world)
    url = reverse("risk:report_status")
    assert client.get(url).status_code == 200
    assert client.get(url, {"code": clue.code.lower()}).status_code == 200
    missing = client.get(url, {"code": "ABCDEFGHJK"})
    assert missing.status_code == 404 and "没有找到这个查询码" in missing.text
    short = client.get(url, {"code": "AB"})
    assert short.status_code == 200 and "至少" in short.text


def test_status_follows_triage_and_forwarding(client, world, police):
    clue = submit(world)
    url = reverse("risk:report_status")

    def shown():
        return client.get(url, {"code": clue.code}).text

    services.clue_triage(clue=clue, by=world.leader, status="triaged", note="内部：已核实车牌")
    assert "核实中" in shown() and "已核实车牌" not in shown()
    services.clue_forward(clue=clue, by=world.leader, police=police, note="请出警")
    assert "已移交警方" in shown()
    services.clue_triage(clue=clue, by=police, status="closed", public_reply="已查处，感谢举报")
    text = shown()
    assert "已办结" in text and "已查处，感谢举报" in text
    assert list(clue.events.values_list("status", flat=True)) == [
        "new",
        "triaged",
        "forwarded",
        "closed",
    ]


def test_invalid_transitions_are_refused(world, police):
    clue = submit(world)
    services.clue_triage(clue=clue, by=None, status="rejected", note="重复")
    with pytest.raises(ValidationError) as err:
        services.clue_triage(clue=clue, by=None, status="triaged")
    assert "不能改为" in str(err.value)
    with pytest.raises(ValidationError):
        services.clue_forward(clue=clue, by=None, police=police)


def test_forward_emails_the_police(client, world, police, django_capture_on_commit_callbacks):
    clue = submit(world, target="6222 0000")
    client.force_login(world.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("risk:clue_forward", args=[clue.pk]), {"police": police.pk, "note": "急"}
        )
    assert response.status_code == 302
    clue.refresh_from_db()
    assert clue.status == "forwarded" and clue.forwarded_to == police
    assert mail.outbox[0].to == ["police@example.com"] and "6222 0000" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("persona", "list_status", "triage_status"),
    [
        ("leader", 200, 302),
        ("coordinator", 200, 302),
        ("teacher_a", 404, 404),
        ("inspector", 403, 403),
        ("other_teacher", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_clue_persona_matrix(client, world, persona, list_status, triage_status):
    clue = submit(world)
    client.force_login(getattr(world, persona))
    assert (
        client.get(reverse("risk:clue_list", args=[world.school.code])).status_code == list_status
    )
    response = client.post(reverse("risk:clue_detail", args=[clue.pk]), {"status": "triaged"})
    assert response.status_code == triage_status
    if list_status == 200:
        assert client.post(reverse("risk:clue_list", args=[world.school.code])).status_code == 405


def test_teacher_sees_own_class_clue_but_cannot_triage(client, world):
    clue = submit(world, unit=world.class_a)
    client.force_login(world.teacher_a)
    assert client.get(reverse("risk:clue_detail", args=[clue.pk])).status_code == 200
    response = client.post(reverse("risk:clue_detail", args=[clue.pk]), {"status": "triaged"})
    assert response.status_code == 403
    forward = client.post(reverse("risk:clue_forward", args=[clue.pk]), {"police": 1})
    assert forward.status_code == 403


def test_teacher_reports_from_the_staff_form(client, world):
    client.force_login(world.teacher_a)
    url = reverse("risk:clue_create", args=[world.class_a.code])
    response = client.post(url, {"kind": "app", "content": "学生手机里有可疑贷款APP"})
    clue = Clue.objects.get()
    assert response["Location"] == reverse("risk:clue_detail", args=[clue.pk])
    assert clue.reported_by == world.teacher_a and clue.unit == world.class_a
    page = client.get(response["Location"])
    assert page.status_code == 200 and "移交" not in page.text  # teachers report, leaders triage
    client.force_login(world.teacher_b)
    assert client.get(url).status_code == 404


def test_clue_list_query_count(client, world, django_assert_max_num_queries):
    for i in range(8):
        submit(world, content=f"线索{i}")
    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("risk:clue_list", args=[world.school.code]))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 8


def test_clue_file_needs_access(client, world):
    clue = services.clue_submit(unit=world.school, kind="sms", content="短信", files=[png()])
    token = clue.files.get().file.token
    url = reverse("risk:clue_file", args=[clue.pk, token])
    client.force_login(world.leader)
    assert client.get(url).status_code == 200
    assert client.get(reverse("risk:clue_file", args=[clue.pk, "nope"])).status_code == 404
    client.force_login(world.other_teacher)
    assert client.get(url).status_code == 404


def test_unit_picker_finds_units_and_carries_a_handover(client, world):
    url = reverse("risk:report_pick")
    assert client.get(url).status_code == 200
    found = client.get(url, {"q": world.school.name[:4]}).text
    assert world.school.name in found and reverse("risk:report", args=[world.school.code]) in found
    handover = {"kind": "sms", "content": "你的快递丢了加QQ理赔"}
    carried = client.post(url, {"q": "没有这个单位", **handover})
    assert "没有找到名称含" in carried.text and 'value="你的快递丢了加QQ理赔"' in carried.text
    assert not Clue.objects.exists()


def test_unit_picker_says_more_only_when_there_are_more(client, world, monkeypatch):
    from wuzha.risk import views

    url = reverse("risk:report_pick")
    matches = OrgUnit.objects.filter(is_active=True, name__icontains="班").count()
    assert matches >= 2
    monkeypatch.setattr(views, "REPORT_PICK_MAX", matches)
    assert "只显示前" not in client.get(url, {"q": "班"}).text
    monkeypatch.setattr(views, "REPORT_PICK_MAX", matches - 1)
    assert "只显示前" in client.get(url, {"q": "班"}).text


def test_prefill_shows_the_form_without_saving(client, world):
    url = reverse("risk:report", args=[world.school.code])
    data = {"prefill": "1", "kind": "nonsense", "target": "1" * 400, "content": "加群刷单返利"}
    response = client.post(url, data)
    assert response.status_code == 200 and not Clue.objects.exists()
    assert "加群刷单返利" in response.text and 'value="' + "1" * 300 + '"' in response.text
    assert "请描述线索内容" not in response.text  # shown to complete, not validated


def test_staff_prefill_is_scoped(client, world):
    data = {"prefill": "1", "kind": "sms", "content": "冒充客服退款"}
    url = reverse("risk:clue_create", args=[world.class_a.code])
    client.force_login(world.other_teacher)
    assert client.post(url, data).status_code == 404
    client.force_login(world.teacher_a)
    response = client.post(url, data)
    assert response.status_code == 200 and "冒充客服退款" in response.text
    assert not Clue.objects.exists()


def test_unit_picker_is_rate_limited(client, world):
    url = reverse("risk:report_pick")
    codes = [client.get(url, {"q": "小学"}).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_clue_list_offers_the_checker_link_of_the_unit(client, world):
    client.force_login(world.leader)
    page = client.get(reverse("risk:clue_list", args=[world.school.code])).text
    assert f"/check/?unit={world.school.code}" in page
