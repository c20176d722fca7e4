"""A user-defined NNI model space: a small MobileNetV2-like network for 32x32 images.

Everything a user's own space may hold: an ``nni.choice`` width (the stem), ``LayerChoice`` blocks (kernel size and
expansion of each inverted-residual block) and ``Repeat`` depths (blocks per stage). Used by
``examples/06_user_space_latency.ipynb``, ``benchmarks/bench_user_space.py`` and the tests; nothing in it is known
to clue-plugins beyond what NNI exposes.
"""

from __future__ import annotations

import nni
import torch
from nni.nas.nn.pytorch import LayerChoice, ModelSpace, MutableBatchNorm2d, MutableConv2d, Repeat
from torch import nn

#: (output channels, stride of the first block, (min, max) blocks) per stage
STAGES = ((24, 2, (1, 3)), (40, 2, (1, 3)), (80, 2, (1, 2)))
#: candidate (kernel, expansion) of every block
BLOCKS = ((3, 3), (3, 6), (5, 3), (5, 6))


class InvertedResidual(nn.Module):
    """1x1 expansion, depthwise kxk, 1x1 projection (residual when shapes allow)."""

    def __init__(self, c_in, c_out: int, kernel: int, expand: int, stride: int) -> None:
        super().__init__()
        hidden = c_in * expand
        self.residual = stride == 1 and c_in == c_out
        self.body = nn.Sequential(
            MutableConv2d(c_in, hidden, 1, bias=False), MutableBatchNorm2d(hidden), nn.ReLU6(inplace=True),
            MutableConv2d(hidden, hidden, kernel, stride=stride, padding=kernel // 2, groups=hidden, bias=False),
            MutableBatchNorm2d(hidden), nn.ReLU6(inplace=True),
            MutableConv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return x + out if self.residual else out


def _block(label: str, c_in, c_out: int, stride: int) -> LayerChoice:
    return LayerChoice({f"k{k}e{e}": InvertedResidual(c_in, c_out, k, e, stride) for k, e in BLOCKS}, label=label)


class TinyMobileNetSpace(ModelSpace):
    """About 3,800 x 64 x 16 x 4 architectures (stem width, per-block kernel/expansion, depths)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        width = nni.choice("stem_width", [16, 24, 32])
        self.stem = nn.Sequential(MutableConv2d(3, width, 3, padding=1, bias=False), MutableBatchNorm2d(width),
                                  nn.ReLU6(inplace=True))
        stages, c_in = [], width
        for s, (c_out, stride, depth) in enumerate(STAGES):
            first = _block(f"s{s}_b0", c_in, c_out, stride)
            rest = Repeat(lambda i, s=s, c_out=c_out: _block(f"s{s}_b{i + 1}", c_out, c_out, 1),
                          (depth[0] - 1, depth[1] - 1), label=f"s{s}_depth")
            stages += [first, rest]
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.Conv2d(c_in, 160, 1, bias=False), nn.BatchNorm2d(160), nn.ReLU6(inplace=True),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(160, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))
