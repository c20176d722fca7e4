"""A training-free prior for any architecture: the parameter count of the network its cells actually compute.

``none`` ops and ops that no input-to-output path uses are removed first (:meth:`ArchSpec.without_dead_ops`):
a benchmark network still holds the weights of a dead edge, but they cannot change its output. The count is
the sum of each live op's parameter count from the op-metric table (the same table CLUE-NAS's op features read),
over every cell, on a log scale. On every NB201 dataset and on NB101 it ranks accuracy better than the whole
network's parameter count (``benchmarks/bench_prior.py``, docs/RESULTS.md "The training-free prior"): a prior that
is right before any label arrives, which :class:`~clue_plugins.predictors.clue.CLUEPredictor` blends with its
networks as labels come in.
"""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from clue_plugins.errors import UnknownNameError, shown
from clue_plugins.ops.vocabulary import INPUT, OUTPUT
from clue_plugins.spec import ArchSpec, Cell, _without_dead_ops

#: ``size``: log live parameter count; ``none``: no prior (CLUE-NAS as published, the network alone).
PRIORS: tuple[str, ...] = ("size", "none")

_SKIP = {INPUT, OUTPUT, "none"}


def live_parameter_count(spec: ArchSpec, table=None) -> float:
    """Sum of the op-metric table's parameter counts of the ops on input-to-output paths, over every cell."""
    if table is None:
        return float(sum(_live_cell_parameters(cell) for cell in spec.cells))
    return float(sum(_live_parameters(cell, table) for cell in spec.cells))


def _live_parameters(cell: Cell, table) -> float:
    return float(sum(table.metrics(op).params for op in _without_dead_ops(cell).ops if op not in _SKIP))


@functools.lru_cache(maxsize=1 << 16)
def _live_cell_parameters(cell: Cell) -> float:
    # memoised per cell (cells are immutable): a search asks for the same cells in new ArchSpec objects, and the
    # per-spec work was half of predicting all NB201 cells (docs/results/SPEED.md)
    from clue_plugins.ops.table import default_table

    return _live_parameters(cell, default_table())


def prior_scores(specs: Sequence[ArchSpec], prior: str = "size") -> np.ndarray:
    """The prior's score of every spec (higher: expected more accurate); ``prior`` is one of :data:`PRIORS`."""
    if prior == "size":
        return np.log1p(np.fromiter((live_parameter_count(spec) for spec in specs), dtype=np.float64, count=len(specs)))
    if prior == "none":
        return np.zeros(len(specs))
    raise UnknownNameError(f"unknown prior {shown(prior)}; choose from {', '.join(PRIORS)}")
