"""Torch networks from specs, network -> SEval string, and training-memory measurement.

``build_network(spec)`` returns the benchmark's own network of an :class:`~clue_plugins.spec.ArchSpec`, as its
space's descriptor (:mod:`clue_plugins.spaces`: NB201, NB101, NB301/DARTS, or a registered space) builds it; :func:`network_string` turns any ``nn.Module`` into the SEval
token string; :func:`training_step_memory` measures the peak memory of one training step.
Importing this package imports torch.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import nn

from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.networks.counting import count_flops_m, count_params_m
from clue_plugins.networks.memory import MEMORY_DEFINITION, StepMemory, training_step_memory
from clue_plugins.networks.strings import network_string
from clue_plugins.spec import ArchSpec

#: Builders registered with :func:`register_network`; they take precedence over the space descriptor's own.
_BUILDERS: dict[str, Callable[..., nn.Module]] = {}


def register_network(space: str, builder: Callable[..., nn.Module]) -> None:
    """Register ``builder(spec, num_classes=..., **kwargs) -> nn.Module`` for a search space (it replaces the
    builder of the space's descriptor, :meth:`clue_plugins.spaces.SearchSpace.build_network`)."""
    if not isinstance(space, str) or not space:
        raise ConfigError(f"a space name is a non-empty string, got {shown(space)}")
    if not callable(builder):
        raise ConfigError(f"a network builder is a function of (spec, num_classes=..., **kwargs), got {shown(builder)}")
    _BUILDERS[space] = builder


def build_network(spec: ArchSpec, num_classes: int = 10, **kwargs: Any) -> nn.Module:
    """The benchmark network of ``spec`` (macro skeleton of its space, as the benchmark trained it): a builder
    registered with :func:`register_network`, else the one of the space's descriptor."""
    from clue_plugins.spaces.registry import registered, space_names

    if not isinstance(spec, ArchSpec):
        raise ConfigError(f"build_network needs an ArchSpec (see adapters.to_spec), got {type(spec).__name__}")
    if spec.space in _BUILDERS:
        return _BUILDERS[spec.space](spec, num_classes=num_classes, **kwargs)
    descriptor = registered(spec.space)
    if descriptor is None:
        raise UnknownNameError(f"no network builder for space {shown(spec.space)}; known spaces: {', '.join(space_names())}. "
                               "Register the space (clue_plugins.spaces.register_space) or a builder "
                               "(clue_plugins.networks.register_network(space, builder))")
    return descriptor.build_network(spec, num_classes=num_classes, **kwargs)


def string_network(spec: ArchSpec, num_classes: int = 10) -> tuple[nn.Module, tuple[int, ...]]:
    """(network, input shape) whose trace is ``spec``'s SEval string: a builder registered with
    :func:`register_network` on a 32x32 image, else what the space's descriptor offers (a cheaper network
    with the same string, where it has one)."""
    if not isinstance(spec, ArchSpec) or spec.space in _BUILDERS:  # build_network names a wrong input
        return build_network(spec, num_classes=num_classes), (1, 3, 32, 32)
    from clue_plugins.spaces.registry import get_space

    return get_space(spec.space).string_network(spec, num_classes=num_classes)


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
