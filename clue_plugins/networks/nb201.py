"""NAS-Bench-201 / NATS-Bench topology networks from an ArchSpec.

The macro skeleton of NATS-Bench TSS: a 3x3 conv stem (16 channels), three stages of 5 cells
(16, 32, 64 channels) joined by residual reduction blocks, BN-ReLU, global pooling and a linear
classifier. A cell node sums its incoming edge ops (ReLU-Conv-BN convolutions, 3x3 average pooling
without padded zeros, identity, zero), exactly the ops the benchmark trained.
"""

from __future__ import annotations

import torch
from torch import nn

from adapters import nb201 as nb201_adapter
from clue_plugins.ops.builders import ReLUConvBN, build_op
from clue_plugins.spec import ArchSpec

#: Classes of each NB201 dataset (the classifier's width).
NUM_CLASSES = {"cifar10": 10, "cifar10-valid": 10, "cifar100": 100, "ImageNet16-120": 120}


class NB201Cell(nn.Module):
    """One NB201 cell: node j = sum over edges (i -> j) of op_ij(node i); the output is node 3."""

    def __init__(self, edge_ops: tuple[str, ...], channels: int) -> None:
        super().__init__()
        self.edges = nb201_adapter.EDGES
        self.ops = nn.ModuleList(build_op(op, channels, 1) for op in edge_ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            nodes.append(sum(op(nodes[src]) for op, (src, dst) in zip(self.ops, self.edges) if dst == target))
        return nodes[3]


class ResidualReduction(nn.Module):
    """NATS-Bench's reduction block: two ReLU-Conv-BN 3x3 (first with stride 2) + pooled 1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, 3, stride=2, c_out=c_out)
        self.conv_b = ReLUConvBN(c_out, 3, stride=1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))



class NB201Network(nn.Module):
    """The NATS-Bench TSS network for one cell (``channels=16``, ``cells_per_stage=5`` as benchmarked).

    ``share_cells=True`` makes the cells of a stage one module called ``cells_per_stage`` times (weights shared):
    the forward runs the same operations, so its autograd graph and SEval string are those of the benchmark
    network, for a fifth of the build cost (:func:`~clue_plugins.networks.strings.spec_strings` uses it). Not
    for training or counting parameters.
    """

    def __init__(self, spec: ArchSpec, num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5,
                 share_cells: bool = False) -> None:
        super().__init__()
        ops = nb201_adapter.edge_ops(spec)
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            if share_cells:
                cell = NB201Cell(ops, c)
                layers += [cell] * cells_per_stage
            else:
                layers += [NB201Cell(ops, c) for _ in range(cells_per_stage)]
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.pool(out), 1))
