"""Torch networks from specs, network -> SEval string, and training-memory measurement.

``build_network(spec)`` returns the benchmark's own network for an NB201, NB101 or NB301/DARTS
:class:`~clue_plugins.spec.ArchSpec`; :func:`network_string` turns any ``nn.Module`` into the SEval
token string; :func:`training_step_memory` measures the peak memory of one training step.
Importing this package imports torch.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import nn

from clue_plugins.errors import ClueError
from clue_plugins.networks.counting import count_flops_m, count_params_m
from clue_plugins.networks.memory import MEMORY_DEFINITION, StepMemory, training_step_memory
from clue_plugins.networks.strings import network_string
from clue_plugins.spec import ArchSpec

_BUILDERS: dict[str, Callable[..., nn.Module]] = {}


def register_network(space: str, builder: Callable[..., nn.Module]) -> None:
    """Register ``builder(spec, num_classes=..., **kwargs) -> nn.Module`` for a search space."""
    _BUILDERS[space] = builder


def build_network(spec: ArchSpec, num_classes: int = 10, **kwargs: Any) -> nn.Module:
    """The benchmark network of ``spec`` (macro skeleton of its space, as the benchmark trained it)."""
    if not isinstance(spec, ArchSpec):
        raise ClueError(f"build_network needs an ArchSpec (see adapters.to_spec), got {type(spec).__name__}")
    if spec.space not in _BUILDERS:
        raise ClueError(f"no network builder for space {spec.space!r}; known: {', '.join(sorted(_BUILDERS))}. "
                        "Register one with clue_plugins.networks.register_network(space, builder)")
    return _BUILDERS[spec.space](spec, num_classes=num_classes, **kwargs)


def _register_defaults() -> None:
    from clue_plugins.networks.darts import DartsNetwork
    from clue_plugins.networks.nb101 import NB101Network
    from clue_plugins.networks.nb201 import NB201Network

    register_network("nb201", NB201Network)
    register_network("nb101", NB101Network)
    register_network("nb301", DartsNetwork)


_register_defaults()

__all__ = [
    "MEMORY_DEFINITION",
    "StepMemory",
    "build_network",
    "count_flops_m",
    "count_params_m",
    "network_string",
    "register_network",
    "training_step_memory",
]
