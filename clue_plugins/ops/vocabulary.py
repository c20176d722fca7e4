"""The canonical operation vocabulary: one source of truth for op names and their spellings.

Every adapter maps a framework's spelling (``nor_conv_3x3``, ``conv3x3-bn-relu``, NNI ``conv_3x3``...)
to one canonical name here. Parametric families (``conv_KxK``, ``sep_conv_KxK``, ``dil_conv_KxK``,
``max_pool_KxK``, ``avg_pool_KxK``) are parsed, so e.g. ``conv_7x7`` is understood without
registration; anything else raises :class:`UnknownOpError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clue_plugins.errors import UnknownOpError

INPUT = "input"
OUTPUT = "output"

#: Canonical ops that ship with a measured row in the package's op-metric table.
CANONICAL_OPS: tuple[str, ...] = (
    INPUT,
    OUTPUT,
    "none",
    "skip_connect",
    "conv_1x1",
    "conv_3x3",
    "conv_5x5",
    "conv_7x7",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "max_pool_3x3",
    "avg_pool_3x3",
)

#: Framework spellings -> canonical names.
ALIASES: dict[str, str] = {
    # NB201 / NATS-Bench / NASLib NB201
    "nor_conv_1x1": "conv_1x1",
    "nor_conv_3x3": "conv_3x3",
    "nor_conv_5x5": "conv_5x5",
    "nor_conv_7x7": "conv_7x7",
    "skip": "skip_connect",
    "identity": "skip_connect",
    "zero": "none",
    # NB101
    "conv1x1-bn-relu": "conv_1x1",
    "conv3x3-bn-relu": "conv_3x3",
    "maxpool3x3": "max_pool_3x3",
    "avgpool3x3": "avg_pool_3x3",
}

_FAMILY = re.compile(r"^(conv|sep_conv|dil_conv|max_pool|avg_pool)_(\d+)x(\d+)$")


@dataclass(frozen=True)
class OpFamily:
    """A parsed parametric op: family name and (square) kernel size."""

    family: str
    kernel: int


def parse_family(name: str) -> OpFamily | None:
    """Parse ``conv_5x5``-style names; None if ``name`` is not of a parametric family."""
    m = _FAMILY.match(name)
    if not m or m.group(2) != m.group(3):
        return None
    k = int(m.group(2))
    if k < 1 or k % 2 == 0:
        return None
    return OpFamily(m.group(1), k)


def canonical_op(name: object) -> str:
    """Return the canonical spelling of ``name``, raising :class:`UnknownOpError` if it has none."""
    if not isinstance(name, str):
        raise UnknownOpError(name, CANONICAL_OPS, "Operations are given as strings.")
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in CANONICAL_OPS or key in _extra_ops or parse_family(key) is not None:
        return key
    raise UnknownOpError(
        name,
        CANONICAL_OPS + tuple(sorted(_extra_ops)),
        "Parametric names like conv_7x7, sep_conv_5x5, dil_conv_3x3, max_pool_5x5 are parsed; "
        "register a new op with clue_plugins.ops.register_op(name, builder).",
    )


# Names registered at run time through clue_plugins.ops.register_op.
_extra_ops: set[str] = set()


def _add_registered(name: str) -> None:
    _extra_ops.add(name)
