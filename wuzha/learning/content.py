"""The project's own learning content (content/*.json): load, validate against the contract, cache.

The contract is fixed (see the module docstrings of each loader); a file that breaks it raises
`ContentError` naming the file, the entry and the rule, so a bad edit fails loudly at load time
instead of showing a broken page or an unanswerable question.
"""

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .taxonomy import AGE_BANDS, FRAUD_CODES

CONTENT_DIR = Path(__file__).resolve().parent / "content"
KINDS = ("single", "multiple", "truefalse", "scenario")
TRUEFALSE_OPTIONS = ["正确", "错误"]
SELFTEST_TOPICS = (
    "part_time",
    "game_trade",
    "online_loan",
    "dating_investment",
    "card_lending",
    "spending",
    "money_contact",
)
LEVELS = ("low", "medium", "high")


class ContentError(ValueError):
    """A content file that breaks the contract; the message says where and why (in Chinese)."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ContentError(f"{path.name}：文件不存在（{path}）") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(
            f"{path.name}：不是合法的 JSON（第 {exc.lineno} 行：{exc.msg}）"
        ) from exc


def _text(value: Any, where: str, name: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ContentError(f"{where}：{name} 必须是非空文本")
    return value.strip()


def _texts(value: Any, where: str, name: str, *, minimum: int = 1) -> list[str]:
    if not isinstance(value, list) or len(value) < minimum:
        raise ContentError(f"{where}：{name} 必须是至少 {minimum} 项的列表")
    return [_text(v, where, f"{name} 的每一项") for v in value]


def _code(value: Any, where: str) -> str:
    if value not in FRAUD_CODES:
        raise ContentError(f"{where}：诈骗类型代码 {value!r} 不在 {len(FRAUD_CODES)} 个固定代码中")
    return str(value)


def _bands(value: Any, where: str, name: str = "age_bands") -> list[str]:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}：{name} 至少要有一个年龄段")
    for band in value:
        if band not in AGE_BANDS:
            raise ContentError(f"{where}：年龄段代码 {band!r} 无效，可用：{'、'.join(AGE_BANDS)}")
    return list(dict.fromkeys(value))


# ---------------------------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionData:
    """One question as the contract and the xlsx import describe it."""

    key: str
    kind: str
    fraud_type: str
    age_bands: list[str]
    difficulty: int
    stem: str
    options: list[str]
    answer: list[int]
    explanation: str


def question_problems(raw: dict[str, Any]) -> list[str]:
    """Every way `raw` breaks the question contract, in Chinese; empty when it is valid."""
    problems: list[str] = []
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip() or len(key) > 60:
        problems.append("key 必须是不超过60个字符的非空文本")
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"题型 {kind!r} 无效，可用：{'、'.join(KINDS)}")
    if raw.get("fraud_type") not in FRAUD_CODES:
        problems.append(f"诈骗类型 {raw.get('fraud_type')!r} 无效")
    bands = raw.get("age_bands")
    if not isinstance(bands, list) or not bands or any(b not in AGE_BANDS for b in bands):
        problems.append(f"年龄段 {bands!r} 无效（至少一个，可用：{'、'.join(AGE_BANDS)}）")
    difficulty = raw.get("difficulty")
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        problems.append("难度必须是 1、2 或 3")
    for name, label in (("stem", "题干"), ("explanation", "解析")):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label}不能为空")
    options = raw.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        problems.append("选项必须是非空文本的列表")
        options = None
    elif kind == "truefalse" and [o.strip() for o in options] != TRUEFALSE_OPTIONS:
        problems.append("判断题的选项必须是“正确”“错误”")
    elif not 2 <= len(options) <= 6:
        problems.append("选项数量必须在 2 到 6 之间")
    elif len({o.strip() for o in options}) != len(options):
        problems.append("选项有重复")
    answer = raw.get("answer")
    if (
        not isinstance(answer, list)
        or not answer
        or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer)
    ):
        problems.append("答案必须是选项序号（从0开始）的列表")
    else:
        if options is not None and any(a < 0 or a >= len(options) for a in answer):
            problems.append("答案序号超出选项范围")
        if len(set(answer)) != len(answer):
            problems.append("答案序号有重复")
        if kind == "multiple" and len(answer) < 2:
            problems.append("多选题至少要有两个正确选项")
        if kind in ("single", "truefalse", "scenario") and len(answer) != 1:
            problems.append("单选、判断和情景题只能有一个正确选项")
    return problems


def question_from_raw(raw: dict[str, Any]) -> QuestionData:
    return QuestionData(
        key=raw["key"].strip(),
        kind=raw["kind"],
        fraud_type=raw["fraud_type"],
        age_bands=list(dict.fromkeys(raw["age_bands"])),
        difficulty=int(raw["difficulty"]),
        stem=raw["stem"].strip(),
        options=[o.strip() for o in raw["options"]],
        answer=sorted(raw["answer"]),
        explanation=raw["explanation"].strip(),
    )


def load_questions(path: Path | None = None) -> list[QuestionData]:
    """Read and validate questions.json; any bad entry or duplicate key raises ContentError."""
    path = path or CONTENT_DIR / "questions.json"
    data = _read(path)
    if not isinstance(data, list) or not data:
        raise ContentError(f"{path.name}：顶层必须是非空的题目列表")
    out: list[QuestionData] = []
    seen: set[str] = set()
    for i, raw in enumerate(data, start=1):
        where = f"{path.name} 第 {i} 题"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}：必须是对象")
        where += f"（key={raw.get('key')!r}）"
        problems = question_problems(raw)
        if problems:
            raise ContentError(f"{where}：{'；'.join(problems)}")
        question = question_from_raw(raw)
        if question.key in seen:
            raise ContentError(f"{where}：key 重复")
        seen.add(question.key)
        out.append(question)
    return out


# ---------------------------------------------------------------------------------------------
# Knowledge
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeKnowledge:
    code: str
    looks_like: str
    script: str
    red_flags: list[str]
    what_to_do: list[str]
    targets: list[str]


@dataclass(frozen=True)
class RuleSet:
    name: str
    issuer: str
    items: list[str]


@dataclass(frozen=True)
class Case:
    title: str
    fraud_type: str
    age_band: str
    story: str
    lesson: str


@dataclass(frozen=True)
class Knowledge:
    types: list[TypeKnowledge]
    rule_sets: list[RuleSet]
    slogans: list[str]
    cases: list[Case]

    def type(self, code: str) -> TypeKnowledge | None:
        return next((t for t in self.types if t.code == code), None)

    def cases_of(self, code: str) -> list[Case]:
        return [c for c in self.cases if c.fraud_type == code]


def parse_knowledge(data: Any, name: str = "knowledge.json") -> Knowledge:
    if not isinstance(data, dict):
        raise ContentError(f"{name}：顶层必须是对象")
    raw_types = data.get("types")
    if not isinstance(raw_types, list):
        raise ContentError(f"{name}：types 必须是列表")
    types = []
    for i, raw in enumerate(raw_types, start=1):
        where = f"{name} types 第 {i} 项"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}：必须是对象")
        types.append(
            TypeKnowledge(
                code=_code(raw.get("code"), where),
                looks_like=_text(raw.get("looks_like"), where, "looks_like"),
                script=_text(raw.get("script"), where, "script"),
                red_flags=_texts(raw.get("red_flags"), where, "red_flags"),
                what_to_do=_texts(raw.get("what_to_do"), where, "what_to_do"),
                targets=_bands(raw.get("targets"), where, "targets"),
            )
        )
    codes = [t.code for t in types]
    missing = [c for c in FRAUD_CODES if c not in codes]
    if missing or len(codes) != len(set(codes)):
        raise ContentError(
            f"{name}：types 必须每个诈骗类型恰好一项（缺少：{'、'.join(missing) or '无'}）"
        )
    order = {c: i for i, c in enumerate(FRAUD_CODES)}
    types.sort(key=lambda t: order[t.code])
    raw_sets = data.get("rule_sets")
    if not isinstance(raw_sets, list) or len(raw_sets) < 3:
        raise ContentError(f"{name}：rule_sets 至少要有 3 组")
    rule_sets = []
    for i, raw in enumerate(raw_sets, start=1):
        where = f"{name} rule_sets 第 {i} 组"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}：必须是对象")
        rule_sets.append(
            RuleSet(
                name=_text(raw.get("name"), where, "name"),
                issuer=_text(raw.get("issuer"), where, "issuer（发布方）"),
                items=_texts(raw.get("items"), where, "items"),
            )
        )
    slogans = _texts(data.get("slogans"), name, "slogans", minimum=15)
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list):
        raise ContentError(f"{name}：cases 必须是列表")
    cases = []
    for i, raw in enumerate(raw_cases, start=1):
        where = f"{name} cases 第 {i} 个"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}：必须是对象")
        band = raw.get("age_band")
        if band not in AGE_BANDS:
            raise ContentError(f"{where}：年龄段代码 {band!r} 无效")
        cases.append(
            Case(
                title=_text(raw.get("title"), where, "title"),
                fraud_type=_code(raw.get("fraud_type"), where),
                age_band=band,
                story=_text(raw.get("story"), where, "story"),
                lesson=_text(raw.get("lesson"), where, "lesson"),
            )
        )
    uncovered = [c for c in FRAUD_CODES if not any(k.fraud_type == c for k in cases)]
    if uncovered:
        raise ContentError(f"{name}：每个诈骗类型至少一个案例（缺少：{'、'.join(uncovered)}）")
    return Knowledge(types=types, rule_sets=rule_sets, slogans=slogans, cases=cases)


# ---------------------------------------------------------------------------------------------
# Risk self-test
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfOption:
    label: str
    score: int
    advice: str


@dataclass(frozen=True)
class SelfQuestion:
    key: str
    topic: str
    text: str
    options: list[SelfOption]


@dataclass(frozen=True)
class Band:
    level: str
    min: int
    label: str
    advice: str


@dataclass(frozen=True)
class AnswerAdvice:
    key: str
    text: str
    label: str
    score: int
    advice: str


@dataclass(frozen=True)
class SelfTestResult:
    score: int
    level: str
    label: str
    advice: str
    hard_flags: list[str]
    risky: list[AnswerAdvice] = field(default_factory=list)


@dataclass(frozen=True)
class SelfTest:
    version: int
    questions: list[SelfQuestion]
    bands: list[Band]
    hard_flags: list[str]

    def question(self, key: str) -> SelfQuestion | None:
        return next((q for q in self.questions if q.key == key), None)

    def band(self, level: str) -> Band:
        return next(b for b in self.bands if b.level == level)

    def score(self, answers: dict[str, int]) -> SelfTestResult:
        """Score `answers` (question key → option index, every question answered).

        The level is the band with the highest minimum not above the total; any non-zero answer
        to a hard-flag question makes the result high whatever the total.
        """
        total = 0
        flags: list[str] = []
        risky: list[AnswerAdvice] = []
        for q in self.questions:
            if q.key not in answers:
                raise ValueError(f"question {q.key} not answered")
            index = answers[q.key]
            if not 0 <= index < len(q.options):
                raise ValueError(f"option {index} out of range for {q.key}")
            option = q.options[index]
            total += option.score
            if option.score > 0:
                risky.append(AnswerAdvice(q.key, q.text, option.label, option.score, option.advice))
                if q.key in self.hard_flags:
                    flags.append(q.key)
        band = max((b for b in self.bands if b.min <= total), key=lambda b: b.min)
        if flags:
            band = self.band("high")
        return SelfTestResult(
            score=total,
            level=band.level,
            label=band.label,
            advice=band.advice,
            hard_flags=flags,
            risky=risky,
        )


def parse_selftest(data: Any, name: str = "selftest.json") -> SelfTest:
    if not isinstance(data, dict):
        raise ContentError(f"{name}：顶层必须是对象")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ContentError(f"{name}：version 必须是正整数")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not 12 <= len(raw_questions) <= 16:
        raise ContentError(f"{name}：questions 必须有 12 到 16 题")
    questions: list[SelfQuestion] = []
    for i, raw in enumerate(raw_questions, start=1):
        where = f"{name} 第 {i} 题"
        if not isinstance(raw, dict):
            raise ContentError(f"{where}：必须是对象")
        key = _text(raw.get("key"), where, "key")
        where += f"（key={key}）"
        topic = raw.get("topic")
        if topic not in SELFTEST_TOPICS:
            raise ContentError(f"{where}：topic {topic!r} 无效，可用：{'、'.join(SELFTEST_TOPICS)}")
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ContentError(f"{where}：至少要有两个选项")
        options = []
        for j, opt in enumerate(raw_options, start=1):
            owhere = f"{where} 选项 {j}"
            if not isinstance(opt, dict):
                raise ContentError(f"{owhere}：必须是对象")
            score = opt.get("score")
            if not isinstance(score, int) or isinstance(score, bool) or score < 0:
                raise ContentError(f"{owhere}：score 必须是非负整数")
            advice = _text(opt.get("advice", ""), owhere, "advice", allow_empty=True)
            if score > 0 and not advice:
                raise ContentError(f"{owhere}：分值大于0的选项必须给出即时建议（advice）")
            options.append(SelfOption(_text(opt.get("label"), owhere, "label"), score, advice))
        if min(o.score for o in options) != 0:
            raise ContentError(f"{where}：必须有一个 0 分（无风险）的选项")
        questions.append(SelfQuestion(key, topic, _text(raw.get("text"), where, "text"), options))
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        raise ContentError(f"{name}：题目 key 有重复")
    missing = [t for t in SELFTEST_TOPICS if t not in {q.topic for q in questions}]
    if missing:
        raise ContentError(f"{name}：每个主题至少一题（缺少：{'、'.join(missing)}）")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or [
        b.get("level") if isinstance(b, dict) else None for b in raw_bands
    ] != list(LEVELS):
        raise ContentError(f"{name}：bands 必须依次是 low、medium、high 三档")
    bands = []
    for raw in raw_bands:
        where = f"{name} bands {raw['level']}"
        minimum = raw.get("min")
        if not isinstance(minimum, int) or isinstance(minimum, bool):
            raise ContentError(f"{where}：min 必须是整数")
        bands.append(
            Band(
                raw["level"],
                minimum,
                _text(raw.get("label"), where, "label"),
                _text(raw.get("advice"), where, "advice"),
            )
        )
    if bands[0].min != 0 or not bands[0].min < bands[1].min < bands[2].min:
        raise ContentError(f"{name}：bands 的 min 必须从 0 开始且严格递增")
    hard = data.get("hard_flags")
    if not isinstance(hard, list) or any(k not in keys for k in hard):
        raise ContentError(f"{name}：hard_flags 必须是已有题目 key 的列表")
    return SelfTest(version=version, questions=questions, bands=bands, hard_flags=list(hard))


# ---------------------------------------------------------------------------------------------
# Cached access for pages (re-read when the file changes)
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime: float, kind: str) -> Any:
    data = _read(Path(path))
    name = Path(path).name
    return parse_knowledge(data, name) if kind == "knowledge" else parse_selftest(data, name)


def _load(kind: str, path: Path) -> Any:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        raise ContentError(f"{path.name}：文件不存在（{path}）") from exc
    return _cached(str(path), mtime, kind)


def knowledge(path: Path | None = None) -> Knowledge:
    """The validated knowledge.json (cached per file modification time)."""
    result: Knowledge = _load("knowledge", path or CONTENT_DIR / "knowledge.json")
    return result


def selftest(path: Path | None = None) -> SelfTest:
    """The validated selftest.json (cached per file modification time)."""
    result: SelfTest = _load("selftest", path or CONTENT_DIR / "selftest.json")
    return result
