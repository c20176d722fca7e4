"""Torch builders for every op: a registry keyed by canonical name, plus parametric families.

Builders take ``(channels, stride)`` and return an ``nn.Module`` mapping
``(B, C, H, W) -> (B, C, H/stride, W/stride)``. They follow the common NAS definitions
(NB201/DARTS: ReLU-Conv-BN; DARTS separable and dilated convolutions), so the soft metrics
measured from them describe the ops that the benchmarks trained.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from clue_plugins.errors import UnknownOpError
from clue_plugins.ops.vocabulary import CANONICAL_OPS, _add_registered, canonical_op, parse_family

Builder = Callable[[int, int], nn.Module]
_REGISTRY: dict[str, Builder] = {}


def register_op(name: str, builder: Builder | None = None):
    """Register a builder for a new op; usable as ``register_op("my_op", fn)`` or as a decorator.

    After registration the op is part of the vocabulary and gets soft metrics measured on the fly.
    """

    def _do(fn: Builder) -> Builder:
        key = name.strip().lower()
        _REGISTRY[key] = fn
        _add_registered(key)
        return fn

    return _do(builder) if builder is not None else _do


class Zero(nn.Module):
    """The ``none`` op: outputs zeros of the right shape (information does not pass)."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, BN (``c_out`` defaults to ``c``)."""

    def __init__(self, c: int, k: int, stride: int, dilation: int = 1, c_out: int | None = None) -> None:
        pad = dilation * (k - 1) // 2
        c_out = c if c_out is None else c_out
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c_out, k, stride=stride, padding=pad, dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out),
        )


class DilConv(nn.Sequential):
    """DARTS dilated separable convolution: ReLU, depthwise dilated conv, pointwise conv, BN."""

    def __init__(self, c: int, k: int, stride: int, dilation: int = 2) -> None:
        pad = dilation * (k - 1) // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, k, stride=stride, padding=pad, dilation=dilation, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False),
            nn.BatchNorm2d(c),
        )


class SepConv(nn.Sequential):
    """DARTS separable convolution: two stacked (ReLU, depthwise, pointwise, BN) blocks."""

    def __init__(self, c: int, k: int, stride: int) -> None:
        super().__init__(DilConv(c, k, stride, dilation=1), DilConv(c, k, 1, dilation=1))


class FactorizedReduce(nn.Module):
    """DARTS' strided identity: two offset 1x1 stride-2 convolutions, concatenated, then BN."""

    def __init__(self, c_in: int, c_out: int | None = None) -> None:
        super().__init__()
        c_out = c_in if c_out is None else c_out
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _family_builder(name: str) -> Builder | None:
    fam = parse_family(name)
    if fam is None:
        return None
    k = fam.kernel
    if fam.family == "conv":
        return lambda c, s: ReLUConvBN(c, k, s)
    if fam.family == "sep_conv":
        return lambda c, s: SepConv(c, k, s)
    if fam.family == "dil_conv":
        return lambda c, s: DilConv(c, k, s, dilation=2)
    if fam.family == "max_pool":
        return lambda c, s: nn.MaxPool2d(k, stride=s, padding=k // 2)
    return lambda c, s: nn.AvgPool2d(k, stride=s, padding=k // 2, count_include_pad=False)


def _identity(c: int, s: int) -> nn.Module:
    return nn.Identity() if s == 1 else FactorizedReduce(c)


register_op("input", lambda c, s: nn.Identity())
register_op("output", lambda c, s: nn.Identity())
register_op("skip_connect", _identity)
register_op("none", lambda c, s: Zero(s))


def build_op(name: str, channels: int = 32, stride: int = 1) -> nn.Module:
    """Instantiate the op ``name`` (any spelling) with ``channels`` in and out."""
    key = canonical_op(name)
    if key in _REGISTRY:
        return _REGISTRY[key](channels, stride)
    builder = _family_builder(key)
    if builder is None:  # registered name without builder cannot happen; keep the error clear anyway
        raise UnknownOpError(name, CANONICAL_OPS, "Register a builder with clue_plugins.ops.register_op(name, builder).")
    return builder(channels, stride)
