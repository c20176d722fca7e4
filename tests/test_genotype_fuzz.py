"""Property test of the genotype front door (issue 17, "Done when").

Random valid genotypes of every supported kind, the same genotypes with one element changed (out of range,
wrong type, an entry added, removed or swapped, a string mangled), and arbitrary junk (huge ints, floats,
bools, None, nested lists, very long strings, unicode) go to ``adapters.to_spec`` and to the ``clue-nas encode``
command. Every input must either convert, and then round-trip through the spec's own serialisations, or raise a
``ClueError`` subclass with a one-line message; never anything else.

Example counts (``max_examples``): valid 2,000 + mutated 4,000 + junk 1,500 + strings 1,500 + CLI 1,000
= 10,000. ``derandomize=True`` and no example database keep CI deterministic.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters import darts, nb101, nb201, nni, to_spec
from adapters._literal import literal
from clue_plugins.cli import main
from clue_plugins.errors import ClueError
from clue_plugins.spec import SPACES, ArchSpec

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

INT_DTYPES = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
#: Op names of every space, so that mutations also put one space's op into another's genotype.
ALL_OPS = sorted(set(nb201.OPS) | set(nb201.NASLIB_OPS) | set(nb101.OPS) | set(darts.OPS) | set(nni.NB201_OPS)
                 | {"input", "output", "conv_7x7", "zero", "identity", "CONV_3X3", " none", "conv5x5-bn-relu"})


# ---- checks ------------------------------------------------------------------------------------------
def assert_clean(exc: BaseException) -> None:
    """A refused input: a ClueError whose message is one short line."""
    assert isinstance(exc, ClueError), f"{type(exc).__name__} is not a ClueError: {exc!r}"[:2000]
    msg = str(exc)
    assert msg and "\n" not in msg and len(msg) <= 1000, msg[:2000]


def assert_round_trips(spec: ArchSpec, every_form: bool = True) -> None:
    """An accepted input: the spec comes back equal from its dict, its JSON text and its space's own forms."""
    assert isinstance(spec, ArchSpec) and spec.space in SPACES
    d = spec.to_dict()
    assert to_spec(d) == spec
    assert to_spec(json.dumps(d)) == spec
    if spec.space == "nb201":
        assert to_spec(nb201.to_arch_str(spec)) == spec
    elif spec.space == "nb101":
        assert to_spec(nb101.to_naslib_spec(spec)) == spec
    else:
        assert to_spec(darts.to_genotype_str(spec)) == spec
    if every_form:
        assert to_spec(spec) is spec
        assert nni.from_sample(nni.to_sample(spec)) == spec
        if spec.space == "nb201":
            assert to_spec(nb201.to_op_indices(spec)) == spec
        elif spec.space == "nb101":
            assert to_spec(nb101.to_key(spec), space="nb101") == spec
        else:
            assert to_spec(darts.to_compact(spec)) == spec
            assert to_spec(darts.to_genotype(spec)) == spec
        assert spec.prompt()


def _parsed(genotype):
    """A text form as the structure it spells (None when it is not a literal); other inputs as they are."""
    if not isinstance(genotype, str):
        return genotype
    text = genotype.strip()
    if text[:1] in ("(", "[", "{"):
        for parse in (literal, json.loads):
            with contextlib.suppress(Exception):
                return parse(text)
    return None


def _used_part(genotype):
    """The part of a genotype the adapters read: an ArchSpec dict's cells (other entries such as ``prompt`` are
    ignored), an NB101 dict's matrix and ops, and an NNI NasBench101 sample's keys up to its ``num_nodes`` (NNI
    ignores the rest too)."""
    if isinstance(genotype, dict) and "cells" in genotype and "space" in genotype:
        return genotype["cells"]
    for used in (("matrix", "ops"), ("module_adjacency", "module_operations")):  # NB101 spec dicts and records
        if isinstance(genotype, dict) and all(k in genotype for k in used):
            return [genotype[k] for k in used]
    if isinstance(genotype, dict):
        nodes = [k for k in genotype if isinstance(k, str) and k.endswith("num_nodes")]
        if nodes:
            p, n = nodes[0][: -len("num_nodes")], genotype[nodes[0]]
            used = [f"{p}num_nodes"] + [f"{p}op{i}" for i in range(1, n - 1)] + [f"{p}input{i}" for i in range(1, n)]
            return {k: genotype[k] for k in used if k in genotype}
    return genotype


def numbers_in(genotype, depth: int = 0):
    """Every number inside ``genotype``."""
    if depth > 50:
        return
    if isinstance(genotype, np.ndarray):
        genotype = genotype.tolist()
    if isinstance(genotype, np.generic):
        genotype = genotype.item()
    if isinstance(genotype, dict):
        for k, v in genotype.items():
            yield from numbers_in(k, depth + 1)
            yield from numbers_in(v, depth + 1)
    elif isinstance(genotype, (list, tuple, range)):
        for v in genotype:
            yield from numbers_in(v, depth + 1)
    elif isinstance(genotype, (int, float, complex)):
        yield genotype


def assert_nothing_was_coerced(genotype) -> None:
    """An accepted genotype holds only integers (bools allowed as 0/1 matrix entries) in 0..7: every genotype
    form uses small node, op and edge indices, so a float, a negative or a large number was silently coerced."""
    if isinstance(genotype, ArchSpec):
        return
    used = _used_part(_parsed(genotype))
    for v in numbers_in(used):
        assert isinstance(v, int) and 0 <= v <= 7, f"accepted {v!r} inside {genotype!r}"[:2000]


def check(genotype, space=None, every_form: bool = False) -> ArchSpec | None:
    """Round-trips (returns the spec) or raises a clean ClueError (returns None); anything else fails the test."""
    try:
        spec = to_spec(genotype, space)
    except ClueError as exc:
        assert_clean(exc)
        event(f"refused: {type(exc).__name__}")
        return None
    event(f"accepted: {spec.space}")
    assert_nothing_was_coerced(genotype)
    assert_round_trips(spec, every_form)
    return spec


# ---- valid genotypes of every kind: (genotype, space argument, expected spec) ----------------------------
def _int_array(values, draw):
    return np.array(values, dtype=draw(st.sampled_from(INT_DTYPES)))


def _np_ints(values, draw):
    dtype = draw(st.sampled_from(INT_DTYPES))
    return [dtype(v) for v in values]


PREFIX = st.sampled_from(["", "cell/", "model/cell/", "a/b/"])


@st.composite
def nb201_valid(draw):
    idx = draw(st.lists(st.integers(0, 4), min_size=6, max_size=6))
    spec = nb201.from_op_indices(idx)
    form = draw(st.sampled_from(["tuple", "list", "array", "np_list", "arch", "arch_ws", "nni", "literal", "edge_spec"]))
    if form == "tuple":
        g = tuple(idx)
    elif form == "list":
        g = list(idx)
    elif form == "array":
        g = _int_array(idx, draw)
    elif form == "np_list":
        g = _np_ints(idx, draw)
    elif form == "arch":
        g = nb201.to_arch_str(spec)
    elif form == "arch_ws":
        g = f"  {nb201.to_arch_str(spec)}\n"
    elif form == "nni":
        g = nni.to_sample(spec, prefix=draw(PREFIX).rstrip("/") or "cell")
    elif form == "literal":
        g = str(tuple(idx))
    else:
        g = spec.to_dict()
    return g, draw(st.sampled_from([None, "nb201"])), spec


@st.composite
def nb101_module(draw):
    """A valid NB101 module with every node on an input-output path (a chain plus extra edges, at most 9)."""
    n = draw(st.integers(2, 7))
    m = np.zeros((n, n), dtype=np.int64)
    for i in range(n - 1):
        m[i, i + 1] = 1
    extra = [(i, j) for i in range(n) for j in range(i + 2, n)]
    budget = nb101.MAX_EDGES - (n - 1)
    for i, j in draw(st.lists(st.sampled_from(extra), max_size=budget, unique=True)) if extra else []:
        m[i, j] = 1
    ops = ["input", *draw(st.lists(st.sampled_from(nb101.OPS), min_size=n - 2, max_size=n - 2)), "output"]
    return m, ops


@st.composite
def nb101_valid(draw):
    m, ops = draw(nb101_module())
    spec = nb101.from_matrix_ops(m, ops)
    key = nb101.to_key(spec)
    space = "nb101" if len(key) == 6 else draw(st.sampled_from([None, "nb101"]))
    form = draw(st.sampled_from(["spec", "spec_array", "spec_bool", "spec_np_ops", "key", "key_array", "key_np",
                                 "key_str", "pair", "nni", "nni_np", "record", "literal"]))
    if form == "spec":
        g = {"matrix": m.tolist(), "ops": list(ops)}
    elif form == "spec_array":
        g = {"matrix": m.astype(draw(st.sampled_from(INT_DTYPES))), "ops": tuple(ops)}
    elif form == "spec_bool":
        g = {"matrix": m.astype(bool), "ops": ops}
    elif form == "spec_np_ops":
        g = {"matrix": [_np_ints(row, draw) for row in m.tolist()], "ops": np.array(ops)}
    elif form == "key":
        g = key
    elif form == "key_array":
        g = _int_array(key, draw)
    elif form == "key_np":
        g = _np_ints(key, draw)
    elif form == "key_str":
        g = str(key)
    elif form == "pair":
        g = (m.tolist(), ops)
    elif form == "nni":
        g = nni.to_sample(spec, prefix=draw(PREFIX).rstrip("/") or "cell")
    elif form == "nni_np":
        g = {k: (np.int64(v) if isinstance(v, int) else [np.int64(x) for x in v] if isinstance(v, list) else v)
             for k, v in nni.to_sample(spec).items()}
    elif form == "record":
        g = {"module_adjacency": m, "module_operations": ops}
    else:
        g = json.dumps({"matrix": m.tolist(), "ops": ops})
    return g, space, spec


@st.composite
def nb301_valid(draw):
    cells = []
    for _ in range(2):
        cells.append([(draw(st.integers(0, k // 2 + 1)), draw(st.integers(0, 6))) for k in range(8)])
    spec = darts.from_compact(cells)
    form = draw(st.sampled_from(["compact", "lists", "array", "np_ints", "genotype", "genotype_str", "range_str",
                                 "nni", "nni_flat", "literal"]))
    if form == "compact":
        g = (tuple(cells[0]), tuple(cells[1]))
    elif form == "lists":
        g = [[list(p) for p in c] for c in cells]
    elif form == "array":
        g = _int_array(cells, draw)
    elif form == "np_ints":
        dtype = draw(st.sampled_from(INT_DTYPES))
        g = [[(dtype(i), dtype(o)) for i, o in c] for c in cells]
    elif form == "genotype":
        g = darts.to_genotype(spec)
    elif form == "genotype_str":
        g = darts.to_genotype_str(spec)
    elif form == "range_str":  # DARTS' search code prints the concat as range(2, 6)
        g = darts.to_genotype_str(spec).replace("[2, 3, 4, 5]", "range(2, 6)")
    elif form == "nni":
        prefix = draw(PREFIX)
        g = {prefix + k: v for k, v in nni.to_sample(spec).items()}
    elif form == "nni_flat":
        g = {k: (np.int64(v[0]) if isinstance(v, list) else v) for k, v in nni.to_sample(spec).items()}
    else:
        g = str(cells)
    return g, draw(st.sampled_from([None, "nb301"])), spec


@st.composite
def archspec_valid(draw):
    _, _, spec = draw(st.one_of(nb201_valid(), nb101_valid(), nb301_valid()))
    form = draw(st.sampled_from(["dict", "dict_nokey", "json", "object", "encode_output"]))
    d = spec.to_dict()
    if form == "dict":
        g = d
    elif form == "dict_nokey":
        g = {k: v for k, v in d.items() if k != "key"}
    elif form == "json":
        g = json.dumps(d, indent=draw(st.sampled_from([None, 1])))
    elif form == "object":
        g = spec
    else:  # what `clue-nas encode` prints, fed back
        g = {**d, "prompt": spec.prompt(), "iso_key": spec.iso_key()}
    return g, draw(st.sampled_from([None, spec.space])), spec


VALID = st.one_of(nb201_valid(), nb101_valid(), nb301_valid(), archspec_valid())


# ---- mutations: change one element of a valid genotype ---------------------------------------------------
# Mutations run on a random.Random seeded by a Hypothesis-drawn integer: one draw per example keeps the
# generation cheap enough for 10,000 examples in well under a minute.
HUGE = 10**5000  # its repr raises ValueError (more than 4300 digits), so strategies build it rather than hold it
huge = st.sampled_from([5000, -5000, 4301, 64]).map(lambda d: 10 ** abs(d) if d > 0 else -(10 ** -d))
JUNK_LEAVES = (
    [-3, -1, 0, 1, 2, 4, 5, 6, 7, 8, 9, 12, 56, 2**63, -(2**63) - 1, 10**30, 0.0, 1.0, 0.99, 1.7, 2.9, -0.0, float("nan"),
     float("inf"), 1e308, True, False, None, "", " ", "0", "1", "é", "\x00", "\u202e", "~", "|", "None", "cell/0_1",
     np.int64(3), np.int8(-1), np.uint64(2**64 - 1), np.float64(1.0), np.float32(0.5), np.bool_(True),
     np.str_("conv_3x3"), np.array([0, 1]), np.array(2), np.array([[1]]), np.array([]), b"conv_3x3", 1 + 2j,
     [], [0], [0, 1], [-1, 6, 2], {}, (), {"a": 1}, {0, 1}]
    + ALL_OPS
)
MANGLE_CHARS = "|~+()[]{},:'\" \t\n0123456789-_.eé\x00\u202e\U0001f600abcxyz"
TOKENS = ALL_OPS + ["~", "|+|", "Genotype(", "range(2, 6)", "None", "True", "1e9", "0x10", "'", '"', ", ", "[]"]
HUGE_TEXT = ["9" * 5000, "1" * 4400, "é" * 3000, "(" * 300, "[" * 3000]


def junk_leaf(rng: random.Random):
    if rng.random() < 0.05:
        return rng.choice([HUGE, -HUGE, 10**4301])
    return rng.choice(JUNK_LEAVES)


def mangle(text: str, rng: random.Random) -> str:
    n = len(text)
    i = rng.randint(0, n)
    j = rng.randint(i, min(n, i + 8))
    action = rng.choice(["delete", "insert", "replace", "duplicate", "truncate", "swap", "digits", "upper", "huge",
                         "token"])
    if action == "delete":
        return text[:i] + text[j:]
    if action == "insert":
        return text[:i] + "".join(rng.choices(MANGLE_CHARS, k=rng.randint(1, 4))) + text[i:]
    if action == "replace":
        return text[:i] + "".join(rng.choices(MANGLE_CHARS, k=rng.randint(1, 3))) + text[j:]
    if action == "duplicate":
        return text[:j] + text[i:j] + text[j:]
    if action == "truncate":
        return text[:i]
    if action == "swap" and n >= 2:
        a, b = sorted(rng.sample(range(n), 2))
        return text[:a] + text[b] + text[a + 1:b] + text[a] + text[b + 1:]
    if action == "digits":
        pos = [k for k, c in enumerate(text) if c.isdigit()]
        if pos:
            k = rng.choice(pos)
            return text[:k] + rng.choice(string.digits + "-") + text[k + 1:]
        return text + "0"
    if action == "upper":
        return text.upper()
    if action == "huge":
        return text[:i] + rng.choice(HUGE_TEXT) + text[i:]
    return text[:i] + rng.choice(TOKENS) + text[j:]


def _rebuild(obj, items):
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple such as a DARTS Genotype
        return type(obj)(*items) if len(items) == len(obj._fields) else tuple(items)
    return tuple(items) if isinstance(obj, tuple) else items


def mutate(obj, rng: random.Random, depth: int = 0):
    """``obj`` with one element changed somewhere inside it: out of range, of another type, added, removed,
    swapped, or (strings) mangled."""
    if isinstance(obj, ArchSpec):
        return mutate(obj.to_dict(), rng, depth)
    if isinstance(obj, str):
        return mangle(obj, rng)
    if isinstance(obj, np.ndarray) and obj.ndim >= 1:
        out = mutate(list(obj), rng, depth)
        if rng.random() < 0.5:
            with contextlib.suppress(Exception):
                return np.array(out)  # back to an array (ragged or mixed results stay lists)
        return out
    if isinstance(obj, dict) and obj:
        k = rng.choice(list(obj))
        action = rng.choice(["descend", "descend", "descend", "delete", "add", "rename", "replace"])
        out = dict(obj)
        if action == "descend" and depth < 6:
            out[k] = mutate(obj[k], rng, depth + 1)
        elif action == "delete":
            del out[k]
        elif action == "add":
            new = k + "x" if isinstance(k, str) and rng.random() < 0.5 else junk_leaf(rng)
            with contextlib.suppress(TypeError):  # an unhashable key: no change
                out[new] = junk_leaf(rng)
        elif action == "rename":
            new = mangle(k, rng) if isinstance(k, str) else junk_leaf(rng)
            with contextlib.suppress(TypeError):
                out[new] = out.pop(k)
        else:
            out[k] = junk_leaf(rng)
        return out
    if isinstance(obj, (list, tuple)) and len(obj):
        items = list(obj)
        i = rng.randrange(len(items))
        action = rng.choice(["descend", "descend", "descend", "delete", "insert", "swap", "replace", "truncate",
                             "extend"])
        if action == "descend" and depth < 6:
            items[i] = mutate(items[i], rng, depth + 1)
        elif action == "delete":
            del items[i]
        elif action == "insert":
            items.insert(i, junk_leaf(rng) if rng.random() < 0.5 else rng.choice(items))
        elif action == "swap":
            j = rng.randrange(len(items))
            items[i], items[j] = items[j], items[i]
        elif action == "truncate":
            items = items[:i]
        elif action == "extend":
            items = items + items
        else:
            items[i] = junk_leaf(rng)
        return _rebuild(obj, items)
    # a leaf: an off-by-one, another type, or junk
    if isinstance(obj, (bool, np.bool_)):
        return rng.choice([int(obj), not obj, None, str(obj)])
    if isinstance(obj, (int, np.integer)) and rng.random() < 0.7:
        v = int(obj)
        return rng.choice([v + 1, v - 1, -v - 1, v + 5, float(v), v + 0.5, bool(v % 2), str(v), np.float64(v), None, [v],
                           type(obj)(v) if isinstance(obj, np.integer) else np.int64(v)])
    return junk_leaf(rng)


SEED = st.integers(0, 2**32 - 1)


def mutated_by(data, genotype):
    """Draw a seed and mutate ``genotype`` with it (the seed is part of the reported failing example)."""
    return mutate(genotype, random.Random(data.draw(SEED, label="mutation seed")))


# ---- junk -----------------------------------------------------------------------------------------------
long_strings = st.builds(
    lambda head, unit, n, tail: head + unit * n + tail,
    st.sampled_from(["", "(", "[", "{", "|", "Genotype(", "|nor_conv_3x3~", "{'cell/0_1': '"]),
    st.sampled_from(["9", "(", "[", "{", "|", "~", "x", "é", "|a~0", "-", "1,", "(1,", "+", "'a':", "\x00", "\U0001f600"]),
    st.sampled_from([1, 10, 100, 4301, 50_000, 150_000, 200_001, 1_000_000]),
    st.sampled_from(["", ")", "]", "}", "|", "~0|"]),
)


def _deep(n: int):
    x: list = []
    for _ in range(n):
        x = [x]
    return x


junk_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), huge, st.just(2**64), st.floats(),
    st.text(max_size=30), st.binary(max_size=10), st.complex_numbers(max_magnitude=10, allow_nan=False),
    st.sampled_from(JUNK_LEAVES),
)
JUNK_KEYS = ["space", "cells", "key", "matrix", "ops", "normal", "reduce", "cell/0_1", "cell/num_nodes", "normal/op_2_0"]
junk = st.one_of(
    st.recursive(
        junk_leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=8),
            st.lists(children, max_size=8).map(tuple),
            st.dictionaries(st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(JUNK_KEYS)), children,
                            max_size=6),
        ),
        max_leaves=30,
    ),
    long_strings,
    st.sampled_from([0, 1, 10, 100, 5000]).map(_deep),
    st.builds(lambda shape, dtype: np.zeros(shape, dtype=dtype),
              st.sampled_from([(0,), (6,), (2, 8, 2), (7, 7), (56,), (3, 3, 3)]),
              st.sampled_from([np.float64, np.int64, np.bool_, np.uint8, object, "U3"])),
    st.builds(set, st.lists(st.integers(), max_size=3)),
)


# ---- the properties ---------------------------------------------------------------------------------------
@settings(FUZZ, max_examples=2000)
@given(VALID)
def test_valid_genotypes_of_every_kind_encode_and_round_trip(case):
    genotype, space, expected = case
    spec = to_spec(genotype, space)
    assert spec == expected
    assert_nothing_was_coerced(genotype)
    assert_round_trips(spec)


@settings(FUZZ, max_examples=4000)
@given(st.data(), VALID)
def test_mutated_genotypes_round_trip_or_raise_a_clue_error(data, case):
    genotype, space, _ = case
    check(mutated_by(data, genotype), data.draw(st.sampled_from([space, None])))


@settings(FUZZ, max_examples=1500)
@given(junk, st.sampled_from([None, None, "nb101", "nb201", "nb301"]))
def test_junk_raises_a_clue_error(genotype, space):
    check(genotype, space)


@settings(FUZZ, max_examples=1500)
@given(st.data(), VALID)
def test_mangled_genotype_strings(data, case):
    """Every string form (arch strings, Genotype strings, literals, JSON ArchSpec dicts), mangled."""
    genotype, _, spec = case
    text = data.draw(st.sampled_from([
        nb201.to_arch_str(spec) if spec.space == "nb201" else darts.to_genotype_str(spec) if spec.space == "nb301"
        else str(nb101.to_key(spec)),
        json.dumps(spec.to_dict()),
        json.dumps(nni.to_sample(spec)),
        genotype if isinstance(genotype, str) else repr(genotype),
    ]))
    check(mangle(text, random.Random(data.draw(SEED, label="mangle seed"))))


def _encode(text: str, space: str | None, vectors: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["encode", *(["--space", space] if space else []), *(["--vectors"] if vectors else []), "--", text]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def _user_text(g) -> str:
    """The text a user would type for ``g`` (a Python literal; numpy values as plain Python values)."""
    if isinstance(g, np.ndarray):
        return _user_text(g.tolist())
    if isinstance(g, np.generic):
        return _user_text(g.item())
    if isinstance(g, int) and not isinstance(g, bool) and abs(g) > 10**4000:
        return hex(g)  # decimal text of such an int cannot even be produced; hex can, and parses
    if isinstance(g, tuple) and hasattr(g, "_fields"):  # a DARTS Genotype
        return f"{type(g).__name__}(" + ", ".join(f"{f}={_user_text(v)}" for f, v in zip(g._fields, g)) + ")"
    if isinstance(g, list):
        return "[" + ", ".join(map(_user_text, g)) + "]"
    if isinstance(g, tuple):
        return "(" + ", ".join(map(_user_text, g)) + ("," if len(g) == 1 else "") + ")"
    if isinstance(g, dict):
        return "{" + ", ".join(f"{_user_text(k)}: {_user_text(v)}" for k, v in g.items()) + "}"
    if isinstance(g, (set, frozenset)):
        return "{" + ", ".join(map(_user_text, g)) + "}" if g else "set()"
    return repr(g)


def _as_text(genotype) -> str:
    if isinstance(genotype, str):
        return genotype
    if isinstance(genotype, ArchSpec):
        return json.dumps(genotype.to_dict())
    try:
        return _user_text(genotype)
    except RecursionError:  # a very deeply nested list
        return "[" * 5000 + "]" * 5000


@settings(FUZZ, max_examples=1000)
@given(st.data(), VALID, st.sampled_from(["valid", "mutated", "mutated", "junk"]))
def test_cli_encoder_prints_json_or_one_error_line(data, case, kind):
    genotype, space, expected = case
    if kind == "mutated":
        genotype = mutated_by(data, genotype)
    elif kind == "junk":
        genotype, space = data.draw(st.one_of(junk, long_strings)), None
    text = _as_text(genotype)
    if "\x00" in text:  # a command line cannot hold NUL
        text = text.replace("\x00", "")
    vectors = data.draw(st.booleans())
    rc, out, err = _encode(text, space, vectors)
    try:
        spec = to_spec(text, space)
    except ClueError as exc:
        assert_clean(exc)
        assert rc == 2 and out == "", (rc, out[:200])
        assert err.startswith("clue-nas: error: ") and err.count("\n") == 1 and "Traceback" not in err, err[:2000]
        return
    assert rc == 0 and err == "", err[:2000]
    assert_nothing_was_coerced(text)
    printed = json.loads(out)
    assert printed["key"] == spec.key and printed["space"] == spec.space and printed["prompt"] == spec.prompt()
    assert to_spec(printed) == spec  # the printed JSON is itself a genotype
    if vectors:
        assert len(printed["flow_vector"]) == 320 and len(printed["op_metric_vector"]) == 128
    if kind == "valid":
        assert spec == expected


# ---- the issue's own examples, through the CLI ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "(2,2,3,0,2,9)",
    "|nor_conv_3x3~" + "1" * 5000 + "|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
    "x" * 1_000_000,
    "|" + "nor_conv_3x3" * 100_000 + "~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
    "(2.9, 1, 0, 0, 0, 0)",
    "(True, 1, 0, 0, 0, 0)",
])
def test_cli_refuses_the_issue_examples_in_one_short_line(text):
    rc, out, err = _encode(text, None)
    assert rc == 2 and out == ""
    assert err.startswith("clue-nas: error: ") and err.count("\n") == 1 and len(err) < 600, err[:2000]
    if text == "(2,2,3,0,2,9)":
        assert "9" in err and "out of range 0..4" in err and "nor_conv_3x3" in err
