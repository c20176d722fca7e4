"""Any ``torch.nn.Module`` -> the SEval token string, by walking the autograd graph of one forward.

Format (one space-separated token per autograd node, in forward topological order)::

    0_Input 1_Convolution[f16,k3x3,s1](0) 2_NativeBatchNorm(1) 3_Relu(2) ... 40_Addmm[u10](39)

- ``<id>_<Function>``: ids count from 0 in forward order; the function is the autograd node's class
  name without its ``Backward<N>`` suffix (``ConvolutionBackward0`` -> ``Convolution``).
- ``[...]`` attributes, only where a layer has them: convolutions ``f<filters>,k<kh>x<kw>,s<stride>``
  plus ``g<groups>`` / ``d<dilation>`` when not 1; linear layers (``Addmm``/``Mm``) ``u<units>``.
- ``(<id>,<id>)``: the ids of the node's inputs that depend on the network input.
- Nodes that depend only on parameters (a weight's transpose) are folded into their consumer, and
  parameter leaves are not tokens: the string describes the data flow.

The walk is deterministic: ids follow a depth-first post-order over ``next_functions`` in their
recorded order, which depends only on the module's code and structure, never on memory addresses.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import nn

from clue_plugins.errors import NetworkError

if TYPE_CHECKING:
    from clue_plugins.spec import ArchSpec

_SUFFIX = re.compile(r"Backward\d*$")


def network_string(model: nn.Module, example_input: torch.Tensor | tuple | None = None, input_shape: tuple[int, ...] = (1, 3, 32, 32)) -> str:
    """The SEval string of ``model`` traced on ``example_input`` (default: zeros of ``input_shape``).

    The module is run once in eval mode (restored afterwards), so BN statistics are not updated.
    Raises :class:`NetworkError` when the forward pass fails or produces nothing differentiable.
    """
    if not isinstance(model, nn.Module):
        raise NetworkError(f"expected a torch.nn.Module, got {type(model).__name__}")
    device = _device_of(model)
    inputs = example_input if example_input is not None else torch.zeros(input_shape, device=device)
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    leaves = [t.detach().requires_grad_(True) if isinstance(t, torch.Tensor) and t.is_floating_point() else t for t in inputs]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            out = model(*leaves)
    except Exception as exc:  # a user's module can raise anything; say which module and input
        shapes = [tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__ for t in inputs]
        raise NetworkError(
            f"{type(model).__name__}.forward failed on an example input of shape {shapes} "
            f"({type(exc).__name__}: {exc}); pass example_input= with the shape the model expects"
        ) from exc
    finally:
        model.train(was_training)
    roots = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
    if not roots:
        raise NetworkError(f"{type(model).__name__}'s output does not depend on its input through autograd; nothing to describe")
    input_nodes = {}
    for t in leaves:
        if isinstance(t, torch.Tensor) and t.requires_grad:
            acc = t.view_as(t).grad_fn.next_functions[0][0]  # the leaf's AccumulateGrad node
            input_nodes[acc] = len(input_nodes)
    return " ".join(_walk(roots, input_nodes))


_NODE = re.compile(r"^\d+_([^(]+)(?:\([\d,]*\))?$")


def node_types(string: str) -> list[str]:
    """The node types of an SEval string, in order: each token without its id and inputs.

    ``"1_Convolution[f16,k3x3,s1](0)"`` -> ``"Convolution[f16,k3x3,s1]"``; counting them gives the
    per-layer-type composition of a network (the features of the oracle's additive cost model).
    """
    out = []
    for token in string.split():
        match = _NODE.match(token)
        if match is None:
            raise NetworkError(f"{token!r} is not an SEval node token (expected <id>_<Function>[attrs](inputs)); "
                               "pass strings made by network_string")
        out.append(match.group(1))
    return out


def _device_of(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def _tensors(out: Any) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return []


def _walk(roots: list[Any], input_nodes: dict[Any, int]) -> list[str]:
    # first pass: which nodes depend on an input (iterative post-order; deep nets overflow recursion)
    depends: dict[Any, bool] = {}
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if node in depends and not expanded:
            continue
        if expanded:
            children = [c for c, _ in node.next_functions if c is not None]
            depends[node] = node in input_nodes or any(depends.get(c, False) for c in children)
            order.append(node)
            continue
        depends[node] = False  # mark visited; finalised when expanded
        stack.append((node, True))
        for child, _ in reversed(node.next_functions):
            if child is not None and child not in depends:
                stack.append((child, False))
    ids: dict[Any, int] = {}
    tokens: list[str] = []
    for node in order:
        if not depends[node]:
            continue
        ids[node] = len(ids)
        if node in input_nodes:
            tokens.append(f"{ids[node]}_Input")
            continue
        name = _SUFFIX.sub("", type(node).__name__)
        ins = [str(ids[c]) for c, _ in node.next_functions if c is not None and depends.get(c, False)]
        tokens.append(f"{ids[node]}_{name}{_attributes(node, name)}({','.join(ins)})")
    return tokens


def _attributes(node: Any, name: str) -> str:
    try:
        if name == "Convolution":
            f, _, kh, kw = node._saved_weight_sym_sizes if hasattr(node, "_saved_weight_sym_sizes") else node._saved_weight.shape
            parts = [f"f{int(f)}", f"k{int(kh)}x{int(kw)}", f"s{_first(node._saved_stride)}"]
            if int(node._saved_groups) != 1:
                parts.append(f"g{int(node._saved_groups)}")
            if _first(node._saved_dilation) != 1:
                parts.append(f"d{_first(node._saved_dilation)}")
            return "[" + ",".join(parts) + "]"
        if name in ("Addmm", "Mm"):
            sizes = node._saved_mat2_sym_sizes
            return f"[u{int(sizes[-1])}]"
    except (AttributeError, RuntimeError, ValueError):
        return ""  # an autograd version without these fields: the function name still describes it
    return ""


def _first(values: Any) -> int:
    return int(values[0]) if isinstance(values, (tuple, list)) else int(values)


#: Bump when the token format or a network builder changes: cached strings are then recomputed.
STRING_FORMAT = "seval-v1"


def spec_strings(specs: "Sequence[ArchSpec]", num_classes: int = 10, progress: bool | None = None, workers: int = 1) -> list[str]:
    """SEval strings of the benchmark networks of ``specs`` (built with ``build_network``), cached on disk."""
    from tqdm import tqdm

    from clue_plugins._io import cache_dir
    from clue_plugins._parallel import imap

    path = cache_dir() / "strings" / f"{STRING_FORMAT}-c{num_classes}.json.gz"
    store = _load_strings(path)
    todo = list(dict.fromkeys(s.key for s in specs if s.key not in store))
    if todo:
        by_key = {s.key: s for s in specs}
        jobs = [(by_key[k], num_classes) for k in todo]
        show = progress if progress is not None else len(todo) > 200
        results = imap(_spec_string, jobs, workers, chunksize=32)
        try:
            for n, (key, text) in enumerate(tqdm(zip(todo, results), total=len(jobs), disable=not show, desc="network strings"), 1):
                store[key] = text
                if n % 2000 == 0:  # an interrupted run keeps what it did
                    _save_strings(path, store)
        finally:
            _save_strings(path, store)
    return [store[s.key] for s in specs]


#: The string store last read or written per file, with the file's mtime: a process reads each file once.
_LOADED: dict[Path, tuple[int, dict[str, str]]] = {}


def _load_strings(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    stamp = path.stat().st_mtime_ns
    if path in _LOADED and _LOADED[path][0] == stamp:
        return _LOADED[path][1]
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            store = json.load(fh)
    except (OSError, ValueError):
        return {}  # damaged cache: recompute
    _LOADED[path] = (stamp, store)
    return store


def _save_strings(path: Path, store: dict[str, str]) -> None:
    from clue_plugins._io import atomic_path

    with atomic_path(path) as tmp:
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump(store, fh)
    _LOADED[path] = (path.stat().st_mtime_ns, store)


def _spec_string(job: tuple) -> str:
    from clue_plugins.networks import build_network

    spec, num_classes = job
    return network_string(build_network(spec, num_classes=num_classes))
