"""How well the training-free prior ranks every evaluation target, next to the parameter count and FLOPs.

Usage: python benchmarks/bench_prior.py [--out docs/results/prior.md]
Prints (and writes) Spearman / Kendall over every labelled architecture of each target: the prior of
``clue_plugins.predictors.prior`` (log live parameter count), the benchmark's parameter count and FLOPs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from clue_plugins._io import write_text_atomic
from clue_plugins._tables import markdown_table
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.targets import TARGETS, load_target
from clue_plugins.predictors.prior import prior_scores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="docs/results/prior.md")
    args = ap.parse_args()
    rows = []
    for name in TARGETS:
        target = load_target(name)
        t0 = time.perf_counter()
        prior = prior_scores(target.specs)
        seconds = time.perf_counter() - t0
        cells = []
        for values in (prior, np.array([target.params.get(s.key, np.nan) for s in target.specs]),
                       np.array([target.flops.get(s.key, np.nan) for s in target.specs])):
            r = rank_correlations(values, target.y)
            cells.append(f"{r['spearman']:.3f} / {r['kendall']:.3f}")
        rows.append([name, len(target.specs), *cells, f"{seconds:.2f}"])
    text = ("Spearman / Kendall with the target's accuracy over every labelled architecture "
            "(`python benchmarks/bench_prior.py`; prior: log live parameter count, no label used).\n\n"
            + markdown_table(["target", "architectures", "prior", "parameter count", "FLOPs", "prior s (all)"], rows) + "\n")
    print(text)
    write_text_atomic(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
