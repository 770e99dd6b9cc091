"""Persona matrix for the case pages: works / 404 outside scope / 403 by role / 405."""

import uuid

import pytest
from django.urls import reverse

from wuzha.cases import services
from wuzha.cases.models import Case, Inquiry
from wuzha.core.models import SensitiveRead

from .conftest import make_case, make_emergency

pytestmark = pytest.mark.django_db


def status_as(client, user, url, method="get", data=None):
    client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


@pytest.fixture
def case(world):
    return make_case(world, funds_source="生活费和网贷", family_situation="单亲，母亲务工")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("coordinator", 200),
        ("leader", 200),
        ("teacher_a", 200),
        ("inspector", 200),
        ("teacher_b", 404),
        ("other_teacher", 404),
        ("outsider", 404),
    ],
)
def test_ledger_scope(client, world, persona, status):
    url = reverse("cases:ledger", args=[world.class_a.code])
    assert status_as(client, getattr(world, persona), url) == status


def test_ledger_lists_masked_and_counts_with_few_queries(
    client, world, django_assert_max_num_queries
):
    for i in range(12):
        make_case(world, amount=10_000 * (i + 1), fraud_type="game_trade" if i % 2 else "romance")
    make_case(world, unit=world.other_class, victim=world.other_student)
    client.force_login(world.leader)
    url = reverse("cases:ledger", args=[world.school.code])
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.count == 12 and stats.amount_lost_fen == 10_000 * 78
    assert {r.code: r.count for r in stats.by_type} == {"game_trade": 6, "romance": 6}
    assert "王小明" not in response.text and "王**" in response.text
    assert client.post(url).status_code == 405


def test_ledger_bad_period_is_explained(client, world):
    client.force_login(world.leader)
    response = client.get(reverse("cases:ledger", args=[world.school.code]), {"period": "2026-W99"})
    assert response.status_code == 200
    assert "没有第99周" in response.text


def test_ledger_htmx_returns_rows_only(client, world, case):
    client.force_login(world.leader)
    response = client.get(
        reverse("cases:ledger", args=[world.school.code]), headers={"HX-Request": "true"}
    )
    assert 'id="rows"' in response.text and "<html" not in response.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("leader", 200),
        ("coordinator", 200),
        ("inspector", 403),
        ("teacher_b", 404),
        ("other_teacher", 404),
        ("outsider", 404),
    ],
)
def test_emergency_form_scope(client, world, persona, status):
    url = reverse("cases:emergency", args=[world.class_a.code])
    assert status_as(client, getattr(world, persona), url) == status


def test_emergency_form_rejects_put(client, world):
    client.force_login(world.teacher_a)
    assert client.put(reverse("cases:emergency", args=[world.class_a.code])).status_code == 405


def test_emergency_form_is_a_phone_page(client, world):
    client.force_login(world.teacher_a)
    page = client.get(reverse("cases:emergency", args=[world.class_a.code]))
    assert "学生刚被骗转账" in page.text
    assert 'href="tel:96110"' in page.text and 'href="tel:110"' in page.text
    assert 'name="client_token"' in page.text and 'inputmode="decimal"' in page.text
    assert "cases/emergency.js" in page.text


def test_nav_shows_emergency_button_to_staff_not_inspectors(client, world):
    client.force_login(world.teacher_a)
    assert "紧急止付" in client.get(reverse("home")).text
    client.force_login(world.inspector)
    assert "紧急止付" not in client.get(reverse("home")).text


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher_a", 200), ("inspector", 200), ("teacher_b", 404), ("other_teacher", 404)],
)
def test_detail_scope(client, world, case, persona, status):
    assert status_as(client, getattr(world, persona), reverse("cases:detail", args=[case.pk])) == (
        status
    )


def test_detail_masks_victim_and_hides_restricted(client, world, case):
    client.force_login(world.inspector)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert "王小明" not in page.text and "网贷" not in page.text and "单亲" not in page.text
    assert "查看受限信息" not in page.text
    assert client.post(reverse("cases:detail", args=[case.pk])).status_code == 405


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("leader", 200),
        ("admin", 200),
        ("coordinator", 403),
        ("inspector", 403),
        ("teacher_b", 404),
        ("other_teacher", 404),
    ],
)
def test_restricted_fields_are_role_gated(client, world, case, persona, status):
    assert (
        status_as(client, getattr(world, persona), reverse("cases:restricted", args=[case.pk]))
        == status
    )


def test_restricted_read_is_logged_and_leader_sees_the_log(client, world, case):
    client.force_login(world.teacher_a)
    page = client.get(reverse("cases:restricted", args=[case.pk]))
    assert "王小明" in page.text and "生活费和网贷" in page.text and "单亲" in page.text
    reads = SensitiveRead.objects.filter(subject="cases.case", object_id=case.pk)
    assert set(reads.values_list("field", flat=True)) == {
        "victim_name",
        "funds_source",
        "family_situation",
    }
    assert {r.user for r in reads} == {world.teacher_a}
    log_url = reverse("cases:reads", args=[world.school.code])
    assert (
        status_as(client, world.teacher_a, reverse("cases:reads", args=[world.class_a.code])) == 403
    )
    assert status_as(client, world.other_teacher, log_url) == 404
    client.force_login(world.leader)
    log = client.get(log_url)
    assert "班主任甲" in log.text and "funds_source" in log.text


def test_restricted_fields_saved_by_editor(client, world, case):
    client.force_login(world.teacher_a)
    url = reverse("cases:restricted", args=[case.pk])
    response = client.post(url, {"funds_source": "助学贷款", "family_situation": "低保户"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.funds_source == "助学贷款"


def test_create_case_keeps_input_on_error_and_double_submit_is_one(client, world):
    client.force_login(world.teacher_a)
    url = reverse("cases:create", args=[world.class_a.code])
    token = str(uuid.uuid4())
    data = {
        "victim": "",
        "victim_name": "校外人员",
        "victim_kind": "resident",
        "occurred_at": "2026-10-01T10:00",
        "fraud_type": "investment",
        "channel": "app",
        "amount_lost": "12000",
        "amount_recovered": "13000",
        "status": "open",
        "client_token": token,
    }
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert "追回金额不能大于损失金额" in bad.text and 'value="校外人员"' in bad.text
    data["amount_recovered"] = "0"
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    case = Case.objects.get()
    assert case.amount_lost_fen == 1_200_000 and case.victim is None
    assert status_as(client, world.inspector, url) == 403
    assert status_as(client, world.other_teacher, url) == 404


def test_edit_case_records_status_change(client, world, case):
    client.force_login(world.teacher_a)
    url = reverse("cases:edit", args=[case.pk])
    form = client.get(url).context["form"]
    data = {k: form[k].value() or "" for k in form.fields}
    data.update(
        {
            "occurred_at": "2026-10-01T10:00",
            "status": "investigating",
            "amount_lost": "3000",
            "amount_recovered": "1000",
        }
    )
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.status == "investigating" and case.amount_recovered_fen == 100_000
    assert case.events.filter(kind="status").exists()
    assert status_as(client, world.inspector, url) == 403


def test_acknowledge_button_is_for_police(client, world, police):
    case = make_emergency(world)
    url = reverse("cases:acknowledge", args=[case.pk])
    assert status_as(client, world.teacher_a, url, "post") == 403
    assert status_as(client, police, url, "get") == 405
    assert status_as(client, world.other_teacher, url, "post") == 404
    assert status_as(client, police, url, "post") == 302
    case.refresh_from_db()
    assert case.acknowledged_by == police


def test_stop_result_validation(client, world, police):
    case = make_emergency(world)
    client.force_login(police)
    url = reverse("cases:stop_result", args=[case.pk])
    bad = client.post(url, {"result": "partial", "amount_frozen": "9000"})
    assert bad.status_code == 400 and "冻结金额应在0到损失金额之间" in bad.text
    ok = client.post(url, {"result": "frozen", "amount_frozen": "5000"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.stop_result == "frozen" and case.amount_frozen_fen == 500_000
    assert status_as(client, world.inspector, url, "post", {"result": "frozen"}) == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("leader", 200),
        ("inspector", 403),
        ("coordinator", 403),
        ("teacher_b", 404),
    ],
)
def test_aftercare_scope(client, world, case, persona, status):
    url = reverse("cases:aftercare", args=[case.pk])
    assert status_as(client, getattr(world, persona), url) == status


def test_aftercare_plan_and_notes(client, world, case, police):
    client.force_login(world.teacher_a)
    url = reverse("cases:aftercare", args=[case.pk])
    assert client.post(url, {"form": "plan", "plan": "每周谈心一次"}).status_code == 302
    bad = client.post(url, {"form": "note", "kind": "talk", "held_on": "", "text": "情绪稳定"})
    assert bad.status_code == 200 and 'value="情绪稳定"' not in bad.text  # textarea keeps it
    assert "情绪稳定" in bad.text
    ok = client.post(
        url, {"form": "note", "kind": "talk", "held_on": "2026-11-20", "text": "情绪稳定"}
    )
    assert ok.status_code == 302
    page = client.get(url)
    assert "每周谈心一次" in page.text and "情绪稳定" in page.text
    assert SensitiveRead.objects.filter(field="aftercare", user=world.teacher_a).exists()
    assert status_as(client, police, url) == 403


def test_review_required_above_threshold(client, world, settings):
    settings.CASE_FULL_REVIEW_THRESHOLD_FEN = 500_000_00
    big = make_case(world, amount=600_000_00)
    small = make_case(world, amount=1_000)
    assert big.review_required and not small.review_required
    client.force_login(world.leader)
    assert "需要完成复盘记录" in client.get(reverse("cases:detail", args=[big.pk])).text
    url = reverse("cases:review", args=[big.pk])
    assert client.post(url, {"findings": "", "measures": ""}).status_code == 200
    data = {"findings": "经过", "measures": "整改", "conclusion": "结论"}
    assert client.post(url, data).status_code == 302
    assert "大额案件复盘已完成" in client.get(reverse("cases:detail", args=[big.pk])).text
    assert status_as(client, world.inspector, url, "post", {"findings": "x"}) == 403
    assert status_as(client, world.teacher_a, url) == 403


def test_inquiry_close(client, world):
    case = make_case(world, victim=world.student_a2)
    outcome = services.dual_check_run(case=case, by=world.leader)
    assert outcome.inquiry is not None
    url = reverse("cases:inquiry_close", args=[outcome.inquiry.pk])
    assert status_as(client, world.teacher_a, url, "post", {"finding": "x"}) == 403
    assert status_as(client, world.other_teacher, url, "post", {"finding": "x"}) == 404
    assert status_as(client, world.leader, url, "post", {"finding": "班主任未组织班会"}) == 302
    assert Inquiry.objects.get().status == "closed"
