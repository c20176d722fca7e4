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
- Integer and boolean inputs (token ids, masks) have no autograd node: each is an ``Input`` token whose
  consumers are the differentiable operations that read it or a tensor computed from it
  (``0_Input 1_Embedding(0) ...`` for a text model).

The walk is deterministic: ids follow a depth-first post-order over ``next_functions`` in their
recorded order, which depends only on the module's code and structure, never on memory addresses.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from clue_plugins._kvstore import KeyValueCache
from clue_plugins.errors import NetworkError, shown

if TYPE_CHECKING:
    from clue_plugins.spec import ArchSpec

_SUFFIX = re.compile(r"Backward\d*$")


def network_string(model: nn.Module, example_inputs: Any = None, input_shape: tuple[int, ...] = (1, 3, 32, 32), *,
                   example_input: Any = None) -> str:
    """The SEval string of ``model`` traced on ``example_inputs`` (default: zeros of ``input_shape``).

    ``example_inputs`` is what the model's forward takes:

    - a tensor: the one positional argument (an image batch, or integer token ids for a text model);
    - a tuple: the positional arguments, in order (wrap a forward's single list or tuple argument: ``(xs,)``);
    - a dict: keyword arguments when its keys name parameters of ``forward`` (or ``forward`` takes ``**kwargs``
      and the dict has its required parameters): ``model(**inputs)``, as Hugging Face models take
      ``input_ids``/``attention_mask``; else the one positional argument (``model(batch)``);
    - anything else (a list of tensors, ...): the one positional argument.

    Every tensor inside, however nested in dicts, lists and tuples, is traced: floating tensors through
    autograd, integer and boolean tensors (token ids, masks) by following the operations that read them
    (an ``nn.Embedding`` lookup is then ``1_Embedding(0)``). ``example_input`` is the older name of
    ``example_inputs``. The module is run once in eval mode (restored afterwards), so BN statistics are not
    updated. Raises :class:`NetworkError` when the forward pass fails, or when no layer of the output can
    be traced back to an input (the error names the first module where the trace stops); the string is
    never empty.
    """
    if not isinstance(model, nn.Module):
        raise NetworkError(f"expected a torch.nn.Module, got {type(model).__name__}")
    if example_input is not None:
        if example_inputs is not None:
            raise NetworkError("pass example_inputs= or its older name example_input=, not both")
        example_inputs = example_input
    device = _device_of(model)
    given = example_inputs is not None
    example = example_inputs if given else torch.zeros(input_shape, device=device)
    args, kwargs = _call_arguments(model, example)
    leaves: list[torch.Tensor] = []   # differentiable inputs, traced through autograd
    indices: list[torch.Tensor] = []  # integer / boolean inputs, traced by the _IndexTrace mode
    args, kwargs = _prepare((args, kwargs), leaves, indices)
    trace = _IndexTrace(indices) if indices else None
    try:
        out = _forward(model, args, kwargs, trace)
    except Exception as exc:  # a user's module can raise anything; say which module and input
        shape = f"[{_describe(example)}]" if isinstance(example, torch.Tensor) else _describe(example)
        raise NetworkError(
            f"{type(model).__name__}.forward failed on an example input of shape {shape} "
            f"({type(exc).__name__}: {_cut(str(exc))}); {_input_hint(model, given)}"
        ) from exc
    input_nodes: dict[Any, int] = {}
    for t in leaves:
        acc = t.view_as(t).grad_fn.next_functions[0][0]  # the leaf's AccumulateGrad node
        input_nodes[acc] = len(input_nodes)
    extra: dict[Any, list[Any]] = {}
    if trace is not None:
        for node in trace.sentinels:
            input_nodes[node] = len(input_nodes)
        extra = {fn: sorted(srcs, key=lambda n: n.index) for fn, srcs in trace.consumers.items()}
    roots = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
    tokens = _walk(roots, input_nodes, extra) if roots else []
    if not any(not t.endswith("_Input") for t in tokens):
        raise NetworkError(_untraceable(model, args, kwargs, bool(roots), bool(leaves or indices)))
    return " ".join(tokens)


def _forward(model: nn.Module, args: tuple, kwargs: dict, trace: "_IndexTrace | None") -> Any:
    """One forward in eval mode with autograd on, under ``trace`` if given; the module's state is restored.

    With integer inputs, frozen parameters are made to require grad for the pass (then frozen again):
    an embedding lookup is a graph node only when its table requires grad.
    """
    was_training = model.training
    frozen = [p for p in model.parameters() if not p.requires_grad and (p.is_floating_point() or p.is_complex())]
    frozen = frozen if trace is not None else []
    model.eval()
    try:
        for p in frozen:
            p.requires_grad_(True)
        with torch.enable_grad():
            if trace is None:
                return model(*args, **kwargs)
            with trace:
                return model(*args, **kwargs)
    finally:
        for p in frozen:
            p.requires_grad_(False)
        model.train(was_training)


def _call_arguments(model: nn.Module, example: Any) -> tuple[tuple, dict]:
    """(args, kwargs) of the forward call for ``example`` (see :func:`network_string`)."""
    if isinstance(example, tuple):
        return example, {}
    if isinstance(example, Mapping):
        import inspect

        try:
            params = inspect.signature(model.forward).parameters
        except (TypeError, ValueError):  # a builtin or C++ forward: keyword names unknown
            return (example,), {}
        names = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        required = {n for n, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty}
        takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        keys = set(example)
        if keys and all(isinstance(k, str) for k in keys) and (keys <= names or (takes_kwargs and required <= keys)):
            return (), dict(example)
        return (example,), {}
    return (example,), {}


def _prepare(obj: Any, leaves: list[torch.Tensor], indices: list[torch.Tensor]) -> Any:
    """``obj`` with every floating tensor replaced by a fresh leaf that requires grad; collects the tensors."""
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point() or obj.is_complex():
            leaf = obj.detach().requires_grad_(True)
            leaves.append(leaf)
            return leaf
        indices.append(obj)
        return obj
    if isinstance(obj, Mapping):
        items = {k: _prepare(v, leaves, indices) for k, v in obj.items()}
        if type(obj) is not dict:
            try:
                return type(obj)(items)  # an OrderedDict, a BatchEncoding... keeps its type where it can
            except Exception:
                return items
        return items
    if isinstance(obj, list):
        return [_prepare(v, leaves, indices) for v in obj]
    if isinstance(obj, tuple):
        items = [_prepare(v, leaves, indices) for v in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)  # namedtuples keep their type
    return obj


class _IndexInput:
    """Graph node standing for an integer or boolean input tensor (autograd has none for them)."""

    next_functions: tuple = ()

    def __init__(self, index: int) -> None:
        self.index = index


class _IndexTrace(TorchFunctionMode):
    """Follows integer/boolean inputs through a forward: every tensor computed from them without autograd
    (slices, masks, comparisons) is marked, and the autograd node of each differentiable result that reads a
    marked tensor (the ``nn.Embedding`` lookup, a masked fill) is recorded as consuming those inputs."""

    def __init__(self, indices: list[torch.Tensor]) -> None:
        super().__init__()
        self.sentinels = [_IndexInput(i) for i in range(len(indices))]
        # id -> (tensor kept alive so its id is not reused, the inputs it was computed from)
        self.marked: dict[int, tuple[torch.Tensor, frozenset]] = {
            id(t): (t, frozenset([s])) for t, s in zip(indices, self.sentinels)}
        self.consumers: dict[Any, set] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        sources: set = set()
        for t in _tensors((args, kwargs)):
            hit = self.marked.get(id(t))
            if hit is not None and hit[0] is t:
                sources |= hit[1]
        if sources:
            for o in _tensors(out):
                if o.grad_fn is not None:
                    self.consumers.setdefault(o.grad_fn, set()).update(sources)
                elif not o.requires_grad:
                    self.marked[id(o)] = (o, frozenset(sources))
        return out


def _describe(example: Any) -> str:
    """Shapes of an example input for messages: ``(1, 3, 32, 32)``, ``{'ids': (1, 8) int64}``."""
    if isinstance(example, torch.Tensor):
        dtype = "" if example.is_floating_point() else f" {str(example.dtype).replace('torch.', '')}"
        return f"{tuple(example.shape)}{dtype}"
    if isinstance(example, Mapping):
        more = ", ..." if len(example) > 8 else ""
        return "{" + ", ".join(f"{shown(k, 40)}: {_describe(v)}" for k, v in list(example.items())[:8]) + more + "}"
    if isinstance(example, (list, tuple)):
        more = ", ..." if len(example) > 8 else ""
        inner = ", ".join(_describe(v) for v in list(example)[:8]) + more
        return f"[{inner}]" if isinstance(example, list) else f"({inner})"
    return type(example).__name__


def _cut(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _input_hint(model: nn.Module, given: bool) -> str:
    emb = next((m for m in model.modules() if isinstance(m, (nn.Embedding, nn.EmbeddingBag))), None)
    if emb is not None and not given:
        return (f"it has an {type(emb).__name__} layer, so it likely reads token ids: pass example_inputs= "
                f"with what its forward takes, e.g. torch.randint(0, {emb.num_embeddings}, (1, 16)) or a dict of them")
    return "pass example_inputs= with what the model's forward takes (a tensor, a tuple of arguments, or a dict)"


def _untraceable(model: nn.Module, args: tuple, kwargs: dict, has_graph: bool, has_inputs: bool) -> str:
    name = type(model).__name__
    if not has_inputs:
        return (f"{name}: the example input holds no tensor, so there is nothing to trace; pass example_inputs= "
                "with the tensors its forward takes (a tensor, a tuple of arguments, or a dict)")
    where = _trace_stop(model, args, kwargs)
    what = ("is not computed from its input by any traceable layer" if has_graph
            else "does not depend on its input through autograd")
    stop = (f"; the trace stops at {where}, whose output does not follow from its input (torch.no_grad, .detach(), "
            ".item(), numpy or a cast to an integer type inside it)") if where else ""
    return (f"{name}'s output {what}{stop}: nothing to describe. Make that part differentiable, or pass "
            "example_inputs= that the model really reads")


def _trace_stop(model: nn.Module, args: tuple, kwargs: dict) -> str | None:
    """``'name' (Type)`` of the first submodule, in call order, that reads a traced tensor and returns none."""
    leaves: list[torch.Tensor] = []
    indices: list[torch.Tensor] = []
    args, kwargs = _prepare((args, kwargs), leaves, indices)
    trace = _IndexTrace(indices) if indices else None
    names = {m: n for n, m in model.named_modules()}
    found: list[str] = []

    def traced(obj: Any) -> bool:
        return any(t.requires_grad or (trace is not None and id(t) in trace.marked) for t in _tensors(obj))

    def hook(module: nn.Module, inputs: Any, kw: Any, output: Any) -> None:
        if not found and module is not model and traced((inputs, kw)) and not traced(output):
            found.append(f"{names.get(module, '?')!r} ({type(module).__name__})")

    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in model.modules()]
    try:
        _forward(model, args, kwargs, trace)
    except Exception:  # the diagnosis is best effort; the caller reports the untraceable output anyway
        return None
    finally:
        for h in handles:
            h.remove()
    return found[0] if found else None


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
    if isinstance(out, Mapping):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return []


def _walk(roots: list[Any], input_nodes: dict[Any, int], extra: dict[Any, list[Any]] | None = None) -> list[str]:
    # ``extra``: more inputs of a node than autograd records (the integer inputs an embedding lookup read)
    extra = extra or {}
    kids: dict[Any, list[Any]] = {}  # each node's children, listed once

    def children(node: Any) -> list[Any]:
        found = kids.get(node)
        if found is None:
            found = kids[node] = [*extra.get(node, ()), *(c for c, _ in node.next_functions if c is not None)]
        return found

    # first pass: which nodes depend on an input (iterative post-order; deep nets overflow recursion)
    depends: dict[Any, bool] = {}
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if node in depends and not expanded:
            continue
        if expanded:
            depends[node] = node in input_nodes or any(depends.get(c, False) for c in kids[node])
            order.append(node)
            continue
        depends[node] = False  # mark visited; finalised when expanded
        stack.append((node, True))
        for child in reversed(children(node)):
            if child not in depends:
                stack.append((child, False))
    ids: dict[Any, int] = {}
    tokens: list[str] = []
    for node in order:
        if not depends[node]:
            continue
        ids[node] = n = len(ids)
        if node in input_nodes:
            tokens.append(f"{n}_Input")
            continue
        name = _name(type(node))
        ins = [str(ids[c]) for c in kids[node] if depends.get(c, False)]
        attrs = _attributes(node, name) if name in _ATTRIBUTED else ""
        tokens.append(f"{n}_{name}{attrs}({','.join(ins)})")
    return tokens


_NAMES: dict[type, str] = {}
_ATTRIBUTED = frozenset(("Convolution", "Addmm", "Mm"))


def _name(cls: type) -> str:
    """An autograd node class's token name (``ConvolutionBackward0`` -> ``Convolution``), looked up once per class."""
    name = _NAMES.get(cls)
    if name is None:
        name = _NAMES[cls] = _SUFFIX.sub("", cls.__name__)
    return name


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


def spec_strings(specs: "Sequence[ArchSpec]", num_classes: int = 10, progress: bool | None = None, workers: int = 1,
                 backend: str = "process", ray_address: str | None = None) -> list[str]:
    """SEval strings of the benchmark networks of ``specs`` (built with ``build_network``), cached on disk.

    Each string is stored as soon as it is made, so an interrupted run keeps what it did and concurrent runs
    share their work (see :class:`StringCache`).
    """
    from tqdm import tqdm

    from clue_plugins._parallel import imap

    store = StringCache(num_classes)
    found = store.get_keys([s.key for s in specs])
    todo = list(dict.fromkeys(s.key for s in specs if s.key not in found))
    if todo:
        by_key = {s.key: s for s in specs}
        jobs = [(by_key[k], num_classes) for k in todo]
        show = progress if progress is not None else len(todo) > 200
        results = imap(_spec_string, jobs, workers, chunksize=32, backend=backend, ray_address=ray_address)
        batch: list[tuple[str, str]] = []
        try:
            for key, text in tqdm(zip(todo, results), total=len(jobs), disable=not show, desc="network strings"):
                found[key] = text
                batch.append((key, text))
                if len(batch) >= 64:
                    store.put_keys(batch)
                    batch = []
        finally:
            store.put_keys(batch)
    return [found[s.key] for s in specs]


class StringCache(KeyValueCache):
    """SEval strings of benchmark networks by spec key, one SQLite file per string format and class count."""

    what = "SEval string cache"

    def __init__(self, num_classes: int = 10, root: Path | None = None) -> None:
        from clue_plugins._io import cache_dir

        super().__init__(Path(root or cache_dir() / "strings") / f"{STRING_FORMAT}-c{num_classes}.sqlite")

    def _encode(self, value: str) -> tuple[int, bytes]:
        data = value.encode("utf-8")
        return len(data), data

    def _decode(self, size: int, blob: bytes) -> str | None:
        if len(blob) != size:
            return None
        try:
            return blob.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def _old_entries(self) -> list[tuple[str, str]]:
        """The ``.json.gz`` file earlier versions kept (plain JSON)."""
        old = self.path.with_suffix(".json.gz")
        if not old.exists():
            return []
        with gzip.open(old, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        return [(k, v) for k, v in data.items() if isinstance(k, str) and isinstance(v, str)]


def spec_string(spec: "ArchSpec", num_classes: int = 10) -> str:
    """The SEval string of ``spec``'s benchmark network, equal to ``network_string(build_network(spec, num_classes))``;
    the space's descriptor may offer a cheaper network with the same string
    (:meth:`~clue_plugins.spaces.SearchSpace.string_network`)."""
    from clue_plugins.networks import string_network

    model, input_shape = string_network(spec, num_classes)
    return network_string(model, input_shape=input_shape)


def _spec_string(job: tuple) -> str:
    spec, num_classes = job
    return spec_string(spec, num_classes)
