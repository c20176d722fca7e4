"""CLUE refuses unclear input (mixed label units, mixed spaces, damaged saves) and leaves process state alone."""

import json
import os

import numpy as np
import pytest
import torch

from clue_plugins.errors import ClueError, ConfigError, DataIntegrityError, MissingDataError
from clue_plugins.predictors.clue import CLUEPredictor
from clue_plugins.predictors.features import to_fraction

FAST = dict(epochs=5, lr_switch_epoch=3)


@pytest.fixture(scope="module")
def fitted(nb201_table, tmp_path_factory):
    y = nb201_table.column("cifar10.test_acc")
    model = CLUEPredictor(seed=0, **FAST).fit(nb201_table.specs[:12], y[:12])
    folder = tmp_path_factory.mktemp("saved") / "model"
    model.save(folder)
    return model, folder


def test_labels_mixing_fractions_and_percent_are_refused():
    with pytest.raises(ConfigError, match="mix fractions and percent"):
        to_fraction([0.9, 90, 91, 88])
    # a chance-level network below 1 % among percent labels is real (ImageNet16-120): kept as percent
    y, scale = to_fraction([0.83, 30.0, 45.0])
    assert scale == 100 and y[0] == pytest.approx(0.0083)
    assert to_fraction([0.9, 90], unit="percent")[1] == 100
    with pytest.raises(ConfigError, match="unit='percent'"):
        to_fraction([0.5, 90], unit="fraction")
    with pytest.raises(ConfigError, match="unit must be one of"):
        to_fraction([0.5], unit="percentage")
    with pytest.raises(ConfigError, match="finite"):
        to_fraction([0.5, float("nan")])


def test_several_spaces_need_joint_and_other_spaces_need_cross_space(nb201_table, nb101_table):
    specs = nb201_table.specs[:6] + nb101_table.specs[:6]
    y = np.r_[nb201_table.column("cifar10.test_acc")[:6], nb101_table.column("val_acc")[:6]]  # both percent
    with pytest.raises(ConfigError, match="joint=True"):
        CLUEPredictor(**FAST).fit(specs, y)
    CLUEPredictor(**FAST).fit(specs, y, joint=True)
    own = CLUEPredictor(**FAST).fit(nb201_table.specs[:8], nb201_table.column("cifar10.test_acc")[:8])
    with pytest.raises(ConfigError, match="cross_space=True"):
        own.predict(nb101_table.specs[:3])
    assert own.predict(nb101_table.specs[:3], cross_space=True).shape == (3,)


def test_inputs_that_are_not_specs_name_the_adapter(fitted):
    model, _ = fitted
    with pytest.raises(ConfigError, match="to_spec"):
        model.predict(["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|"])
    with pytest.raises(ConfigError, match=r"predict\(\[spec\]\)"):
        model.predict(model_spec := __import__("adapters").to_spec((0, 2, 3, 2, 3, 1), space="nb201"))  # noqa: F841


@pytest.mark.parametrize("damage", ["truncated", "file", "list", "unknown", "range", "missing", "foreign"])
def test_damaged_saves_are_refused_clearly(fitted, tmp_path, damage):
    _, folder = fitted
    bad = tmp_path / "model"
    bad.mkdir()
    for f in folder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    config = json.loads((bad / "config.json").read_text())
    if damage == "truncated":
        data = (bad / "weights.pt").read_bytes()
        (bad / "weights.pt").write_bytes(data[: len(data) // 2])
    elif damage == "file":
        bad = bad / "config.json"
    elif damage == "list":
        (bad / "config.json").write_text("[1, 2]")
    elif damage == "unknown":
        config["config"]["wings"] = 2
        (bad / "config.json").write_text(json.dumps(config))
    elif damage == "range":
        config["config"]["M"] = -3
        (bad / "config.json").write_text(json.dumps(config))
    elif damage == "missing":
        (bad / "weights.pt").unlink()
    else:  # a pickle that would run code is refused by weights_only loading, and its payload never runs
        marker = tmp_path / "ran"

        class Evil:
            def __reduce__(self):
                return (os.system, (f"touch {marker}",))

        import pickle

        (bad / "weights.pt").write_bytes(pickle.dumps(Evil()))
    with pytest.raises((DataIntegrityError, MissingDataError)) as info:
        CLUEPredictor.load(bad)
    message = str(info.value)
    assert "\n" not in message and ("save" in message or "folder" in message)
    if damage == "foreign":
        assert not marker.exists()


def test_fit_leaves_the_callers_process_state_alone(nb201_table, monkeypatch):
    from clue_plugins.text.encoders import MiniLMEncoder

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # make and CI set it: take it away to see who sets it
    env = dict(os.environ)
    MiniLMEncoder().load_model()  # a fresh encoder loads its model here
    assert dict(os.environ) == env, "loading the text encoder changed the process environment"
    from clue_plugins._state import _flushing_denormals

    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # a fit runs on one thread (small work) and must give the caller's count back
    CLUEPredictor(seed=5, **FAST).fit(nb201_table.specs[:8], nb201_table.column("cifar10.test_acc")[:8])
    assert torch.equal(torch.rand(3), expected), "fit reseeded torch's global generator"
    assert torch.get_num_threads() == 2 and not _flushing_denormals(), "fit left its thread count or denormal mode"
    torch.set_num_threads(threads)
    assert dict(os.environ) == env, "fit changed the process environment"


def test_invalid_options_are_config_errors():
    for bad in (dict(temperature=0), dict(epochs=2.5), dict(hidden=-1), dict(offsets="yes")):
        with pytest.raises(ConfigError):
            CLUEPredictor(**bad).get_config()
    with pytest.raises(ClueError, match="at least 2 training architectures"):
        CLUEPredictor(**FAST).fit([], [])
