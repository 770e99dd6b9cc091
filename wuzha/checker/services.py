"""Check a message: the model's calibrated P(fraud) and type, combined with the red flags.

Verdict logic (the same for the pages, the API and the commands):

- the model gives P(fraud) `p`; red flags give a score `s` = 2 per distinct strong flag
  (安全账户, 索要验证码, 屏幕共享, 垫付返利, 解冻费…) + 1 per distinct moderate flag;
- `fraud` when p >= 0.5 and (p >= 0.8 or s >= 2), or when p >= 0.3 with at least two distinct
  strong flags; `suspicious` when p >= 0.5 otherwise, or
  when p < 0.5 but (p >= 0.2 and s >= 3, or at least two distinct strong flags);
  `normal` otherwise. Flags inside a warning ("不要转账到安全账户", "刷单都是诈骗") do not
  count, and a message the model finds normal that talks about fraud (反诈, 骗局…) stays normal;
- the confidence is the probability that the verdict's side is right: P(fraud) after a
  log-odds shift of 0.4 per flag point (capped), for `normal` one minus that.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from wuzha.learning.taxonomy import FraudType

from .model import get_model
from .normalize import normalize
from .redflags import Hit, about_fraud, find_flags
from .rules import advice_for, rules_for

MAX_CHARS = 5000
# How much a red flag's type hint adds to the model's P(type | fraud).
HINT_STRONG = 0.08
HINT_MODERATE = 0.03
FRAUD = "fraud"
SUSPICIOUS = "suspicious"
NORMAL = "normal"


@dataclass
class Signal:
    code: str
    label: str
    start: int
    end: int


@dataclass
class CheckResult:
    verdict: str
    fraud_type: str | None
    fraud_type_label: str
    confidence: float
    signals: list[Signal] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    p_fraud: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("p_fraud")
        return data


def _flag_score(hits: Sequence[Hit]) -> tuple[int, int]:
    """(score, number of distinct strong flags)."""
    strong = {h.code for h in hits if h.weight >= 2}
    moderate = {h.code for h in hits if h.weight == 1}
    return 2 * len(strong) + len(moderate), len(strong)


def _verdict(p: float, score: int, strong: int, warning: bool) -> str:
    if p >= 0.5:
        return FRAUD if (p >= 0.8 or score >= 2) else SUSPICIOUS
    # A message the model finds normal that talks about fraud is a warning: its keywords are
    # the lesson, not the scam.
    if warning:
        return NORMAL
    if strong >= 2 and p >= 0.3:
        return FRAUD
    if (p >= 0.2 and score >= 3) or strong >= 2:
        return SUSPICIOUS
    return NORMAL


def _confidence(p: float, score: int, verdict: str) -> float:
    eps = 1e-6
    p = min(max(p, eps), 1 - eps)
    logit = math.log(p / (1 - p)) + 0.4 * min(score, 8)
    q = 1 / (1 + math.exp(-logit))
    return round(1 - q if verdict == NORMAL else q, 4)


def _signals(hits: Sequence[Hit]) -> list[Signal]:
    """One signal per flag and span; spans of the same flag that overlap are merged."""
    out: list[Signal] = []
    for h in hits:
        if h.end <= h.start:
            continue
        same = [s for s in out if s.code == h.code and s.start < h.end and h.start < s.end]
        if same:
            same[0].start = min(same[0].start, h.start)
            same[0].end = max(same[0].end, h.end)
            continue
        out.append(Signal(h.code, h.label, h.start, h.end))
    return out


def _decide(
    p: float,
    type_proba: Sequence[float],
    type_classes: Sequence[str],
    hits: Sequence[Hit],
    warning: bool,
) -> CheckResult:
    score, strong = _flag_score(hits)
    verdict = _verdict(p, score, strong, warning)
    fraud_type: str | None = None
    if verdict != NORMAL:
        # The red flags' type hints nudge close calls between the model's top types.
        scores = {c: float(v) for c, v in zip(type_classes, type_proba, strict=True)}
        for h in hits:
            for hint in h.hints:
                if hint in scores:
                    scores[hint] += HINT_STRONG if h.weight >= 2 else HINT_MODERATE
        fraud_type = max(scores, key=lambda c: scores[c])
    label = str(FraudType(fraud_type).label) if fraud_type else str(FraudType.NORMAL.label)
    return CheckResult(
        verdict=verdict,
        fraud_type=fraud_type,
        fraud_type_label=label,
        confidence=_confidence(p, score, verdict),
        signals=_signals(hits),
        rules=rules_for(fraud_type, verdict),
        advice=advice_for(verdict),
        p_fraud=round(p, 4),
    )


def checker_check(text: str) -> CheckResult:
    """Check one message. Nothing is stored."""
    return checker_check_many([text])[0]


def checker_check_many(texts: Sequence[str]) -> list[CheckResult]:
    """Check several messages at once (the model runs on the whole batch)."""
    model = get_model()
    normalized = [normalize(t[:MAX_CHARS]) for t in texts]
    p_fraud, type_proba = model.predict([n.text for n in normalized])
    return [
        _decide(float(p), list(tp), model.type_classes, find_flags(t, n), about_fraud(n.text))
        for t, n, p, tp in zip(texts, normalized, p_fraud, type_proba, strict=True)
    ]


def highlight_segments(text: str, signals: Sequence[Signal]) -> list[tuple[str, str, str]]:
    """Split `text` into (piece, signal code, signal label) runs for <mark> highlighting.

    Pieces that no signal covers have an empty code. Where signals overlap, the shorter (more
    specific) one wins: "安全账户" inside "转到安全账户".
    """
    owner: list[Signal | None] = [None] * len(text)
    for s in sorted(signals, key=lambda s: (s.end - s.start, s.start)):
        for i in range(max(0, s.start), min(len(text), s.end)):
            if owner[i] is None:
                owner[i] = s
    out: list[tuple[str, str, str]] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and owner[j] is owner[i]:
            j += 1
        sig = owner[i]
        out.append((text[i:j], sig.code if sig else "", sig.label if sig else ""))
        i = j
    return out
