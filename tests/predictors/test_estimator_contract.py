"""One contract over every estimator (in the spirit of scikit-learn's ``check_estimator``).

For CLUE-NAS (default and paper preset), the SEval oracle and every baseline: parameters are ``__init__`` keywords
that ``clone`` reproduces, unknown options are :class:`UnknownOptionError`, ``predict`` before ``fit`` raises
:class:`NotFittedError`, ``fit`` returns ``self`` and leaves the parameters alone, the fitted state is frozen
(``set_params`` after ``fit`` does not change predictions), equal seeds give identical predictions, and a
save/load round trip gives equal predictions. Tiny fits (12 cells, a few epochs) keep it fast.
"""

from __future__ import annotations

import copy
import inspect
import json
from dataclasses import fields

import numpy as np
import pytest
from sklearn.base import clone

from clue_plugins.errors import ConfigError, NotFittedError, UnknownOptionError
from clue_plugins.predictors import baselines
from clue_plugins.predictors.baselines import GBoostBaseline, GCNBaseline, LookupBaseline, MLPBaseline
from clue_plugins.predictors.clue import CLUEConfig, CLUEPredictor
from clue_plugins.predictors.seval import SEvalConfig, SEvalOracle

N_TRAIN, N_TEST = 12, 6


def _seval_fit(model, specs, y):
    return model.fit(specs, {"accuracy": y}, progress=False)


def _seval_predict(model, specs):
    return model.predict(specs, progress=False)["accuracy"]


def _plain_fit(model, specs, y):
    return model.fit(specs, y)


def _plain_predict(model, specs):
    return model.predict(specs)


def _lookup(table):
    return {s.key: float(i) for i, s in enumerate(table.specs[: N_TRAIN + N_TEST])}


#: name -> (factory(table), fit, predict); every estimator of clue_plugins.predictors must be here
ESTIMATORS = {
    "clue": (lambda t: CLUEPredictor(epochs=3, lr_switch_epoch=2), _plain_fit, _plain_predict),
    "clue-paper": (lambda t: CLUEPredictor.paper(epochs=3), _plain_fit, _plain_predict),
    "seval": (lambda t: SEvalOracle(steps=5), _seval_fit, _seval_predict),
    "mlp": (lambda t: MLPBaseline(epochs=3), _plain_fit, _plain_predict),
    "gcn": (lambda t: GCNBaseline(epochs=3), _plain_fit, _plain_predict),
    "gboost": (lambda t: GBoostBaseline(max_iter=10), _plain_fit, _plain_predict),
    "lookup": (lambda t: LookupBaseline(_lookup(t), "params"), _plain_fit, _plain_predict),
}


def test_every_baseline_is_in_the_contract():
    covered = {type(factory(None)).__name__ for name, (factory, _, _) in ESTIMATORS.items() if name != "lookup"}
    covered.add("LookupBaseline")
    assert set(baselines.__all__) <= covered


@pytest.fixture(scope="module")
def data(nb201_table):
    y = nb201_table.column("cifar10.test_acc")
    specs = nb201_table.specs
    return nb201_table, specs[:N_TRAIN], y[:N_TRAIN], specs[N_TRAIN : N_TRAIN + N_TEST]


@pytest.fixture(params=list(ESTIMATORS))
def case(request, data):
    factory, fit, predict = ESTIMATORS[request.param]
    return request.param, (lambda: factory(data[0])), fit, predict


def _params(model):
    return copy.deepcopy(model.get_params(deep=False))


def test_parameters_are_init_keywords_and_clone_reproduces_them(case):
    name, make, _, _ = case
    model = make()
    signature = inspect.signature(type(model).__init__)
    assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in signature.parameters.values()), \
        "options must be explicit keywords (help() and IDEs show them)"
    assert set(model.get_params(deep=False)) == set(signature.parameters) - {"self"}
    twin = clone(model)
    assert twin is not model and twin.get_params(deep=False) == model.get_params(deep=False)
    assert type(model).__name__ in repr(model)
    with pytest.raises(UnknownOptionError, match="option"):
        model.set_params(no_such_option=1)
    with pytest.raises(UnknownOptionError, match="option"):
        type(model)(**{**model.get_params(deep=False), "no_such_option": 1})


def test_predict_before_fit_raises_not_fitted(case, data):
    name, make, _, predict = case
    model = make()
    if not model._requires_fit:  # a lookup table: nothing to learn
        assert predict(model, data[3]).shape == (N_TEST,)
        return
    with pytest.raises(NotFittedError):
        predict(model, data[3])
    with pytest.raises(NotFittedError):
        model.save("never-written")


def test_fit_returns_self_leaves_params_alone_and_freezes_them(case, data):
    name, make, fit, predict = case
    _, specs, y, test = data
    model = make()
    before = _params(model)
    assert fit(model, specs, y) is model
    assert model.get_params(deep=False) == before, "fit changed a parameter"
    pred = predict(model, test)
    assert pred.shape == (N_TEST,) and np.isfinite(pred).all()
    if "seed" in before:  # a parameter changed after fit acts at the next fit only
        model.set_params(seed=before["seed"] + 7)
        np.testing.assert_array_equal(predict(model, test), pred)


def test_equal_seeds_give_identical_predictions(case, data):
    name, make, fit, predict = case
    _, specs, y, test = data
    a, b = make(), clone(make())
    np.testing.assert_array_equal(predict(fit(a, specs, y), test), predict(fit(b, specs, y), test))


def test_save_load_round_trip_predicts_the_same(case, data, tmp_path):
    name, make, fit, predict = case
    _, specs, y, test = data
    model = fit(make(), specs, y)
    model.save(tmp_path / "saved")
    loaded = type(model).load(tmp_path / "saved")
    np.testing.assert_array_equal(predict(loaded, test), predict(model, test))
    assert loaded.get_params(deep=False) == model.get_params(deep=False)


# -- CLUE and SEval specifics ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls, config", [(CLUEPredictor, CLUEConfig), (SEvalOracle, SEvalConfig)])
def test_keywords_and_config_fields_are_one_list_with_one_set_of_defaults(cls, config):
    signature = inspect.signature(cls.__init__)
    keywords = {n: p.default for n, p in signature.parameters.items() if n != "self"}
    assert keywords == {f.name: f.default for f in fields(config)}
    assert cls.from_config(config()).get_params(deep=False) == cls().get_params(deep=False)


def test_set_params_after_fit_cannot_change_what_predict_encodes(data):
    _, specs, y, test = data
    model = CLUEPredictor(epochs=3).fit(specs, y)
    pred = model.predict(test)
    model.set_params(prune_dead=False, op_summary=False, cells="all")
    np.testing.assert_array_equal(model.predict(test), pred)
    assert model.config_.prune_dead and not model.prune_dead


def test_paper_preset_lives_next_to_the_model():
    from clue_plugins.evaluation.registry import CLUE_VARIANTS, make_predictor

    paper = CLUEConfig.paper()
    assert paper.offsets and paper.selection == "argmax" and paper.rank_weight == 0 and not paper.prune_dead
    assert CLUE_VARIANTS["clue-paper"] == paper.changed()
    assert make_predictor("clue-paper", 3).get_params() == CLUEPredictor.paper(seed=3).get_params()
    assert CLUEPredictor.paper(epochs=7).get_config() == paper.replace(epochs=7).validate()


@pytest.mark.parametrize("options, option", [
    (dict(temperature=0.1, selection="argmax"), "temperature"),
    (dict(train_level="max"), "train_level"),
    (dict(confidence=False, selection="argmax"), "selection"),
    (dict(confidence=False, similarity="dot"), "similarity"),
])
def test_switches_without_effect_are_refused_at_fit(options, option, data):
    _, specs, y, _ = data
    model = CLUEPredictor(epochs=1, **options)  # __init__ only stores (clone must work on anything)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(ConfigError, match=f"{option}=.*no effect"):
        model.fit(specs, y)
    with pytest.raises(ConfigError, match="no effect"):
        CLUEConfig(**options).validate()


def test_bad_values_are_config_errors_naming_the_option(data):
    _, specs, y, _ = data
    for bad, name in ((dict(selection="best"), "selection"), (dict(epochs=2.5), "epochs"), (dict(offsets="yes"), "offsets"),
                      (dict(text_encoder=3), "text_encoder")):
        with pytest.raises(ConfigError, match=name):
            CLUEPredictor(**bad).fit(specs, y)
    with pytest.raises(ConfigError, match="head"):
        SEvalOracle(head="forest").fit(specs, {"accuracy": y})
    with pytest.raises(ConfigError, match="max_iter"):
        GBoostBaseline(max_iter=0).fit(specs, y)


def test_text_encoder_instance_is_saved_by_its_source(data, tmp_path):
    from clue_plugins.text import get_encoder

    _, specs, y, test = data
    enc = get_encoder("none")
    model = CLUEPredictor(text_encoder=enc, epochs=3).fit(specs, y)
    assert clone(model).text_encoder is enc  # encoders are shared services, never copied
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["config"]["text_encoder"] == "none"
    np.testing.assert_array_equal(CLUEPredictor.load(tmp_path / "m").predict(test), model.predict(test))


def test_models_saved_before_ineffective_switches_were_refused_still_load(data, tmp_path):
    _, specs, y, test = data
    model = CLUEPredictor.paper(epochs=3).fit(specs, y)
    model.save(tmp_path / "m")
    meta_path = tmp_path / "m" / "config.json"
    meta = json.loads(meta_path.read_text())
    meta["config"]["temperature"] = 0.3  # an old save could hold this: it never acted with argmax selection
    meta_path.write_text(json.dumps(meta))
    loaded = CLUEPredictor.load(tmp_path / "m")
    assert loaded.config_.temperature == CLUEConfig().temperature
    np.testing.assert_array_equal(loaded.predict(test), model.predict(test))


def test_shared_ranking_loss():
    import torch

    from clue_plugins.predictors.training import pairwise_rank_loss

    target = torch.tensor([0.1, 0.5, 0.9])
    right, wrong = pairwise_rank_loss(target, target, 10.0), pairwise_rank_loss(-target, target, 10.0)
    assert right < wrong
    assert pairwise_rank_loss(target, torch.ones(3), 10.0) == 0  # no ordered pair: nothing to learn
    assert torch.isclose(pairwise_rank_loss(-target, target, 10.0, weight=2.0), 2 * wrong)


def test_clip_weights_reach_the_harness_predictors_without_the_environment(monkeypatch):
    import os

    from clue_plugins.evaluation.protocols import make_tasks, task_key
    from clue_plugins.evaluation.registry import make_predictor

    monkeypatch.delenv("CLUE_CLIP_WEIGHTS", raising=False)
    env = dict(os.environ)
    assert make_predictor("clue-clip", 0, clip_weights="/w/rn50.pt").text_encoder == "clip-rn50:/w/rn50.pt"
    assert make_predictor("clue", 0, clip_weights="/w/rn50.pt").text_encoder == "minilm"  # not a CLIP variant
    (task,) = make_tasks("independent", ["clue-clip"], ["nb201-cifar10"], [10], 1, clip_weights="/w/rn50.pt")
    assert task.clip_weights == "/w/rn50.pt" and "clip_weights" in task_key(task)
    (plain,) = make_tasks("independent", ["clue"], ["nb201-cifar10"], [10], 1)
    assert "clip_weights" not in task_key(plain)  # keys of results files written before the option stay valid
    assert dict(os.environ) == env
