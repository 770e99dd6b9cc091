import pytest
from django.apps import apps
from django.urls import reverse

from wuzha.checker.views import PUBLIC_LIMIT_PER_MINUTE
from wuzha.core.models import RateLimitBucket

SCAM = "我是公安局的警官，你涉嫌洗钱，马上把钱转到安全账户配合调查，不要告诉家人"
NORMAL = "【某某快递】您的包裹已到小区驿站，取件码3-1-2046，请今天取件。"


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


class TestPublicPage:
    def test_anonymous_can_open_it(self, client, db):
        response = client.get(reverse("checker:public"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "识骗" in body and "<textarea" in body
        assert "退出" not in body  # the staff navigation is not shown

    def test_check_shows_verdict_type_highlights_and_next_steps(self, client, db):
        response = client.post(reverse("checker:public"), {"text": SCAM})
        assert response.status_code == 200
        body = response.content.decode()
        assert "很可能是诈骗" in body
        assert "冒充公检法及政府机关类" in body
        assert '<mark class="sig sig-safe_account"' in body
        assert "举报线索" in body and "已经转账？紧急止付" in body
        assert reverse("checker:next_steps") in body

    def test_normal_message(self, client, db):
        body = client.post(reverse("checker:public"), {"text": NORMAL}).content.decode()
        assert "暂未发现诈骗特征" in body

    def test_htmx_gets_only_the_result(self, client, db):
        response = client.post(reverse("checker:public"), {"text": SCAM}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert 'id="checker-result"' in body and "<textarea" not in body

    def test_empty_and_too_long_are_form_errors(self, client, db):
        empty = client.post(reverse("checker:public"), {"text": "   "}).content.decode()
        assert "请粘贴要检查的消息" in empty
        long = client.post(reverse("checker:public"), {"text": "字" * 5001}).content.decode()
        assert "消息太长了" in long

    def test_pasted_text_is_not_stored(self, client, db):
        client.get(reverse("checker:public"))
        before = row_counts()
        for text in (SCAM, NORMAL, "我的身份证号是110101200001011234，验证码是123456"):
            assert client.post(reverse("checker:public"), {"text": text}).status_code == 200
        after = row_counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        # Only the rate-limit counter may be written.
        assert set(changed) <= {RateLimitBucket._meta.label}
        assert not RateLimitBucket.objects.filter(key__contains="身份证").exists()

    def test_rate_limited(self, client, db):
        url = reverse("checker:public")
        codes = [client.post(url, {"text": NORMAL}).status_code for _ in range(21)]
        assert codes[:PUBLIC_LIMIT_PER_MINUTE] == [200] * PUBLIC_LIMIT_PER_MINUTE
        assert codes[-1] == 429
        assert client.get(url).status_code == 200  # reading the page is not limited

    def test_wrong_method(self, client, db):
        assert client.put(reverse("checker:public")).status_code == 405

    @pytest.mark.parametrize("kind, words", [("report", "举报"), ("emergency", "110")])
    def test_next_steps_page_is_public_and_honest(self, client, db, kind, words):
        response = client.get(reverse("checker:next_steps"), {"kind": kind})
        assert response.status_code == 200
        body = response.content.decode()
        assert words in body and "96110" in body
        assert "<form" not in body.split("<main")[1]


class TestStaffPage:
    @pytest.mark.parametrize(
        "persona",
        ["admin", "coordinator", "leader", "teacher_a", "teacher_b", "other_teacher", "inspector"],
    )
    def test_staff_with_a_role_can_check(self, client, world, persona):
        client.force_login(getattr(world, persona))
        assert client.get(reverse("checker:staff")).status_code == 200
        response = client.post(reverse("checker:staff"), {"text": SCAM})
        assert response.status_code == 200
        body = response.content.decode()
        assert "很可能是诈骗" in body and "工作人员版" in body

    def test_account_without_membership_is_refused(self, client, world):
        client.force_login(world.outsider)
        assert client.get(reverse("checker:staff")).status_code == 403
        assert client.post(reverse("checker:staff"), {"text": SCAM}).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(reverse("checker:staff"))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]

    def test_wrong_method(self, client, world):
        client.force_login(world.teacher_a)
        assert client.delete(reverse("checker:staff")).status_code == 405


class TestReportHandover:
    """举报线索 carries the checked message to a real clue form, stored only when submitted."""

    LINKED = "恭喜中奖！点击 http://lucky-gift.top/a8 填写银行卡领取，逾期作废"

    def _report_form(self, body: str) -> str:
        return body.split('name="prefill"')[0].rsplit("<form", 1)[1]

    def test_without_a_unit_it_leads_to_the_unit_picker(self, client, db):
        body = client.post(reverse("checker:public"), {"text": self.LINKED}).content.decode()
        assert f'action="{reverse("risk:report_pick")}"' in self._report_form(body)
        assert 'name="target" value="http://lucky-gift.top/a8"' in body
        assert 'name="kind" value="link"' in body
        assert 'name="content" value="恭喜中奖' in body

    def test_a_shared_link_names_the_unit(self, client, world):
        url = reverse("checker:public") + f"?unit={world.school.code}"
        page = client.get(url).content.decode()
        assert f'name="unit" value="{world.school.code}"' in page
        body = client.post(
            reverse("checker:public"), {"text": SCAM, "unit": world.school.code}
        ).content.decode()
        assert f'action="{reverse("risk:report", args=[world.school.code])}"' in body
        # An unknown or inactive code is ignored rather than leading to a broken form.
        other = client.post(reverse("checker:public"), {"text": SCAM, "unit": "NOPE"})
        assert f'action="{reverse("risk:report_pick")}"' in other.content.decode()

    def test_the_whole_way_to_a_stored_clue(self, client, world):
        from wuzha.risk.models import Clue

        result = client.post(reverse("checker:public"), {"text": self.LINKED}).content.decode()
        assert not Clue.objects.exists()
        handover = {"prefill": "1", "kind": "link", "target": "http://lucky-gift.top/a8"}
        handover["content"] = self.LINKED
        assert "lucky-gift.top" in result
        picker = client.post(reverse("risk:report_pick"), {**handover, "q": "实验小学"})
        text = picker.content.decode()
        assert world.school.name in text and "lucky-gift.top" in text
        form = client.post(reverse("risk:report", args=[world.school.code]), handover)
        assert form.status_code == 200 and not Clue.objects.exists()
        assert 'value="http://lucky-gift.top/a8"' in form.text and "恭喜中奖" in form.text
        submitted = client.post(
            reverse("risk:report", args=[world.school.code]),
            {"kind": "link", "target": "http://lucky-gift.top/a8", "content": self.LINKED},
        )
        assert submitted.status_code == 302
        clue = Clue.objects.get()
        assert clue.unit == world.school and clue.content == self.LINKED

    def test_staff_go_to_their_units_forms(self, client, world):
        client.force_login(world.teacher_a)
        body = client.post(reverse("checker:staff"), {"text": SCAM}).content.decode()
        assert "/risk/units/" in self._report_form(body)
        assert "/cases/units/" in body and "/emergency/" in body
