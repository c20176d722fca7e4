"""``dataset_api`` objects that answer NASLib's benchmark queries without NASLib's data files.

NASLib's search spaces score an architecture with ``arch.query(metric, dataset, dataset_api)``, which
reads (NASLib's ``search_spaces/*/graph.py`` ``query`` methods; docs/naslib.md):

- NB201: ``dataset_api["nb201_data"][arch_str][dataset]`` -> ``eval_acc1es``/``train_acc1es``/losses
  (per-epoch lists, the last is used) and ``cost_info`` (``cifar10`` is read as ``cifar10-valid``);
- NB101: ``dataset_api["api"].ModelSpec`` and ``dataset_api["nb101_data"].is_valid(spec)`` /
  ``.query(spec)`` -> accuracies as fractions;
- NB301: ``dataset_api["nb301_model"][0].predict(config=genotype, representation="genotype")``
  (accuracy) and ``[1]`` (runtime).

:func:`predicted_dataset_api` answers from a fitted predictor (accuracy) and optionally an SEval oracle
(latency/memory, in ``cost_info`` and ``latency``), so NASLib's optimizers run unchanged with predicted
metrics. What is not predicted (training losses, train accuracy, training time) is NaN, never a
made-up number; a key NASLib never gets from us raises a KeyError naming what is available.
:func:`benchmark_dataset_api` builds NB201's ``nb201_data`` from the shared benchmark tables.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from clue_plugins.errors import ConfigError, GenotypeError, NotFittedError, UnknownNameError
from clue_plugins.spec import ArchSpec

#: NASLib dataset names -> keys of NB201 entries (NASLib reads ``cifar10`` from ``cifar10-valid``)
NB201_DATASETS = {"cifar10": "cifar10-valid", "cifar10-valid": "cifar10-valid", "cifar100": "cifar100",
                  "ImageNet16-120": "ImageNet16-120"}
_NB101_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")


class _Answers(dict):
    """A dict whose missing keys say what this dataset_api can answer instead of a bare KeyError."""

    def __missing__(self, key: Any) -> Any:
        raise UnknownNameError(f"{key!r} is not available from this dataset_api; it answers {', '.join(map(str, self))}")


# -- NB201 ---------------------------------------------------------------------------------------------
class _NB201Data(Mapping):
    """``nb201_data``: arch string -> {dataset: entry}, entries computed on demand."""

    def __init__(self, entry: Callable[[str], dict], datasets: Sequence[str]) -> None:
        self._entry = entry
        self.datasets = list(datasets)

    def __getitem__(self, arch_str: str) -> dict:
        if not isinstance(arch_str, str):
            raise KeyError(f"NB201 entries are keyed by arch strings like '|nor_conv_3x3~0|+|...|', got {arch_str!r}")
        return self._entry(arch_str)

    def __iter__(self) -> Iterator[str]:
        from adapters.nb201 import op_indices_to_arch_str

        return (op_indices_to_arch_str(ix) for ix in itertools.product(range(5), repeat=6))

    def __len__(self) -> int:
        return 5 ** 6


#: Epochs of NB201's training runs: NASLib indexes its per-epoch lists 0..199, and ``-1`` is the last.
NB201_EPOCHS = 200


class EpochUnavailableError(ConfigError, IndexError):
    """A per-epoch value or learning curve the tables behind this dataset_api do not have."""


class _FinalEpoch(Sequence):
    """A per-epoch list of which only the final epoch is known: ``[-1]`` and ``[last]`` answer it; any other epoch,
    and any slice (NASLib's ``full_lc``), is refused with what to change, never answered with the final value."""

    def __init__(self, value: float, epochs: int = NB201_EPOCHS) -> None:
        self._value, self._epochs = value, epochs

    def __len__(self) -> int:
        return self._epochs

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            raise EpochUnavailableError("learning curves are not in these tables (only the final epoch is): set "
                                        "`search.fidelity: -1` and do not ask for full_lc, or use NASLib's own "
                                        "benchmark files (dataset_api: naslib)")
        if i in (-1, self._epochs - 1):
            return self._value
        raise EpochUnavailableError(f"only the final epoch ({self._epochs}) is in these tables, not epoch {i}: set "
                                    "`search.fidelity: -1` (or query epoch=-1), or use NASLib's own benchmark files "
                                    "(dataset_api: naslib)")

    def __iter__(self) -> Iterator[Any]:
        raise EpochUnavailableError("only the final epoch is in these tables: read it with [-1]")

    def __repr__(self) -> str:
        return f"<{self._epochs} epochs, only the final one known: {self._value!r}>"


class _NoSplit:
    """A metric list for a split the tables do not have: every read says so (NASLib reads validation and test
    accuracy from the same ``eval_acc1es`` key, so answering with the test split would select on the test set)."""

    def __init__(self, message: str) -> None:
        self._message = message

    def __len__(self) -> int:
        return NB201_EPOCHS

    def __getitem__(self, i: Any) -> Any:
        raise ConfigError(self._message)


def _nb201_spec(arch_str: str) -> ArchSpec:
    from adapters.nb201 import from_arch_str

    return from_arch_str(arch_str)


def _nb201_entry(acc: float, m: dict[str, float], train_acc: float = math.nan, train_time: float = math.nan,
                 extra_cost: dict[str, float] | None = None) -> _Answers:
    cost = {"train_time": train_time, "latency": m.get("latency", math.nan), "memory": m.get("memory", math.nan),
            **(extra_cost or {})}
    return _Answers({"eval_acc1es": _FinalEpoch(acc), "train_acc1es": _FinalEpoch(train_acc),
                     "eval_losses": _FinalEpoch(math.nan), "train_losses": _FinalEpoch(math.nan), "cost_info": cost,
                     "latency": _FinalEpoch(cost["latency"])})


# -- NB101 ---------------------------------------------------------------------------------------------
class _NB101Data:
    """``nb101_data``: the two methods of nasbench's API that NASLib calls, answered by the surrogate."""

    def __init__(self, surrogate: Any) -> None:
        self.surrogate = surrogate

    def is_valid(self, model_spec: Any) -> bool:
        """NAS-Bench-101's domain: connected, <= 7 vertices, <= 9 edges, known ops."""
        if not getattr(model_spec, "valid_spec", True):  # nasbench's pruning found no input->output path
            return False
        matrix = np.asarray(model_spec.matrix)
        ops = list(model_spec.ops)
        return bool(len(ops) <= 7 and matrix.sum() <= 9
                    and ops[0] == "input" and ops[-1] == "output" and all(o in _NB101_OPS for o in ops[1:-1]))

    def query(self, model_spec: Any, epochs: int = 108, stop_halfway: bool = False) -> dict:
        from adapters.nb101 import from_matrix_ops

        if not self.is_valid(model_spec):
            raise GenotypeError("this NB101 spec is outside NAS-Bench-101's domain (check is_valid first)")
        if epochs != 108 or stop_halfway:
            raise ConfigError(f"only the final (108-epoch) accuracy is predicted, not epochs={epochs}"
                            f"{' halfway' if stop_halfway else ''}: set `search.fidelity: 108` (or -1)")
        m = self.surrogate.metrics(from_matrix_ops(model_spec.matrix, model_spec.ops))
        return _Answers({"validation_accuracy": m["accuracy"] / 100.0, "test_accuracy": m["accuracy"] / 100.0,
                         "train_accuracy": math.nan, "training_time": math.nan, "trainable_parameters": math.nan,
                         "latency": m["latency"], "memory": m["memory"],
                         "module_adjacency": np.asarray(model_spec.matrix), "module_operations": list(model_spec.ops)})


# -- NB301 ---------------------------------------------------------------------------------------------
class _NB301Model:
    """One of ``nb301_model``'s two surrogates: ``predict(config=genotype, representation="genotype")``.

    The first answers the predicted accuracy; the second, NB301's training-runtime model, answers NaN:
    training time is not something our predictors estimate.
    """

    def __init__(self, surrogate: Any) -> None:
        self.surrogate = surrogate

    def predict(self, config: Any, representation: str = "genotype", with_noise: bool = False) -> float:
        from adapters.darts import from_genotype

        if representation != "genotype":
            raise ConfigError(f"only representation='genotype' is supported, got {representation!r}")
        spec = from_genotype(config)  # validates the genotype even when no value is predicted
        return self.surrogate.metrics(spec)["accuracy"] if self.surrogate is not None else math.nan


def _unwrap(model: Any, metric: str) -> tuple[Any, str]:
    """The clue_plugins model inside a NASLib plugin predictor (and, for SEval, its metric)."""
    from clue_plugins.naslib.predictors import NASLibSEvalPredictor, _ClueModelPredictor

    if not isinstance(model, _ClueModelPredictor):
        return model, metric
    if model.model is None:
        raise NotFittedError(f"the {type(model).__name__} is not fitted: call fit(xtrain, ytrain) before building a dataset_api")
    return model.model, model.metric if isinstance(model, NASLibSEvalPredictor) else metric


def predicted_dataset_api(ss_type: str, accuracy: Any, dataset: str = "cifar10", oracle: Any = None,
                          latency_metric: str | None = None, memory_metric: str | None = None,
                          accuracy_metric: str = "accuracy") -> dict:
    """A NASLib ``dataset_api`` for ``ss_type`` whose answers come from fitted predictors.

    ``dataset`` is the one the accuracy predictor was trained for; queries for another dataset fail
    with a KeyError instead of silently answering with this one's predictions.
    """
    from adapters.naslib import space_of

    from clue_plugins.surrogate import Surrogate

    if oracle is None and (latency_metric or memory_metric):
        raise ConfigError("latency_metric/memory_metric need an oracle: pass oracle=<fitted SEvalOracle>")
    accuracy, accuracy_metric = _unwrap(accuracy, accuracy_metric)
    surrogate = Surrogate(accuracy, oracle, latency_metric, memory_metric, accuracy_metric)
    space = space_of(ss_type)
    if space == "nb201":
        if dataset not in NB201_DATASETS:
            raise UnknownNameError(f"unknown NB201 dataset {dataset!r}; NASLib's are {', '.join(NB201_DATASETS)}")
        key = NB201_DATASETS[dataset]

        def entry(arch_str: str) -> dict:
            m = surrogate.metrics(_nb201_spec(arch_str))
            return _Answers({key: _nb201_entry(m["accuracy"], m)})

        return {"nb201_data": _NB201Data(entry, [key]), "surrogate": surrogate}
    if dataset not in ("cifar10", None):
        raise UnknownNameError(f"{ss_type} has only cifar10 in NASLib, got dataset {dataset!r}")
    if space == "nb101":
        import naslib.utils.nb101_api as api

        return {"api": api, "nb101_data": _NB101Data(surrogate), "surrogate": surrogate}
    return {"nb301_model": [_NB301Model(surrogate), _NB301Model(None)], "surrogate": surrogate}


def benchmark_dataset_api(table: Any = None, test_as_validation: bool = False) -> dict:
    """NB201 ``dataset_api`` with the real benchmark values of the shared tables (no NASLib pickles needed).

    ``cifar10`` (read as ``cifar10-valid``, as NASLib does): validation accuracy after 200 epochs, the split NASLib's
    own data serves. ``cifar100`` and ``ImageNet16-120``: the shared tables carry no validation split, only test
    accuracy, and NASLib reads validation and test accuracy from the same key, so a search would select on the test
    set: their accuracy queries are refused, naming the alternatives, unless ``test_as_validation=True`` says that is
    wanted. Only the final epoch is known (``[-1]``); other epochs and learning curves are refused. ``cost_info`` has
    the training time, FLOPs, parameters and NATS GPU latency.
    """
    if table is None:
        from clue_plugins.data import load

        table = load("nb201")
    cols = {c: table.column(c) for c in table.columns if c != "arch_str"}

    def values(acc_col: str, train_col: str, time_col: str, cost_ds: str, i: int) -> _Answers:
        extra = {"flops": float(cols[f"{cost_ds}.flops_M"][i]), "params": float(cols[f"{cost_ds}.params_M"][i]),
                 "gpu_latency_s": float(cols[f"{cost_ds}.gpu_latency_s"][i])}
        return _nb201_entry(float(cols[acc_col][i]), {"latency": extra["gpu_latency_s"]}, float(cols[train_col][i]),
                            float(cols[time_col][i]), extra)

    def test_only(ds: str, i: int) -> _Answers:
        answers = values(f"{ds}.test_acc", f"{ds}.train_acc", f"{ds}.train_time_200ep_s", ds, i)
        if not test_as_validation:
            answers["eval_acc1es"] = _NoSplit(
                f"the shared NB201 tables have no validation accuracy for {ds}, only test accuracy, and a search that "
                "reads it selects on the test set: use NASLib's own benchmark files (dataset_api: naslib), a "
                "predicted dataset_api, dataset cifar10 (validation split available), or "
                "benchmark_dataset_api(test_as_validation=True) to search on test accuracy knowingly")
        return answers

    def entry(arch_str: str) -> dict:
        i = table.row_of(_nb201_spec(arch_str))
        return _Answers({
            "cifar10-valid": values("cifar10-valid.valid_acc", "cifar10-valid.train_acc",
                                    "cifar10-valid.train_time_s", "cifar10", i),
            **{ds: test_only(ds, i) for ds in ("cifar100", "ImageNet16-120")}})

    return {"nb201_data": _NB201Data(entry, ["cifar10-valid", "cifar100", "ImageNet16-120"])}
