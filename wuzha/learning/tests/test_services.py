"""Bank versioning, random papers, the server-side timer, attempt rules, burst flags, statistics."""

import datetime
import random
from collections import Counter
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuzha.core import coverage
from wuzha.learning import content, selectors, services
from wuzha.learning.models import Assignment, Attempt, AttemptItem, Question, QuestionVersion

from .conftest import answers_for, make_quiz

pytestmark = pytest.mark.django_db


class TestBank:
    def test_load_is_idempotent_and_edits_make_versions(self, bank):
        assert (bank.created, bank.updated, bank.unchanged) == (52, 0, 0)
        again = services.load_question_bank()
        assert (again.created, again.updated, again.unchanged) == (0, 0, 52)
        assert QuestionVersion.objects.count() == 52

    def test_command_reports_counts_and_bad_content(self, db, tmp_path, capsys):
        call_command("load_question_bank")
        assert "新增 52 题" in capsys.readouterr().out
        bad = tmp_path / "questions.json"
        bad.write_text('[{"key": "x"}]', "utf-8")
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="第 1 题"):
            call_command("load_question_bank", path=bad)

    def test_versioning_keeps_old_attempts_intact(self, world, bank):
        quiz = make_quiz(world, rule=[{"fraud_type": "task_rebate", "difficulty": 1, "count": 2}])
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        attempt = services.attempt_start(assignment=a)
        item = attempt.items.select_related("version__question").get(position=1)
        old = item.version
        data = content.question_from_raw(
            {
                "key": old.question.key,
                "kind": "single",
                "fraud_type": old.fraud_type,
                "age_bands": old.age_bands,
                "difficulty": old.difficulty,
                "stem": "改写后的题干：对方要求先垫付，应该怎么办？",
                "options": ["先核实", "马上垫付"],
                "answer": [0],
                "explanation": "新解析",
            }
        )
        question, outcome = services.question_save(data=data, by=world.coordinator)
        assert outcome == "updated"
        assert question.versions.order_by("-number")[0].number == old.number + 1
        item.refresh_from_db()
        assert item.version_id == old.pk
        assert item.version.stem == old.stem
        done = services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
        assert done.correct == 2  # scored against the version the taker saw
        assert services.question_save(data=data)[1] == "unchanged"

    def test_invalid_question_is_refused(self, db):
        data = content.question_from_raw(
            {
                "key": "bad",
                "kind": "multiple",
                "fraud_type": "other",
                "age_bands": ["adult"],
                "difficulty": 1,
                "stem": "题",
                "options": ["a", "b"],
                "answer": [0],
                "explanation": "x",
            }
        )
        with pytest.raises(ValidationError):
            services.question_save(data=data)
        assert not Question.objects.exists()


RULE_CELLS = [(t, d) for t in ("task_rebate", "romance", "game_trade", "other") for d in (1, 2)]


class TestPaper:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        counts=st.lists(
            st.integers(0, 2), min_size=len(RULE_CELLS), max_size=len(RULE_CELLS)
        ).filter(any),
        seed=st.integers(0, 10_000),
    )
    def test_random_paper_respects_the_rule(self, world, bank, counts, seed):
        rule = [
            {"fraud_type": t, "difficulty": d, "count": n}
            for (t, d), n in zip(RULE_CELLS, counts, strict=True)
        ]
        quiz = make_quiz(world, rule=rule, title=f"卷{seed}")
        paper = services.draw_paper(quiz, random.Random(seed))
        got = Counter((v.fraud_type, v.difficulty) for v in paper)
        assert got == Counter(
            {(t, d): n for (t, d), n in zip(RULE_CELLS, counts, strict=True) if n}
        )
        assert len({v.question_id for v in paper}) == len(paper)
        assert all("primary" in v.age_bands and not v.question.retired for v in paper)

    def test_retired_and_other_band_questions_are_never_drawn(self, world, bank):
        Question.objects.filter(key="fx-task_rebate-10").update(retired=True)
        quiz = make_quiz(world, rule=[{"fraud_type": "task_rebate", "difficulty": 1, "count": 1}])
        keys = {services.draw_paper(quiz, random.Random(s))[0].question.key for s in range(30)}
        assert keys == {"fx-task_rebate-11"}
        with pytest.raises(ValidationError, match="只有 0 题"):
            make_quiz(world, age_band="university")

    def test_each_person_gets_their_own_paper(self, world, bank):
        quiz = make_quiz(
            world,
            rule=[{"fraud_type": t, "difficulty": 1, "count": 1} for t in content.FRAUD_CODES],
        )
        orders = set()
        for a in quiz.assignments.all():
            attempt = services.attempt_start(assignment=a)
            orders.add(tuple(attempt.items.values_list("version_id", flat=True)))
        assert len(orders) == 3  # 13! orders: three people never share one

    def test_quiz_freezes_takers_and_makes_class_links(self, world, bank):
        quiz = make_quiz(world)
        assert set(quiz.assignments.values_list("person_id", flat=True)) == {
            world.student_a.pk,
            world.student_a2.pk,
            world.student_b.pk,
        }
        assert set(quiz.class_links.values_list("unit_id", flat=True)) == {
            world.class_a.pk,
            world.class_b.pk,
        }
        with pytest.raises(ValidationError):
            make_quiz(world, units=[world.other_class])


class TestAttempts:
    def test_server_side_timer(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        start = quiz.opens_at + datetime.timedelta(minutes=5)
        attempt = services.attempt_start(assignment=a, now=start)
        assert attempt.deadline == start + datetime.timedelta(minutes=10)
        late = attempt.deadline + services.SUBMIT_GRACE + datetime.timedelta(seconds=1)
        with pytest.raises(services.AttemptRefused) as exc:
            services.attempt_submit(attempt=attempt, answers=answers_for(attempt), now=late)
        assert exc.value.code == "expired"
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.EXPIRED and attempt.percent is None
        # Within the grace the page's own auto-submit still counts.
        second = services.attempt_start(assignment=a, now=late)
        on_time = second.deadline + services.SUBMIT_GRACE
        done = services.attempt_submit(attempt=second, answers=answers_for(second), now=on_time)
        assert done.passed and done.number == 2

    def test_deadline_is_cut_at_the_window_end(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        start = quiz.closes_at - datetime.timedelta(minutes=3)
        attempt = services.attempt_start(assignment=a, now=start)
        assert attempt.deadline == quiz.closes_at

    def test_overdue_attempt_is_closed_on_the_next_start(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        t0 = quiz.opens_at + datetime.timedelta(minutes=1)
        first = services.attempt_start(assignment=a, now=t0)
        later = t0 + datetime.timedelta(minutes=30)
        second = services.attempt_start(assignment=a, now=later)
        first.refresh_from_db()
        assert first.status == Attempt.Status.EXPIRED and second.number == 2

    def test_one_attempt_in_progress(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        first = services.attempt_start(assignment=a)
        assert services.attempt_start(assignment=a).pk == first.pk
        with pytest.raises(IntegrityError), transaction.atomic():
            Attempt.objects.create(
                assignment=a, number=9, started_at=first.started_at, deadline=first.deadline
            )

    def test_attempt_limit_window_and_passed(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        for _ in range(2):
            attempt = services.attempt_start(assignment=a)
            services.attempt_submit(attempt=attempt, answers=answers_for(attempt, right=set()))
        with pytest.raises(services.AttemptRefused, match="used_up"):
            services.attempt_start(assignment=a)
        b = Assignment.objects.get(quiz=quiz, person=world.student_a2)
        attempt = services.attempt_start(assignment=b)
        services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
        with pytest.raises(services.AttemptRefused, match="passed"):
            services.attempt_start(assignment=b)
        c = Assignment.objects.get(quiz=quiz, person=world.student_b)
        with pytest.raises(services.AttemptRefused, match="not_open"):
            services.attempt_start(assignment=c, now=quiz.opens_at - datetime.timedelta(seconds=1))
        with pytest.raises(services.AttemptRefused, match="closed"):
            services.attempt_start(assignment=c, now=quiz.closes_at)

    def test_scoring_pass_mark_and_double_submit(self, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        attempt = services.attempt_start(assignment=a)
        one_right = {1}
        done = services.attempt_submit(
            attempt=attempt, answers=answers_for(attempt, right=one_right)
        )
        assert (done.correct, done.total, done.percent, done.passed) == (1, 3, 33, False)
        again = services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
        assert again.correct == 1  # the second tap changes nothing
        a.refresh_from_db()
        assert a.best_percent == 33 and a.passed_at is None and a.attempts_used == 1

    def test_multiple_choice_needs_exactly_the_right_set(self, world, bank):
        quiz = make_quiz(world, rule=[{"fraud_type": "task_rebate", "difficulty": 1, "count": 2}])
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        attempt = services.attempt_start(assignment=a)
        multi = next(i for i in attempt.items.select_related("version") if i.version.is_multiple)
        answers = answers_for(attempt)
        answers[multi.position] = multi.version.answer[:2]
        done = services.attempt_submit(attempt=attempt, answers=answers)
        assert done.correct == 1
        assert AttemptItem.objects.get(pk=multi.pk).is_correct is False


class TestBurst:
    def test_starts_for_several_people_from_one_device_are_flagged(self, world, quiz):
        t0 = quiz.opens_at + datetime.timedelta(minutes=1)
        people = [world.student_a, world.student_a2, world.student_b]
        attempts = []
        for i, person in enumerate(people):
            a = Assignment.objects.get(quiz=quiz, person=person)
            attempts.append(
                services.attempt_start(
                    assignment=a, device="dev-1", now=t0 + datetime.timedelta(minutes=i)
                )
            )
        flags = [Attempt.objects.get(pk=t.pk).flag for t in attempts]
        assert all(flags), flags
        assert "3人" in flags[-1]
        assert list(selectors.flagged_attempts(quiz, world.school)) != []

    def test_two_people_or_spread_out_starts_are_not_flagged(self, world, quiz):
        t0 = quiz.opens_at + datetime.timedelta(minutes=1)
        for i, person in enumerate([world.student_a, world.student_a2, world.student_b]):
            a = Assignment.objects.get(quiz=quiz, person=person)
            gap = services.BURST_WINDOW * i + datetime.timedelta(minutes=i)
            services.attempt_start(assignment=a, device="dev-1", now=t0 + gap)
        assert not Attempt.objects.exclude(flag="").exists()

    def test_many_people_from_one_address(self, world, quiz, monkeypatch):
        monkeypatch.setattr(services, "BURST_IP_PERSONS", 2)
        for person in [world.student_a, world.student_a2]:
            a = Assignment.objects.get(quiz=quiz, person=person)
            services.attempt_start(assignment=a, device=f"d-{person.pk}", ip="10.1.1.1")
        assert Attempt.objects.exclude(flag="").count() == 2


class TestItemStatistics:
    def test_known_matrix(self):
        # Ten takers (score, {item: correct}); 27 % of 10 rounds to 3 per group.
        matrix = [
            (100, {1: True, 2: True, 3: True}),
            (90, {1: True, 2: True, 3: False}),
            (80, {1: True, 2: False, 3: True}),
            (70, {1: True, 2: True}),
            (60, {1: True, 2: False, 3: False}),
            (50, {1: True, 2: False, 3: True}),
            (40, {1: True, 2: False, 3: False}),
            (30, {1: True, 2: True, 3: False}),
            (20, {1: True, 2: False, 3: True}),
            (10, {1: True, 2: False, 3: False}),
        ]
        stats = selectors.item_statistics(matrix)
        # Item 1: everybody right → facility 1, no discrimination.
        assert (stats[1].n, stats[1].facility, stats[1].discrimination) == (10, 1.0, 0.0)
        # Item 2: 4/10 right; upper (100, 90, 80) 2/3, lower (30, 20, 10) 1/3.
        assert (stats[2].facility, stats[2].discrimination) == (0.4, 0.333)
        # Item 3: seen by 9; 4 right; upper 2/3, lower 1/3.
        assert (stats[3].n, stats[3].facility, stats[3].discrimination) == (9, 0.444, 0.333)
        assert selectors.item_statistics([]) == {}

    def test_quiz_item_statistics_and_results(self, world, quiz):
        rows = [(world.student_a, None), (world.student_a2, set()), (world.student_b, {1})]
        for person, right in rows:
            a = Assignment.objects.get(quiz=quiz, person=person)
            attempt = services.attempt_start(assignment=a)
            services.attempt_submit(attempt=attempt, answers=answers_for(attempt, right=right))
        stats = selectors.quiz_item_statistics(quiz)
        assert sum(s.n for s in stats) == 9
        assert all(s.question is not None for s in stats)
        total, _children = selectors.quiz_unit_results(quiz, world.school)
        assert (total.assigned, total.participated, total.passed) == (3, 3, 1)
        assert total.pass_rate == 33.3
        classes = selectors.quiz_class_results(quiz, world.school)
        assert [r.unit for r in classes] == [world.class_a, world.class_b]
        a_row = classes[0].tally
        assert (a_row.assigned, a_row.passed) == (2, 1)
        assert sum(a for _c, a in a_row.mastery.values()) == 6
        assert sum(c for c, _a in a_row.mastery.values()) == 3
        heat = selectors.heatmap(classes)
        assert heat["classes"] == ["三年级1班", "三年级2班"] and heat["data"]


class TestCoverage:
    def test_channel_is_registered_and_counts_passed_persons(self, world, quiz):
        channel = next(c for c in coverage.channels() if c.code == "quiz_passed")
        assert str(channel.label) == "反诈知识测试通过"
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        attempt = services.attempt_start(assignment=a)
        services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
        b = Assignment.objects.get(quiz=quiz, person=world.student_b)
        attempt = services.attempt_start(assignment=b)
        services.attempt_submit(attempt=attempt, answers=answers_for(attempt, right=set()))
        today = datetime.date.today()
        start, end = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
        reached = set(channel.reached(world.school, start, end).values_list("person_id", flat=True))
        assert reached == {world.student_a.pk}
        assert not channel.reached(world.other_school, start, end).exists()
        events = channel.events(world.student_a, start, end)
        assert len(events) == 1 and quiz.title in events[0].label


class TestSelfTest:
    def test_submit_once_and_level(self, world):
        rnd = services.selftest_round_create(
            unit=world.school,
            units=[world.class_a],
            title="自测",
            closes_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
        )
        invite = rnd.invites.get(person=world.student_a)
        answers = {q.key: 0 for q in content.selftest().questions} | {"s05": 1}
        response, _result = services.selftest_submit(invite=invite, answers=answers)
        assert (response.level, response.score, response.hard_flags) == ("high", 2, ["s05"])
        again, _r = services.selftest_submit(invite=invite, answers={k: 0 for k in answers})
        assert again.pk == response.pk and again.level == "high"
        assert rnd.invites.count() == 2 and rnd.class_links.count() == 1


def test_replace_is_available_for_dataclasses():
    # QuestionData is frozen: edits always go through a new instance.
    q = content.load_questions()[0]
    assert replace(q, stem="x").stem == "x" and q.stem != "x"
