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

from typing import Sequence

import numpy as np

from clue_plugins.errors import UnknownNameError, shown
from clue_plugins.ops.vocabulary import INPUT, OUTPUT
from clue_plugins.spec import ArchSpec

#: ``size``: log live parameter count; ``none``: no prior (CLUE-NAS as published, the network alone).
PRIORS: tuple[str, ...] = ("size", "none")

_SKIP = {INPUT, OUTPUT, "none"}


def live_parameter_count(spec: ArchSpec, table=None) -> float:
    """Sum of the op-metric table's parameter counts of the ops on input-to-output paths, over every cell."""
    from clue_plugins.ops.table import default_table

    table = table or default_table()
    return float(sum(table.metrics(op).params for cell in spec.without_dead_ops().cells for op in cell.ops
                     if op not in _SKIP))


def prior_scores(specs: Sequence[ArchSpec], prior: str = "size") -> np.ndarray:
    """The prior's score of every spec (higher: expected more accurate); ``prior`` is one of :data:`PRIORS`."""
    if prior == "size":
        from clue_plugins.ops.table import default_table

        table, seen = default_table(), {}
        out = np.empty(len(specs))
        for i, spec in enumerate(specs):
            value = seen.get(spec.key)
            if value is None:
                value = seen[spec.key] = np.log1p(live_parameter_count(spec, table))
            out[i] = value
        return out
    if prior == "none":
        return np.zeros(len(specs))
    raise UnknownNameError(f"unknown prior {shown(prior)}; choose from {', '.join(PRIORS)}")
