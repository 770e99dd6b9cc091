"""A parent opens a personal link on a phone, draws a signature, submits; the teacher sees it."""

import pytest

from wuzha.notices.models import Delivery, Signature
from wuzha.testing import PASSWORD, browser_login

from .conftest import make_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parent_signs_on_a_phone_and_the_class_progress_updates(page, world):
    notice = make_notice(world)
    delivery = notice.deliveries.get(person=world.student_a)

    page.goto(f"/s/{delivery.token}/")
    assert "王*明" in page.text_content(".whose")
    page.select_option("select[name=relation]", "father")
    page.fill("input[name=signer_name]", "王建国")
    page.check("input[name=app_installed]")
    pad = page.locator("#sign-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + i * 25, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=3
        )
    page.mouse.up()
    page.click("#sign-submit")
    page.wait_for_url(f"**/s/{delivery.token}/done/")
    assert "谢谢您" in page.text_content("h1")

    signature = Signature.objects.get(delivery=delivery)
    assert signature.method == "drawn" and signature.app_installed
    assert bytes(signature.image or b"").startswith(b"\x89PNG")
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.ONLINE

    browser_login(page, world.teacher_a.username, PASSWORD)
    page.goto(f"/notices/{notice.pk}/u/{world.class_a.code}/")
    assert page.text_content("#n-online") == "1"
    assert page.text_content("#n-pending") == "1"
    assert "王建国" in page.text_content("body")
