"""Large cases (loss at or above CASE_FULL_REVIEW_THRESHOLD_FEN) close only after a full review."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from wuzha.cases import services
from wuzha.cases.models import Case, CaseEvent, CaseReview

from .conftest import make_case

pytestmark = pytest.mark.django_db

THRESHOLD = 500_000_00  # ¥500,000.00
REVIEW = {
    "findings": "诈骗经过与原因",
    "measures": "全校再开一次主题班会",
    "conclusion": "已整改到位",
}


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.CASE_FULL_REVIEW_THRESHOLD_FEN = THRESHOLD


def edit_data(client, case, **changes):
    form = client.get(reverse("cases:edit", args=[case.pk])).context["form"]
    data = {k: form[k].value() or "" for k in form.fields}
    data.update({"occurred_at": "2026-10-01T10:00", **changes})
    return data


def close_on_page(client, user, case):
    client.force_login(user)
    url = reverse("cases:edit", args=[case.pk])
    return client.post(url, edit_data(client, case, status="closed"))


class TestClosing:
    def test_large_case_cannot_be_closed_without_review(self, client, world):
        case = make_case(world, amount=THRESHOLD)  # exactly at the threshold
        response = close_on_page(client, world.teacher_a, case)
        assert response.status_code == 200
        errors = response.context["form"].errors["status"]
        assert "须先完成全面复盘" in errors[0] and "¥500,000.00" in errors[0]
        assert "须先完成全面复盘" in response.text
        case.refresh_from_db()
        assert case.status == Case.Status.OPEN
        assert not case.events.filter(kind=CaseEvent.Kind.STATUS).exists()

    def test_service_refuses_too(self, world):
        case = make_case(world, amount=THRESHOLD + 1)
        with pytest.raises(ValidationError) as info:
            services.case_update(case=case, by=world.leader, status=Case.Status.CLOSED)
        assert "须先完成全面复盘" in info.value.message_dict["status"][0]
        assert case.status == Case.Status.OPEN  # the object is left as it was
        assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN

    def test_raising_the_loss_of_a_closed_case_is_refused(self, world):
        case = make_case(world, amount=1_000_00, status=Case.Status.CLOSED)
        with pytest.raises(ValidationError, match="全面复盘"):
            services.case_update(case=case, by=world.leader, amount_lost_fen=THRESHOLD)
        assert Case.objects.get(pk=case.pk).amount_lost_fen == 1_000_00

    def test_registering_a_large_case_as_closed_is_refused(self, world):
        with pytest.raises(ValidationError, match="全面复盘"):
            make_case(world, amount=THRESHOLD, status=Case.Status.CLOSED)
        assert not Case.objects.exists()

    def test_allowed_after_the_leader_records_the_review(self, client, world):
        case = make_case(world, amount=THRESHOLD * 2)
        client.force_login(world.leader)
        detail = client.get(reverse("cases:detail", args=[case.pk]))
        assert "完成前不能结案" in detail.text
        url = reverse("cases:review", args=[case.pk])
        missing = client.post(url, {**REVIEW, "conclusion": ""})
        assert missing.status_code == 200 and "请填写复盘结论" in missing.text
        assert not CaseReview.objects.exists()
        assert client.post(url, REVIEW).status_code == 302
        review = CaseReview.objects.get(case=case)
        assert review.reviewed_by == world.leader and review.reviewed_at is not None
        assert review.conclusion == "已整改到位"
        assert case.events.filter(kind=CaseEvent.Kind.NOTE, note="完成大额案件全面复盘").exists()
        detail = client.get(reverse("cases:detail", args=[case.pk]))
        assert "大额案件复盘已完成" in detail.text and world.leader.display_name in detail.text
        # Now the teacher can close it.
        assert close_on_page(client, world.teacher_a, case).status_code == 302
        case.refresh_from_db()
        assert case.status == Case.Status.CLOSED

    def test_below_threshold_closes_without_review(self, client, world):
        case = make_case(world, amount=THRESHOLD - 1)
        assert close_on_page(client, world.teacher_a, case).status_code == 302
        case.refresh_from_db()
        assert case.status == Case.Status.CLOSED and not CaseReview.objects.exists()
        # Registering a small case directly as closed is fine as well.
        assert make_case(world, amount=1_000, status=Case.Status.CLOSED).status == "closed"

    def test_old_closed_large_case_can_still_be_corrected(self, world, settings):
        settings.CASE_FULL_REVIEW_THRESHOLD_FEN = THRESHOLD * 10
        case = make_case(world, amount=THRESHOLD, status=Case.Status.CLOSED)
        settings.CASE_FULL_REVIEW_THRESHOLD_FEN = THRESHOLD  # the rule arrived later
        services.case_update(case=case, by=world.teacher_a, narrative="补充经过")
        assert Case.objects.get(pk=case.pk).narrative == "补充经过"


class TestWhoReviews:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 302),
            ("admin", 302),
            ("coordinator", 403),
            ("inspector", 403),
            ("teacher_a", 403),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_review_is_recorded_by_a_leader(self, client, world, persona, status):
        case = make_case(world, amount=THRESHOLD)
        client.force_login(getattr(world, persona))
        response = client.post(reverse("cases:review", args=[case.pk]), REVIEW)
        assert response.status_code == status
        assert CaseReview.objects.filter(case=case).exists() == (status == 302)

    def test_coordinator_reads_the_review_without_a_form(self, client, world):
        case = make_case(world, amount=THRESHOLD)
        services.case_review_save(
            case=case,
            by=world.leader,
            findings=REVIEW["findings"],
            responsibility="",
            measures=REVIEW["measures"],
            conclusion=REVIEW["conclusion"],
        )
        client.force_login(world.coordinator)
        page = client.get(reverse("cases:review", args=[case.pk]))
        assert page.status_code == 200
        assert "已整改到位" in page.text and "<form" not in page.text.split("<main", 1)[-1]
