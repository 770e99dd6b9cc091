"""The free-written corpus and the type-expert mixture."""

from collections import Counter

import numpy as np

from wuzha.checker.corpus.generate import load_written
from wuzha.checker.model import CheckerModel, TypeExpert, Vocabulary, get_model, softmax
from wuzha.learning.taxonomy import FraudType


def test_written_corpus_is_clean_and_covers_every_type():
    rows = load_written()
    labels = Counter(r["label"] for r in rows)
    assert set(labels) == set(FraudType.values), "every fraud type and normal"
    assert min(labels.values()) >= 100
    texts = [r["text"] for r in rows]
    assert len(texts) == len(set(texts)), "no message twice"
    assert all(r["split"] in {"train", "heldout"} for r in rows)
    heldout = sum(r["split"] == "heldout" for r in rows) / len(rows)
    assert 0.10 < heldout < 0.20
    # The split is a function of the text, so retraining never moves a message across it.
    assert [r["split"] for r in load_written()] == [r["split"] for r in rows]


def _tiny_model(weights: tuple[float, float]) -> CheckerModel:
    chars = Vocabulary({"诈": 0, "安": 1}, np.ones(2, dtype=np.float32))
    words = Vocabulary({}, np.ones(0, dtype=np.float32), offset=2)
    a = TypeExpert("templated", np.array([[4.0, 0.0], [0.0, 4.0]]), np.zeros(2), 1.0, weights[0])
    b = TypeExpert("written", np.array([[0.0, 4.0], [4.0, 0.0]]), np.zeros(2), 2.0, weights[1])
    return CheckerModel(
        chars=chars,
        words=words,
        binary_coef=np.zeros(2, dtype=np.float32),
        binary_intercept=0.0,
        platt=(1.0, 0.0),
        experts=[a, b],
        type_classes=["task_rebate", "romance"],
    )


def test_mixture_averages_the_experts_calibrated_probabilities():
    model = _tiny_model((0.7, 0.3))
    _, proba = model.predict(["诈"])
    first = softmax(np.array([[4.0, 0.0]]))[0]
    second = softmax(np.array([[0.0, 4.0]]) / 2.0)[0]
    assert np.allclose(proba[0], 0.7 * first + 0.3 * second)
    assert np.isclose(proba[0].sum(), 1.0)
    # With the weights swapped the other expert wins.
    _, swapped = _tiny_model((0.2, 0.8)).predict(["诈"])
    assert proba[0].argmax() == 0 and swapped[0].argmax() == 1


def test_shipped_model_has_both_experts():
    model = get_model()
    assert [e.name for e in model.experts] == ["templated", "written"]
    assert set(model.type_classes) == set(FraudType.values) - {FraudType.NORMAL.value}
    assert all(
        e.coef.shape == (len(model.type_classes), model.binary_coef.shape[0]) for e in model.experts
    )
