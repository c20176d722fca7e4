"""DARTS / NAS-Bench-301 networks from an ArchSpec, following DARTS' ``NetworkCIFAR``.

A 3x3 conv-BN stem (3C channels), ``layers`` cells with reduction cells at 1/3 and 2/3 depth
(channels doubled there), cell inputs preprocessed by ReLU-Conv-BN 1x1 (or a factorized reduction
after a reduction cell), each intermediate node summing two ops, the cell output concatenating the
four intermediate nodes; global pooling and a linear classifier. No auxiliary head, no drop path
(inference structure). Defaults are NB301's training network (C=32, 8 layers); DARTS' CIFAR-10
evaluation network is ``channels=36, layers=20``.
"""

from __future__ import annotations

import torch
from torch import nn

from adapters import darts as darts_adapter
from clue_plugins.ops.builders import FactorizedReduce, ReLUConvBN, build_op
from clue_plugins.spec import ArchSpec

STEPS = 4


class DartsCell(nn.Module):
    def __init__(self, pairs: list[tuple[int, str]], c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool) -> None:
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, 1, 1, c_out=c)
        self.pre1 = ReLUConvBN(c_p, 1, 1, c_out=c)
        self.inputs = [inp for inp, _ in pairs]
        self.ops = nn.ModuleList(build_op(op, c, 2 if reduction and inp < 2 else 1) for inp, op in pairs)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for step in range(STEPS):
            a, b = 2 * step, 2 * step + 1
            states.append(self.ops[a](states[self.inputs[a]]) + self.ops[b](states[self.inputs[b]]))
        return torch.cat(states[2:], dim=1)


class DartsNetwork(nn.Module):
    """DARTS' CIFAR network for a (normal, reduce) genotype."""

    def __init__(self, spec: ArchSpec, num_classes: int = 10, channels: int = 32, layers: int = 8, stem_multiplier: int = 3) -> None:
        super().__init__()
        normal, reduce = darts_adapter.to_pairs(spec)
        c_curr = stem_multiplier * channels
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_pp, c_p, c_curr = c_curr, c_curr, channels
        cells: list[nn.Module] = []
        reduction_prev = False
        for i in range(layers):
            reduction = i in (layers // 3, 2 * layers // 3)
            if reduction:
                c_curr *= 2
            cells.append(DartsCell(reduce if reduction else normal, c_pp, c_p, c_curr, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, STEPS * c_curr
        self.cells = nn.ModuleList(cells)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(torch.flatten(self.pool(s1), 1))
