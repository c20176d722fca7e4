"""Small DAG utilities on 0/1 adjacency matrices (row = from, column = to)."""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np


def reachability(matrix: np.ndarray) -> np.ndarray:
    """Boolean matrix R with R[i, j] true iff j is reachable from i (including i itself)."""
    n = matrix.shape[0]
    closure = np.eye(n, dtype=bool) | matrix.astype(bool)
    for k in range(n):  # Warshall; n <= a few dozen
        closure |= closure[:, [k]] & closure[[k], :]
    return closure


def live_nodes(matrix: np.ndarray, sources: Sequence[int], sinks: Sequence[int]) -> np.ndarray:
    """Mask of nodes on some path from a source to a sink."""
    reach = reachability(matrix)
    from_src = reach[list(sources)].any(axis=0)
    to_sink = reach[:, list(sinks)].any(axis=1)
    return from_src & to_sink


def wl_hash(matrix: np.ndarray, labels: Sequence[object]) -> str:
    """Isomorphism-invariant graph fingerprint (the Weisfeiler-Lehman hash of NAS-Bench-101).

    Same algorithm as ``nasbench.lib.graph_util.hash_module``, so with NB101's integer labelling
    it reproduces the official NB101 hashes.
    """
    matrix = np.asarray(matrix)
    n = matrix.shape[0]
    in_edges = matrix.sum(axis=0).tolist()
    out_edges = matrix.sum(axis=1).tolist()
    hashes = [hashlib.md5(str(h).encode()).hexdigest() for h in zip(out_edges, in_edges, labels)]
    for _ in range(n):
        hashes = [
            hashlib.md5(
                (
                    "".join(sorted(hashes[w] for w in range(n) if matrix[w, v]))
                    + "|"
                    + "".join(sorted(hashes[w] for w in range(n) if matrix[v, w]))
                    + "|"
                    + hashes[v]
                ).encode()
            ).hexdigest()
            for v in range(n)
        ]
    return hashlib.md5(str(sorted(hashes)).encode()).hexdigest()


def has_cycle_or_back_edge(matrix: np.ndarray) -> bool:
    """True if the matrix has any entry on or below the diagonal (not topologically ordered)."""
    return bool(np.tril(matrix).any())
