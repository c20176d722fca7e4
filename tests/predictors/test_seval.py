"""SEval oracle: a real fit on NB201 networks, persistence, add_metric and clear errors."""

import numpy as np
import pytest
import torch
from torch import nn

from clue_plugins import ClueError, NotFittedError
from clue_plugins.errors import DataIntegrityError
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.predictors.seval import SEvalOracle

FAST = dict(steps=300)


@pytest.fixture(scope="module")
def cells(nb201_table):
    from clue_plugins.evaluation.oracle_targets import oracle_metrics

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
    from clue_plugins.evaluation.oracle_targets import oracle_metrics

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
    tok = enc.load_model().tokenizer
    assert max(len(tok(c)["input_ids"]) for c in chunks) <= enc.max_tokens


# -- networks outside the training networks, and outputs inside the label's range ------------------------------


class TokenClassifier(nn.Module):
    """A text model on integer token ids: nothing like an NB201 cell."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 2,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(32, 10)

    def forward(self, input_ids):
        return self.head(self.encoder(self.embed(input_ids)).mean(1))


IDS = torch.randint(0, 100, (1, 12), generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def small_oracle(cells):
    train, _, metrics = cells
    targets = {"accuracy.cifar10": metrics["accuracy.cifar10"][:25], "latency.pixel3": metrics["latency.pixel3"][:25]}
    return SEvalOracle(**FAST).fit(train[:25], targets)


def _far_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "far outside" in str(w.message)]


def test_embedding_heads_warn_on_networks_far_outside_their_training_networks(small_oracle, cells):
    import warnings

    _, test, _ = cells
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # held-out NB201 cells: no warning of any kind
        held_out = small_oracle.predict(test[:40])
    assert small_oracle.distances(test[:40], "accuracy.cifar10").max() < 2.0
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 10))
    with pytest.warns(UserWarning) as record:
        text = small_oracle.predict([TokenClassifier()], "accuracy.cifar10", example_inputs=IDS)
    (message,) = _far_warnings(record)  # one warning per call
    assert message.startswith("1 of 1 networks are far outside the networks the 'accuracy.cifar10' head")
    with pytest.warns(UserWarning) as record:
        small_oracle.predict([mlp] + test[:3])
    (message,) = _far_warnings(record)
    assert message.startswith("1 of 4 networks are far outside") and "'accuracy.cifar10'" in message
    assert "'latency.pixel3'" not in message  # a token head: it warns about node types it never saw instead
    assert any("never saw" in str(w.message) and "'latency.pixel3'" in str(w.message) for w in record)
    d = small_oracle.distances([mlp, test[0]], "accuracy.cifar10")
    assert d[0] > 2.5 > 2.0 > d[1]
    assert np.isnan(small_oracle.distances(test[:2], "latency.pixel3")).all()  # a token head has no embedding reference
    assert 0 <= text["accuracy.cifar10"][0] <= 100 and (held_out["latency.pixel3"] >= 0).all()


def test_far_check_survives_save_load_and_older_saved_oracles_skip_it(small_oracle, cells, tmp_path):
    import json
    import warnings

    _, test, _ = cells
    small_oracle.save(tmp_path / "oracle")
    loaded = SEvalOracle.load(tmp_path / "oracle")
    np.testing.assert_allclose(loaded.distances(test[:5], "accuracy.cifar10"),
                               small_oracle.distances(test[:5], "accuracy.cifar10"), rtol=1e-5)
    with pytest.warns(UserWarning, match="1 of 1 networks are far outside"):
        loaded.predict([TokenClassifier()], "accuracy.cifar10", example_inputs=IDS)
    # an oracle saved before the check existed: no reference, no clip range stored
    meta = json.loads((tmp_path / "oracle" / "oracle.json").read_text())
    for head in meta["heads"].values():
        head.pop("ood_scale", None)
        head.pop("clip", None)
    (tmp_path / "oracle" / "oracle.json").write_text(json.dumps(meta))
    tensors = torch.load(tmp_path / "oracle" / "heads.pt", weights_only=True)
    for t in tensors.values():
        t.pop("ood_basis", None)
    torch.save(tensors, tmp_path / "oracle" / "heads.pt")
    old = SEvalOracle.load(tmp_path / "oracle")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pred = old.predict([TokenClassifier()], "accuracy.cifar10", example_inputs=IDS)["accuracy.cifar10"]
    assert 0 <= pred[0] <= 100 and old.heads_["accuracy.cifar10"]["clip"] == [0.0, 100.0]  # unit from its labels
    assert np.isnan(old.distances(test[:2], "accuracy.cifar10")).all()
    # a saved oracle edited by hand: refused with the file and the fix, never a traceback later
    from clue_plugins.errors import ConfigError, DataIntegrityError

    good = json.loads((tmp_path / "oracle" / "oracle.json").read_text())
    unusable = "config this version cannot use"
    for edit, error, match in ((lambda m: m["config"].update(hidden="big"), ConfigError, unusable),
                               (lambda m: m["config"].update(epochs=3), ConfigError, unusable),
                               (lambda m: m["heads"]["accuracy.cifar10"].update(clip="x"), DataIntegrityError,
                                "head 'accuracy.cifar10' is damaged.*clip"),
                               (lambda m: m.update(heads=[]), DataIntegrityError, "lacks its config or heads")):
        meta = json.loads(json.dumps(good))
        edit(meta)
        (tmp_path / "oracle" / "oracle.json").write_text(json.dumps(meta))
        with pytest.raises(error, match=match):
            SEvalOracle.load(tmp_path / "oracle")


def test_accuracy_predictions_stay_in_the_label_range(small_oracle):
    import torchvision

    resnet = torchvision.models.resnet18(num_classes=10)
    with pytest.warns(UserWarning):  # node types the latency head never saw
        pred = small_oracle.predict([resnet])
    assert 0 <= pred["accuracy.cifar10"][0] <= 100 and pred["latency.pixel3"][0] >= 0
    # a head that extrapolates past 100: the same labels under a name that is not an accuracy go above it
    nets = [nn.Sequential(nn.Flatten(), *[nn.Linear(12, 12) for _ in range(k)], nn.Linear(12, 2)) for k in range(1, 7)]
    deep = nn.Sequential(nn.Flatten(), *[nn.Linear(12, 12) for _ in range(30)], nn.Linear(12, 2))
    x = torch.zeros(1, 3, 2, 2)
    labels = [90.0 + 1.5 * k for k in range(1, 7)]
    # without the prior blend, an accuracy head is the plain head clipped to [0, 100]
    oracle = SEvalOracle(features="tokens", accuracy_prior="none").fit(nets, {"accuracy.top1": labels, "score": labels},
                                                                        example_inputs=x)
    out = oracle.predict([deep] + nets, example_inputs=x)
    assert out["score"][0] > 100 and out["accuracy.top1"][0] == 100.0
    np.testing.assert_allclose(out["accuracy.top1"][1:], out["score"][1:])  # inside the range: untouched
    # the default blends with the prior and answers strictly inside the training labels' range
    blended = SEvalOracle(features="tokens").fit(nets, {"accuracy.top1": labels}, example_inputs=x)
    top1 = blended.predict([deep] + nets, example_inputs=x)["accuracy.top1"]
    assert (top1 > min(labels)).all() and (top1 < max(labels)).all()
    fractions = SEvalOracle(features="tokens", accuracy_prior="none").fit(nets, {"accuracy": [v / 100 for v in labels]},
                                                                          example_inputs=x)
    assert fractions.predict([deep], example_inputs=x)["accuracy"][0] == 1.0
    assert fractions.heads_["accuracy"]["clip"] == [0.0, 1.0]


def test_labels_mixing_fractions_and_percent_are_refused(cells):
    from clue_plugins.errors import ConfigError

    train, _, metrics = cells
    mixed = np.array(metrics["accuracy.cifar10"][:10], dtype=float)
    mixed[:3] /= 100  # 0.9 next to 90
    with pytest.raises(ConfigError, match="metric 'accuracy.cifar10'.*mix fractions and percent"):
        SEvalOracle(**FAST).fit(train[:10], {"accuracy.cifar10": mixed})
    oracle = SEvalOracle(head="ridge").fit(train[:10], {"acc": metrics["accuracy.cifar10"][:10]})
    with pytest.raises(ConfigError, match="metric 'accuracy.new'.*mix fractions and percent"):
        oracle.add_metric("accuracy.new", train[:10], mixed)
    with pytest.raises(ConfigError, match="metric 'accuracy'.*must lie in"):
        oracle.add_metric("accuracy", train[:10], mixed * 2)
    # said outright, the unit is taken as given (values below 1 % are then real)
    oracle.add_metric("accuracy.new", train[:10], mixed, unit="percent")
    assert oracle.heads_["accuracy.new"]["clip"] == [0.0, 100.0]
    with pytest.raises(ConfigError, match="accuracy_unit must be one of"):
        SEvalOracle(accuracy_unit="percents").fit(train[:10], {"accuracy": metrics["accuracy.cifar10"][:10]})


def test_text_and_dict_input_models_get_real_strings(small_oracle):
    class DictModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.text = TokenClassifier()

        def forward(self, batch):
            return self.text(batch["input_ids"])

    strings = small_oracle.strings([TokenClassifier()], example_inputs=IDS)
    assert strings[0].startswith("0_Input 1_Embedding(0)") and "Addmm[u10]" in strings[0]
    assert small_oracle.strings([DictModel()], example_inputs={"input_ids": IDS}) == strings
    from clue_plugins import NetworkError

    with pytest.raises(NetworkError, match="Embedding layer.*example_inputs="):
        small_oracle.predict([TokenClassifier()])


def test_accuracy_heads_blend_with_a_prior_that_survives_save_load(small_oracle, cells, tmp_path):
    import json

    _, test, _ = cells
    head = small_oracle.heads_["accuracy.cifar10"]
    assert set(head["blend"]) == {"cell", "string"}  # trained on cells: both priors
    assert "blend" not in small_oracle.heads_["latency.pixel3"]
    small_oracle.save(tmp_path / "oracle")
    loaded = SEvalOracle.load(tmp_path / "oracle")
    np.testing.assert_array_equal(loaded.predict(test[:20])["accuracy.cifar10"],
                                  small_oracle.predict(test[:20])["accuracy.cifar10"])
    meta = json.loads((tmp_path / "oracle" / "oracle.json").read_text())
    meta["heads"]["accuracy.cifar10"]["blend"]["cell"]["shrinkage"] = 3.0
    (tmp_path / "oracle" / "oracle.json").write_text(json.dumps(meta))
    with pytest.raises(DataIntegrityError, match="accuracy.cifar10"):
        SEvalOracle.load(tmp_path / "oracle")
