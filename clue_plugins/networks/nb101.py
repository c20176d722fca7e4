"""NAS-Bench-101 networks from an ArchSpec, following the benchmark's own model builder.

A 3x3 conv-BN-ReLU stem (128 channels), three stacks of three cells with 2x2 max-pool downsampling
and doubled channels between stacks, global pooling and a linear classifier. Inside a cell, each
vertex's width comes from the benchmark's channel rule, inputs from the cell input pass through a
1x1 projection, wider inputs are truncated, vertices feeding the output are concatenated and the
projected input (if wired to the output) is added.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from adapters import nb101 as nb101_adapter
from clue_plugins.errors import GenotypeError
from clue_plugins.spec import ArchSpec


class ConvBNReLU(nn.Sequential):
    """NB101's ``convKxK-bn-relu`` (conv without bias; BN with the benchmark's momentum/eps)."""

    def __init__(self, c_in: int, c_out: int, k: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=1e-5, momentum=0.003),  # TF momentum 0.997
            nn.ReLU(inplace=False),
        )


def vertex_channels(c_in: int, c_out: int, matrix: np.ndarray) -> list[int]:
    """Channels of every vertex: the output's width is split over its inputs, then propagated back."""
    n = matrix.shape[0]
    channels = [0] * n
    channels[0], channels[-1] = c_in, c_out
    if n == 2:
        return channels
    in_degree = matrix[1:].sum(axis=0)
    interior, correction = divmod(c_out, int(in_degree[-1]))
    for v in range(1, n - 1):
        if matrix[v, -1]:
            channels[v] = interior + (1 if correction > 0 else 0)
            correction -= 1
    for v in range(n - 3, 0, -1):
        if not matrix[v, -1]:
            for dst in range(v + 1, n - 1):
                if matrix[v, dst]:
                    channels[v] = max(channels[v], channels[dst])
    return channels


def _op(name: str, c: int) -> nn.Module:
    if name == "conv_3x3":
        return ConvBNReLU(c, c, 3)
    if name == "conv_1x1":
        return ConvBNReLU(c, c, 1)
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise GenotypeError(f"NB101 vertices use conv_3x3, conv_1x1 or max_pool_3x3; got {name!r}")


class NB101Cell(nn.Module):
    def __init__(self, matrix: np.ndarray, ops: tuple[str, ...], c_in: int, c_out: int) -> None:
        super().__init__()
        self.matrix = matrix
        n = matrix.shape[0]
        self.channels = vertex_channels(c_in, c_out, matrix)
        self.vertex_ops = nn.ModuleList([nn.Identity()] + [_op(ops[v], self.channels[v]) for v in range(1, n - 1)])
        # 1x1 projections of the cell input, one per vertex (and the output) that reads it
        self.proj = nn.ModuleDict(
            {str(v): ConvBNReLU(c_in, self.channels[v], 1) for v in range(1, n) if matrix[0, v]}
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.matrix.shape[0]
        if n == 2:
            return self.proj["1"](x)
        tensors = [x]
        for v in range(1, n - 1):
            inputs = [tensors[src][:, : self.channels[v]] for src in range(1, v) if self.matrix[src, v]]
            if self.matrix[0, v]:
                inputs.append(self.proj[str(v)](x))
            tensors.append(self.vertex_ops[v](sum(inputs)))
        out = torch.cat([tensors[v] for v in range(1, n - 1) if self.matrix[v, -1]], dim=1)
        if self.matrix[0, -1]:
            out = out + self.proj[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """The NB101 network for one cell (``stem_channels=128``, 3 stacks x 3 cells as benchmarked)."""

    def __init__(self, spec: ArchSpec, num_classes: int = 10, stem_channels: int = 128, stacks: int = 3, cells_per_stack: int = 3) -> None:
        super().__init__()
        cell = nb101_adapter._cell(spec)
        matrix = cell.matrix
        self.stem = ConvBNReLU(3, stem_channels, 3)
        layers: list[nn.Module] = []
        c_in = c = stem_channels
        for stack in range(stacks):
            if stack:
                layers.append(nn.MaxPool2d(2, stride=2))
                c *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(matrix, cell.ops, c_in, c))
                c_in = c
        self.cells = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.cells(self.stem(x))), 1))
