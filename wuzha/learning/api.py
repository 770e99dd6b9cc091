"""Quiz results per child unit over JSON (staff token, scoped: out of scope → 404)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from wuzha.orgs.access import request_user

from . import access, selectors

router = Router(tags=["知识测试"])


class Participation(Schema):
    count: int = Field(description="已参加（至少交卷一次）人数")
    denominator: int = Field(description="应参加人数")
    rate: float | None = Field(description="参与率（%），无对象时为空")


class ResultRow(Schema):
    unit_code: str
    unit_name: str
    participation: Participation
    passed: int = Field(description="通过人数")
    pass_rate: float | None = Field(description="知晓率：通过人数 / 应参加人数（%）")
    mastery: dict[str, float | None] = Field(
        description="各诈骗类型掌握度：按每人最高分那次作答中该类型题目的答对比例（%）"
    )


class ResultsOut(Schema):
    quiz_id: int
    title: str
    unit_code: str
    pass_mark: int
    totals: ResultRow
    children: list[ResultRow]


class ResultsQuery(Schema):
    unit: str = Field(description="单位代码；返回其下一级各单位的结果")


def _row(unit: Any, tally: selectors.Tally) -> dict[str, Any]:
    return {"unit_code": unit.code, "unit_name": unit.name, **tally.as_dict()}


@router.get("/quizzes/{quiz_id}/results", response=ResultsOut, summary="测验结果（按下级单位）")
def quiz_results(request: HttpRequest, quiz_id: int, query: Query[ResultsQuery]) -> dict[str, Any]:
    """Participation, pass rate (知晓率) and mastery by fraud type for each child unit of `unit`."""
    user = request_user(request)
    quiz = access.get_quiz_for_user(user, quiz_id)
    unit = access.get_quiz_unit_for_user(user, quiz, query.unit)
    total, children = selectors.quiz_unit_results(quiz, unit)
    return {
        "quiz_id": quiz.pk,
        "title": quiz.title,
        "unit_code": unit.code,
        "pass_mark": quiz.pass_mark,
        "totals": _row(unit, total),
        "children": [_row(r.unit, r.tally) for r in children],
    }
