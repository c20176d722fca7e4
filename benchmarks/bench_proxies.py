"""FreeREA's proxies on NB201: rank correlation with true accuracy per image batch, and cost per network.

No CIFAR images ship with this project, so the batches compared are the two fallbacks (crops of
scikit-learn's photographs, and Gaussian noise); a user's own batch goes through ``ProxyScorer(images=...)``.
logsynflow and skip reach do not depend on the batch; NASWOT and the FreeREA sum do.

Usage: python benchmarks/bench_proxies.py [--cells 150] [--batch 32] [--out docs/results/proxies.md]
"""

from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=150)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs/results/proxies.md")
    args = parser.parse_args()

    import numpy as np
    import torch
    from scipy.stats import kendalltau, spearmanr

    from clue_plugins import data
    from clue_plugins._io import write_text_atomic
    from clue_plugins.search import RelativeFitness
    from clue_plugins.search.proxies import PROXIES, ProxyScorer

    torch.set_num_threads(1)
    table = data.load_nb201()
    idx = np.random.default_rng(args.seed).choice(len(table), args.cells, replace=False)
    specs = [table.specs[i] for i in idx]
    lines = [f"NB201, {args.cells} random cells (seed {args.seed}), batch of {args.batch} images at 32 px, "
             "CIFAR-10 network; Spearman / Kendall with true test accuracy. Command: "
             f"`python benchmarks/bench_proxies.py --cells {args.cells} --batch {args.batch}`.", "",
             "| batch | dataset | " + " | ".join(PROXIES) + " | FreeREA sum | s per network |",
             "|---|---|" + "---|" * (len(PROXIES) + 2)]
    for fallback in ("photos", "noise"):
        scorer = ProxyScorer(fallback=fallback, batch_size=args.batch, cache=False)
        t0 = time.perf_counter()
        metrics = scorer(specs)
        per_net = (time.perf_counter() - t0) / len(specs)
        total = RelativeFitness()(metrics)
        for dataset in ("cifar10", "cifar100", "ImageNet16-120"):
            y = table.column(f"{dataset}.test_acc")[idx]
            cells = [f"{spearmanr([m[p] for m in metrics], y)[0]:.3f} / {kendalltau([m[p] for m in metrics], y)[0]:.3f}"
                     for p in PROXIES]
            cells.append(f"{spearmanr(total, y)[0]:.3f} / {kendalltau(total, y)[0]:.3f}")
            lines.append(f"| {fallback} | {dataset} | " + " | ".join(cells) + f" | {per_net:.2f} |")
    text = "\n".join(lines) + "\n"
    write_text_atomic(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
