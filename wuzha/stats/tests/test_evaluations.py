"""无诈 evaluations: criteria with their evidence, approval by the unit leader, certificates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuzha.stats import services
from wuzha.stats.models import EvaluationKind

from .conftest import sign

pytestmark = pytest.mark.django_db


def by_unit(round):
    return {c.unit.code: c for c in round.candidates.select_related("unit")}


def test_class_criteria_with_evidence(stats_world):
    w = stats_world.world
    year = stats_world.period.key
    round = services.evaluation_open(
        unit=w.school, kind=EvaluationKind.CLASS, period_key=year, by=w.leader
    )
    classes = by_unit(round)
    assert set(classes) == {w.class_a.code, w.class_b.code}
    a, b = classes[w.class_a.code], classes[w.class_b.code]
    assert a.qualifies is False
    assert {e["criterion"]: (e["passed"], e["detail"]) for e in a.evidence} == {
        "期间内无被骗案件": (False, "案件 2 起"),
        "家长回执全部签收": (False, "已签 1 / 应签 2"),
        "工作任务全部完成": (True, "已完成 1 / 到期 1"),
    }
    # Class B: no case, its only letter unsigned, its duty not done (due today, still pending).
    assert [(e["criterion"], e["passed"]) for e in b.evidence] == [
        ("期间内无被骗案件", True),
        ("家长回执全部签收", False),
        ("工作任务全部完成", True),
    ]
    sign(stats_world.letter, w.student_b)
    services.evaluation_refresh(round=round)
    assert by_unit(round)[w.class_b.code].qualifies is True


def test_pass_rate_threshold(stats_world, quiz):
    w = stats_world.world
    sign(stats_world.letter, w.student_b)
    round = services.evaluation_open(
        unit=w.school,
        kind=EvaluationKind.CLASS,
        period_key=stats_world.period.key,
        by=w.leader,
        min_pass_rate=60,
        require_duties_complete=False,
    )
    evidence = {e["criterion"]: e for e in by_unit(round)[w.class_b.code].evidence}
    assert evidence["知晓率不低于60%"]["passed"] is False
    assert evidence["知晓率不低于60%"]["detail"] == "知晓率 0.0%"
    quiz.passed.append(w.student_b)
    services.evaluation_refresh(round=round)
    assert by_unit(round)[w.class_b.code].qualifies is True


def test_approval_certificates_and_double_open(stats_world):
    w = stats_world.world
    sign(stats_world.letter, w.student_b)
    round = services.evaluation_open(
        unit=w.school,
        kind=EvaluationKind.CLASS,
        period_key=stats_world.period.key,
        by=w.leader,
        require_duties_complete=False,
    )
    with pytest.raises(ValidationError):
        services.evaluation_open(
            unit=w.school, kind=EvaluationKind.CLASS, period_key=stats_world.period.key, by=None
        )
    classes = by_unit(round)
    with pytest.raises(PermissionDenied):
        services.evaluation_approve(
            round=round, by=w.teacher_b, candidate_ids=[classes[w.class_b.code].pk]
        )
    with pytest.raises(ValidationError):
        services.evaluation_approve(
            round=round, by=w.leader, candidate_ids=[classes[w.class_a.code].pk]
        )
    round = services.evaluation_approve(
        round=round, by=w.leader, candidate_ids=[classes[w.class_b.code].pk]
    )
    approved = by_unit(round)[w.class_b.code]
    assert approved.approved and approved.certificate_no.endswith("-001")
    pdf = services.evaluation_certificates(round)
    assert pdf.startswith(b"%PDF")
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    assert len(doc) == 1
    assert "三年级2班" in doc[0].get_textpage().get_text_range()


def test_family_evaluation_excludes_victims(stats_world):
    w = stats_world.world
    round = services.evaluation_open(
        unit=w.class_a,
        kind=EvaluationKind.FAMILY,
        period_key=stats_world.period.key,
        by=w.leader,
    )
    families = {c.person.name: c for c in round.candidates.select_related("person") if c.person}
    assert set(families) == {"王小明", "李小红"}
    assert families["王小明"].qualifies is True  # letter signed, no case
    assert families["李小红"].qualifies is False  # victim of a case, letter unsigned
