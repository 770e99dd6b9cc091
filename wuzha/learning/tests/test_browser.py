"""On a phone: the class link, the identity check, the test, the result page."""

import pytest

from wuzha.learning import services
from wuzha.learning.models import Attempt, QuizClassLink

from .conftest import make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_take_a_test_through_the_class_link_on_a_phone(page, world):
    services.load_question_bank()
    quiz = make_quiz(world, rule=[{"fraud_type": "task_rebate", "difficulty": 1, "count": 2}])
    link = QuizClassLink.objects.get(quiz=quiz, unit=world.class_a)

    page.goto(f"/qc/{link.token}/")
    page.fill("input[name=student_name]", "王小明")
    page.fill("input[name=number_tail]", "3001")
    page.click("button[type=submit]")
    assert "王*明" in page.text_content(".whose")
    page.click("#start")
    page.wait_for_url("**/paper/")
    assert page.viewport_size == {"width": 390, "height": 844}
    attempt = Attempt.objects.get(assignment__person=world.student_a)
    for item in attempt.items.select_related("version"):
        for index in item.version.answer:
            page.check(f"#q{item.position} input[value='{index}']")
    page.click("#submit")
    page.wait_for_url("**/result/1/")
    assert "通过" in page.text_content("#result h1")
    assert "100" in page.text_content("#result .score")
    assert "凡是要求先转账" in page.text_content("body")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.via == Attempt.Via.CLASS
