"""The trained classifiers: character and jieba word n-grams, fraud/normal and fraud type.

The fraud type is a mixture of experts over the same features: one trained on the templated
corpus, one on the free-written messages (see `training.py` for why both), their calibrated
probabilities averaged with fixed weights.

Training uses scikit-learn (`training.py`); the shipped artefact holds only what inference needs
(vocabularies, idf weights, coefficients, calibration), so a web process never imports
scikit-learn. The artefact is loaded lazily, once per process, the first time a message is
checked; jieba's dictionary is loaded only then as well, so Django starts fast.
"""

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"
ARTIFACT_PATH = ARTIFACT_DIR / "checker_model.joblib"
FORMAT_VERSION = 4
CHAR_NGRAMS = (1, 3)
WORD_NGRAMS = (1, 2)

_jieba_lock = threading.Lock()
_jieba: Any = None
_WHITESPACE = re.compile(r"\s\s+")


def _get_jieba() -> Any:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def jieba_tokens(text: str) -> list[str]:
    """Word tokens of a normalized text (the word vectorizer's tokenizer; must stay importable)."""
    # HMM new-word discovery is off: slower, and unseen words are not in the vocabulary anyway.
    return [t for t in _get_jieba().lcut(text, HMM=False) if t.strip()]


def char_ngrams(text: str) -> list[str]:
    """Character n-grams exactly as scikit-learn's `analyzer="char"` makes them."""
    text = _WHITESPACE.sub(" ", text.lower())
    lo, hi = CHAR_NGRAMS
    out: list[str] = []
    for n in range(lo, min(hi + 1, len(text) + 1)):
        out.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return out


def word_ngrams(text: str) -> list[str]:
    """Word n-grams exactly as scikit-learn makes them from `jieba_tokens`."""
    tokens = jieba_tokens(text)
    out = list(tokens)
    for n in range(2, WORD_NGRAMS[1] + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


@dataclass
class Vocabulary:
    """A fitted TF-IDF space: term → column, idf per column (sublinear tf, l2 norm)."""

    terms: dict[str, int]
    idf: np.ndarray
    offset: int = 0

    def __post_init__(self) -> None:
        idf = self.idf.tolist()
        self._lookup = {t: (j + self.offset, idf[j]) for t, j in self.terms.items()}

    def vector(self, grams: list[str]) -> tuple[list[int], list[float]]:
        lookup = self._lookup
        cols: list[int] = []
        vals: list[float] = []
        for g, n in Counter(grams).items():
            hit = lookup.get(g)
            if hit is not None:
                cols.append(hit[0])
                vals.append((1.0 + math.log(n)) * hit[1] if n > 1 else hit[1])
        if not cols:
            return [], []
        norm = math.sqrt(sum(v * v for v in vals))
        return cols, [v / norm for v in vals]


@dataclass
class TypeExpert:
    """One fraud-type classifier over the shared features, with its softmax temperature and its
    weight in the mixture (`CheckerModel.predict` averages the experts' probabilities)."""

    name: str
    coef: np.ndarray  # (n_types, n_features)
    intercept: np.ndarray  # (n_types,)
    temperature: float
    weight: float


@dataclass
class CheckerModel:
    """A fraud/normal classifier with Platt scaling and a mixture of fraud-type classifiers, on
    shared char and word TF-IDF features."""

    chars: Vocabulary
    words: Vocabulary
    binary_coef: np.ndarray  # (n_features,)
    binary_intercept: float
    platt: tuple[float, float]
    experts: list[TypeExpert]
    type_classes: list[str]

    @cached_property
    def _weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Every decision function as one matrix with a row per feature (n_features, 1 + experts ×
        types) and its intercepts: a message's few features gather a few contiguous rows."""
        w = np.vstack([self.binary_coef[None, :], *[e.coef for e in self.experts]])
        b = np.concatenate([[self.binary_intercept], *[e.intercept for e in self.experts]])
        return np.ascontiguousarray(w.T, dtype=np.float32), b.astype(np.float64)

    def _raw_scores(self, text: str) -> tuple[float, np.ndarray]:
        c_cols, c_vals = self.chars.vector(char_ngrams(text))
        w_cols, w_vals = self.words.vector(word_ngrams(text))
        cols = np.asarray(c_cols + w_cols, dtype=np.int64)
        vals = np.asarray(c_vals + w_vals, dtype=np.float32)
        weights, intercepts = self._weights
        out = vals @ weights[cols] + intercepts
        return float(out[0]), out[1:].reshape(len(self.experts), len(self.type_classes))

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw decision values: binary (n,) and types per expert (n, experts, types)."""
        pairs = [self._raw_scores(t) for t in texts]
        binary = np.asarray([p[0] for p in pairs], dtype=np.float64)
        types = np.asarray([p[1] for p in pairs], dtype=np.float64).reshape(
            len(texts), len(self.experts), len(self.type_classes)
        )
        return binary, types

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(P(fraud) per text, P(type | fraud) per text and type in `type_classes` order)."""
        binary, types = self.scores(texts)
        a, b = self.platt
        p_fraud = 1.0 / (1.0 + np.exp(-(a * binary + b)))
        return p_fraud, self.mix(types)

    def mix(self, types: np.ndarray) -> np.ndarray:
        """P(type | fraud) from raw type scores (n, experts, types): the weighted average of the
        experts' temperature-scaled softmaxes."""
        proba = np.zeros((types.shape[0], len(self.type_classes)))
        total = sum(e.weight for e in self.experts)
        for k, expert in enumerate(self.experts):
            proba += (expert.weight / total) * softmax(types[:, k, :] / expert.temperature)
        return proba


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_platt(scores: np.ndarray, y: Iterable[int]) -> tuple[float, float]:
    """Platt scaling: a one-feature logistic regression from the raw score to P(fraud)."""
    from sklearn.linear_model import LogisticRegression

    # Moderate regularisation: held-out data the model separates perfectly would otherwise
    # give an arbitrarily steep curve whose midpoint lands anywhere in the gap.
    lr = LogisticRegression(C=1.0)
    lr.fit(scores.reshape(-1, 1), list(y))
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


def fit_temperature(scores: np.ndarray, y: Iterable[int]) -> float:
    """The temperature that minimises the negative log-likelihood of `y` (grid, then refine)."""
    target = np.asarray(list(y))

    def nll(t: float) -> float:
        z = scores / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(target)), target].mean())

    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 80))
    best = min(grid, key=nll)
    fine = np.linspace(best * 0.8, best * 1.25, 40)
    return float(min(fine, key=nll))


_model_lock = threading.Lock()
_model: CheckerModel | None = None


def get_model() -> CheckerModel:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = load_model(ARTIFACT_PATH)
    return _model


def load_model(path: Path) -> CheckerModel:
    import joblib

    data = joblib.load(path)
    if data.get("format") != FORMAT_VERSION:
        raise RuntimeError(f"checker model {path} has format {data.get('format')!r}")
    _get_jieba()
    chars = Vocabulary(data["char_terms"], data["char_idf"])
    words = Vocabulary(data["word_terms"], data["word_idf"], offset=len(chars.terms))
    a, b = data["platt"]
    return CheckerModel(
        chars=chars,
        words=words,
        binary_coef=data["binary_coef"],
        binary_intercept=float(data["binary_intercept"]),
        platt=(float(a), float(b)),
        experts=[
            TypeExpert(
                name=str(e["name"]),
                coef=e["coef"],
                intercept=e["intercept"],
                temperature=float(e["temperature"]),
                weight=float(e["weight"]),
            )
            for e in data["experts"]
        ],
        type_classes=list(data["type_classes"]),
    )


def save_model(model: CheckerModel, path: Path) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "format": FORMAT_VERSION,
            "char_terms": model.chars.terms,
            "char_idf": model.chars.idf.astype(np.float32),
            "word_terms": model.words.terms,
            "word_idf": model.words.idf.astype(np.float32),
            "binary_coef": model.binary_coef.astype(np.float32),
            "binary_intercept": model.binary_intercept,
            "platt": list(model.platt),
            "experts": [
                {
                    "name": e.name,
                    "coef": e.coef.astype(np.float32),
                    "intercept": e.intercept.astype(np.float32),
                    "temperature": e.temperature,
                    "weight": e.weight,
                }
                for e in model.experts
            ],
            "type_classes": model.type_classes,
        },
        path,
        compress=("zlib", 6),
    )


def reset_model() -> None:
    """Forget the loaded model (after retraining in the same process)."""
    global _model
    _model = None
