"""SEval oracle: a real fit on NB201 networks, persistence, add_metric and clear errors."""

import numpy as np
import pytest
import torch
from torch import nn

from clue_plugins import ClueError, NotFittedError
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.predictors.seval import SEvalOracle

FAST = dict(steps=300)


@pytest.fixture(scope="module")
def cells(nb201_table):
    from clue_plugins.evaluation.oracle import oracle_metrics

    data = oracle_metrics(subset=160)  # the same fixed sample as the evaluation test: embeddings are shared
    return data.specs[:80], data.specs[80:], data.metrics


def test_real_fit_beats_shuffled_labels_on_held_out_cells(cells):
    train, test, metrics = cells
    y = metrics["latency.eyeriss"]
    real = SEvalOracle(**FAST).fit(train, {"lat": y[:80]})
    shuffled = SEvalOracle(**FAST).fit(train, {"lat": np.random.default_rng(0).permutation(y[:80])})
    tau_real = rank_correlations(real.predict(test)["lat"], y[80:])["kendall"]
    tau_shuffled = rank_correlations(shuffled.predict(test)["lat"], y[80:])["kendall"]
    assert tau_real > 0.5 and tau_real > tau_shuffled + 0.3


def test_predictions_are_in_the_metric_units_and_deterministic(cells):
    train, test, metrics = cells
    targets = {"acc": metrics["accuracy.cifar10"][:80], "mem": metrics["latency.pixel3"][:80]}
    a = SEvalOracle(**FAST).fit(train, targets).predict(test)
    b = SEvalOracle(**FAST).fit(train, targets).predict(test)
    np.testing.assert_array_equal(a["acc"], b["acc"])
    assert 40 < np.median(a["acc"]) < 100  # percent, as trained


def test_save_load_roundtrip_and_add_metric(cells, tmp_path):
    train, test, metrics = cells
    oracle = SEvalOracle(**FAST).fit(train, {"acc": metrics["accuracy.cifar10"][:80]})
    oracle.add_metric("fpga", train[:40], metrics["latency.fpga"][:40])
    before = oracle.predict(test)
    oracle.save(tmp_path / "oracle")
    loaded = SEvalOracle.load(tmp_path / "oracle")
    after = loaded.predict(test)
    assert loaded.metrics == ["acc", "fpga"]
    for m in before:
        np.testing.assert_allclose(before[m], after[m], rtol=1e-6)
    with pytest.raises(ClueError, match="already has a head"):
        loaded.add_metric("fpga", train[:10], metrics["latency.fpga"][:10])
    ridge = SEvalOracle(head="ridge").fit(train, {"acc": metrics["accuracy.cifar10"][:80]})
    ridge.save(tmp_path / "ridge")
    np.testing.assert_allclose(SEvalOracle.load(tmp_path / "ridge").predict(test)["acc"], ridge.predict(test)["acc"], rtol=1e-6)


def test_auto_features_give_latency_the_token_model_and_accuracy_the_embedding(cells):
    train, test, metrics = cells
    y = metrics["latency.pixel3"]
    oracle = SEvalOracle(**FAST).fit(train, {"latency.pixel3": y[:80], "accuracy.cifar10": metrics["accuracy.cifar10"][:80]})
    assert oracle.heads_["latency.pixel3"]["features"] == "tokens"
    assert oracle.heads_["accuracy.cifar10"]["features"] == "embedding"
    shuffled = SEvalOracle(**FAST).fit(train, {"latency.pixel3": np.random.default_rng(0).permutation(y[:80])})
    tau_real = rank_correlations(oracle.predict(test, "latency.pixel3")["latency.pixel3"], y[80:])["kendall"]
    tau_shuffled = rank_correlations(shuffled.predict(test)["latency.pixel3"], y[80:])["kendall"]
    # shuffled labels still rank latency somewhat (any positive mix of layer counts does): the bar is FLOPs
    from clue_plugins.evaluation.oracle import oracle_metrics

    flops = oracle_metrics(subset=160).flops[80:]
    assert tau_real > rank_correlations(flops, y[80:])["kendall"] + 0.03 and tau_real > tau_shuffled + 0.1


def test_token_heads_save_load_and_warn_on_unseen_node_types(cells, tmp_path):
    train, test, metrics = cells
    oracle = SEvalOracle(features="tokens+embedding", **FAST).fit(train, {"lat": metrics["latency.fpga"][:80]})
    oracle.add_metric("mem", train, metrics["memory"][:80], features="tokens")
    before = oracle.predict(test)
    oracle.save(tmp_path / "oracle")
    loaded = SEvalOracle.load(tmp_path / "oracle")
    assert {m: h["features"] for m, h in loaded.heads_.items()} == {"lat": "tokens+embedding", "mem": "tokens"}
    for m in before:
        np.testing.assert_allclose(before[m], loaded.predict(test)[m], rtol=1e-5)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 4), nn.Linear(4, 2))
    with pytest.warns(UserWarning, match="1 of 1 networks have node types the 'mem' head never saw"):
        loaded.predict([mlp], "mem", example_input=torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="features must be one of"):
        SEvalOracle(features="flops").fit(train[:5], {"x": np.arange(5.0)})
    with pytest.raises(ValueError, match="features must be one of"):
        oracle.add_metric("x", train[:5], np.arange(5.0), features="flops")


def test_any_module_and_mixed_items():
    nets = [nn.Sequential(nn.Flatten(), *[nn.Linear(12, 12) for _ in range(k)], nn.Linear(12, 2)) for k in range(1, 7)]
    x = torch.zeros(1, 3, 2, 2)
    oracle = SEvalOracle(**FAST).fit(nets, {"depth": list(range(1, 7))}, example_input=x)
    pred = oracle.predict(nets, example_input=x)["depth"]
    assert pred.shape == (6,) and np.isfinite(pred).all()
    strings = oracle.strings(nets[:1], example_input=x)
    assert strings[0].startswith("0_Input") and oracle.strings(strings)[0] == strings[0]  # strings pass through


def test_clear_errors(cells, tmp_path):
    train, _, metrics = cells
    with pytest.raises(NotFittedError):
        SEvalOracle().predict(train[:2])
    oracle = SEvalOracle(**FAST).fit(train[:10], {"acc": metrics["accuracy.cifar10"][:10]})
    with pytest.raises(ClueError, match="unknown metric 'latency'.*predicts acc"):
        oracle.predict(train[:2], metrics=["latency"])
    with pytest.raises(ValueError, match="3 values but 10 networks"):
        SEvalOracle().fit(train[:10], {"acc": [1, 2, 3]})
    with pytest.raises(ValueError, match="non-empty mapping"):
        SEvalOracle().fit(train[:10], {})
    from clue_plugins import NetworkError

    with pytest.raises(NetworkError, match="forward failed"):
        SEvalOracle().fit([nn.Linear(5, 1)], {"x": [1.0]})
    with pytest.raises(TypeError, match="unknown SEvalOracle option"):
        SEvalOracle(epochs=3)
    with pytest.raises(ClueError, match="no saved SEval oracle"):
        SEvalOracle.load(tmp_path / "nothing")


def test_chunking_keeps_every_part_of_a_long_string():
    from clue_plugins.text import get_encoder
    from clue_plugins.text.long_text import chunk_text

    enc = get_encoder("minilm")
    text = " ".join(f"{i}_Convolution[f16,k3x3,s1]({i - 1})" for i in range(1, 200))
    chunks = chunk_text(text, enc)
    assert " ".join(chunks) == text and len(chunks) > 5
    tok = enc._load().tokenizer
    assert max(len(tok(c)["input_ids"]) for c in chunks) <= enc.max_tokens
