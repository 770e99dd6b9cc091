"""The content contract: loaders accept good files and reject bad ones loudly; scoring."""

import copy
import json

import pytest

from wuzha.learning import content

from .conftest import FIXTURES


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_fixture_content_is_valid():
    assert len(content.load_questions()) == 52
    k = content.knowledge()
    assert k.types[0].code == "task_rebate" and len(k.cases_of("romance")) == 1
    assert content.selftest().hard_flags == ["s05"]


def _mutated_question(**changes):
    q = copy.deepcopy(load("questions.json")[0])
    q.update(changes)
    return q


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"kind": "essay"}, "题型"),
        ({"fraud_type": "normal"}, "诈骗类型"),
        ({"age_bands": []}, "年龄段"),
        ({"age_bands": ["toddler"]}, "年龄段"),
        ({"difficulty": 4}, "难度"),
        ({"stem": "  "}, "题干"),
        ({"explanation": ""}, "解析"),
        ({"options": ["只有一个"]}, "选项数量"),
        ({"answer": [7]}, "超出"),
        ({"kind": "multiple", "answer": [1]}, "至少要有两个"),
        ({"kind": "truefalse", "options": ["对", "错"], "answer": [0]}, "判断题"),
        ({"answer": [0, 1]}, "只能有一个"),
    ],
)
def test_question_problems_are_reported_in_chinese(tmp_path, changes, needle):
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([_mutated_question(**changes)], ensure_ascii=False), "utf-8")
    with pytest.raises(content.ContentError) as exc:
        content.load_questions(path)
    assert needle in str(exc.value) and "第 1 题" in str(exc.value)


def test_duplicate_keys_and_broken_json_are_rejected(tmp_path):
    path = tmp_path / "questions.json"
    q = _mutated_question()
    path.write_text(json.dumps([q, q], ensure_ascii=False), "utf-8")
    with pytest.raises(content.ContentError, match="key 重复"):
        content.load_questions(path)
    path.write_text("[{", "utf-8")
    with pytest.raises(content.ContentError, match="不是合法的 JSON"):
        content.load_questions(path)
    with pytest.raises(content.ContentError, match="文件不存在"):
        content.load_questions(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda k: k["types"].pop(), "缺少"),
        (lambda k: k["rule_sets"].pop(), "至少要有 3 组"),
        (lambda k: k["rule_sets"][0].update(issuer=""), "issuer"),
        (lambda k: k["slogans"].pop(), "slogans"),
        (lambda k: k["cases"].pop(0), "至少一个案例"),
        (lambda k: k["types"][0].update(targets=["nobody"]), "年龄段"),
    ],
)
def test_knowledge_rejects_bad_content(mutate, needle):
    data = load("knowledge.json")
    mutate(data)
    with pytest.raises(content.ContentError, match=needle):
        content.parse_knowledge(data)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda s: s["questions"][1]["options"][1].update(advice=""), "即时建议"),
        (lambda s: s["questions"].__delitem__(slice(11)), "12 到 16"),
        (lambda s: s.update(hard_flags=["s99"]), "hard_flags"),
        (lambda s: s["bands"][1].update(min=0), "严格递增"),
        (lambda s: s["questions"][0].update(topic="weather"), "topic"),
        (lambda s: s["bands"].reverse(), "low、medium、high"),
    ],
)
def test_selftest_rejects_bad_content(mutate, needle):
    data = load("selftest.json")
    mutate(data)
    with pytest.raises(content.ContentError, match=needle):
        content.parse_selftest(data)


@pytest.mark.parametrize(
    ("risky", "score", "level", "flags"),
    [
        ({}, 0, "low", []),
        ({"s01": 1}, 2, "low", []),
        ({"s01": 2}, 4, "medium", []),
        ({"s01": 1, "s02": 1}, 4, "medium", []),
        ({"s01": 2, "s02": 1}, 6, "medium", []),
        ({"s01": 2, "s02": 2}, 8, "high", []),
        ({"s05": 1}, 2, "high", ["s05"]),
        ({"s05": 2, "s06": 2}, 8, "high", ["s05"]),
    ],
)
def test_selftest_scoring_table(risky, score, level, flags):
    test = content.selftest()
    answers = {q.key: risky.get(q.key, 0) for q in test.questions}
    result = test.score(answers)
    assert (result.score, result.level, result.hard_flags) == (score, level, flags)
    assert [a.key for a in result.risky] == sorted(risky)
    assert all(a.advice for a in result.risky)


def test_selftest_scoring_requires_every_answer():
    test = content.selftest()
    with pytest.raises(ValueError):
        test.score({"s01": 0})


def test_shipped_content_meets_the_contract():
    """The real files under content/ (not the fixtures) load and meet the contract's coverage."""
    from collections import Counter

    real = FIXTURES.parent.parent / "content"
    questions = content.load_questions(real / "questions.json")
    assert len(questions) >= 240
    types = Counter(q.fraud_type for q in questions)
    assert set(types) == set(content.FRAUD_CODES) and min(types.values()) >= 12
    bands = Counter(b for q in questions for b in q.age_bands)
    assert set(bands) == set(content.AGE_BANDS) and min(bands.values()) >= 25
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) == set(content.KINDS) and min(kinds.values()) >= 25
    cells = {(q.fraud_type, q.difficulty) for q in questions}
    assert all((t, d) in cells for t in content.FRAUD_CODES for d in (1, 2, 3))
    knowledge = content.knowledge(real / "knowledge.json")
    assert len(knowledge.types) == 13 and len(knowledge.cases) >= 13
    assert content.selftest(real / "selftest.json").hard_flags
