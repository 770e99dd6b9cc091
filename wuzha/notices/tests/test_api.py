"""The progress endpoint (staff token) and the public sign endpoint (no token)."""

import pytest

from wuzha.notices import services
from wuzha.notices.models import Signature
from wuzha.orgs.services import api_token_create

from .conftest import data_url, signature_png, typed

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, key = api_token_create(user=user)
    return {"Authorization": f"Bearer {key}"}


class TestProgress:
    def url(self, notice) -> str:
        return f"/api/v1/notices/{notice.pk}/progress"

    def test_totals_and_class_rows(self, client, world, letter):
        services.notice_sign(delivery=letter.deliveries.get(person=world.student_a), data=typed())
        response = client.get(self.url(letter), headers=bearer(world.leader))
        assert response.status_code == 200
        body = response.json()
        assert body["totals"] == {
            "recipients": 3,
            "signed_online": 1,
            "signed_paper": 0,
            "pending": 2,
            "rate": 33.3,
        }
        assert [c["unit_code"] for c in body["classes"]] == [world.class_a.code, world.class_b.code]
        assert body["classes"][0]["rate"] == 50.0

    @pytest.mark.parametrize(
        ("persona", "status"), [("teacher_a", 200), ("inspector", 200), ("other_teacher", 404)]
    )
    def test_scope(self, client, world, letter, persona, status):
        response = client.get(self.url(letter), headers=bearer(getattr(world, persona)))
        assert response.status_code == status
        if persona == "teacher_a":
            assert response.json()["totals"]["recipients"] == 2

    def test_requires_token_and_method(self, client, world, letter):
        assert client.get(self.url(letter)).status_code == 401
        assert client.post(self.url(letter), headers=bearer(world.leader)).status_code == 405


class TestSign:
    def url(self, delivery) -> str:
        return f"/api/v1/sign/{delivery.token}"

    def test_201_then_200_with_the_same_signature(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        payload = {
            "relation": "father",
            "signer_name": "王建国",
            "method": "drawn",
            "signature": data_url(signature_png()),
            "app_installed": True,
        }
        first = client.post(self.url(delivery), payload, content_type="application/json")
        assert first.status_code == 201, first.content
        again = client.post(
            self.url(delivery), {**payload, "signer_name": "别人"}, content_type="application/json"
        )
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["signer_name"] == "王建国"
        sig = Signature.objects.get(delivery=delivery)
        assert sig.via == "api" and sig.app_installed

    def test_errors_are_field_keyed(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        response = client.post(
            self.url(delivery),
            {"relation": "uncle", "signer_name": "x", "method": "typed"},
            content_type="application/json",
        )
        assert response.status_code == 422
        assert set(response.json()["detail"]) == {"relation", "confirm"}
        blank = client.post(
            self.url(delivery),
            {
                "relation": "mother",
                "signer_name": "刘芳",
                "signature": data_url(signature_png(ink=False)),
            },
            content_type="application/json",
        )
        assert blank.status_code == 422 and "signature" in blank.json()["detail"]
        assert not Signature.objects.exists()

    def test_unknown_revoked_and_wrong_method(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        ok = {"relation": "mother", "signer_name": "刘芳", "method": "typed", "confirm": True}
        assert (
            client.post("/api/v1/sign/nope", ok, content_type="application/json").status_code == 404
        )
        assert client.get(self.url(delivery)).status_code == 405
        services.notice_revoke(notice=letter, by=world.leader)
        assert (
            client.post(self.url(delivery), ok, content_type="application/json").status_code == 410
        )

    def test_rate_limited(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        bad = {"relation": "mother", "signer_name": "刘芳", "method": "typed"}
        codes = [
            client.post(self.url(delivery), bad, content_type="application/json").status_code
            for _ in range(12)
        ]
        assert codes[0] == 422 and codes[-1] == 429
