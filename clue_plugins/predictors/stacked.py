"""Several small networks of one shape trained as one: each ``nn.Linear`` of K networks becomes a (K, in, out)
weight used through one batched matmul, so a step costs one forward, one backward and one optimiser call instead of K.

Why: a fit of CLUE's default trains one network per cross-validation fold, and a step of these small networks is
mostly fixed per-call cost (profile in docs/results/SPEED.md), so K networks cost about one. The arithmetic of each
network is its own (its own weights, batches, gradients and Adam moments: Adam is elementwise), so network k trains
as it would alone, up to the rounding of the batched matmul.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["StackedLinears", "stacked_rank_loss"]


class StackedLinears:
    """The ``nn.Linear`` layers found (in ``named_modules`` order) in ``nets``, stacked over the networks.

    ``params()`` are the leaf tensors to optimise (``trainable=False``: a frozen copy for inference); ``apply(name, x)`` maps a (K, B, in) batch through layer
    ``name`` of every network at once; ``write_back()`` copies the trained weights into ``nets``.
    """

    def __init__(self, nets: Sequence[Any], trainable: bool = True) -> None:
        import torch
        from torch import nn

        nets = list(nets)
        # a frozen copy keeps no reference to the networks (caches of it must not keep them alive)
        self.nets = nets if trainable else []
        names = [n for n, m in nets[0].named_modules() if isinstance(m, nn.Linear)]
        self.weight: dict[str, Any] = {}
        self.bias: dict[str, Any] = {}
        for name in names:
            layers = [net.get_submodule(name) for net in nets]
            # (K, in, out): x @ W is the batched form of F.linear(x, weight) with weight (out, in)
            self.weight[name] = torch.stack([m.weight.detach().t() for m in layers]).contiguous().requires_grad_(trainable)
            self.bias[name] = torch.stack([m.bias.detach() for m in layers])[:, None, :].contiguous().requires_grad_(trainable)

    def params(self) -> list[Any]:
        return [t for name in self.weight for t in (self.weight[name], self.bias[name])]

    def apply(self, name: str, x: Any) -> Any:
        import torch

        return torch.baddbmm(self.bias[name], x, self.weight[name])

    def write_back(self) -> list[Any]:
        """The networks, holding the trained weights, in eval mode."""
        import torch

        with torch.no_grad():
            for k, net in enumerate(self.nets):
                for name in self.weight:
                    layer = net.get_submodule(name)
                    layer.weight.copy_(self.weight[name][k].t())
                    layer.bias.copy_(self.bias[name][k, 0])
        return [net.eval() for net in self.nets]


def stacked_rank_loss(pred: Any, target: Any, sharpness: float, weight: float = 1.0) -> Any:
    """:func:`~clue_plugins.predictors.training.pairwise_rank_loss` of each of K (K, B) batches, summed over K."""
    import torch.nn.functional as F

    diff = (pred[:, :, None] - pred[:, None, :]) * sharpness
    order = (target[:, :, None] - target[:, None, :]).sign()
    mask = order.abs()
    return weight * ((F.softplus(-order * diff) * mask).sum((1, 2)) / mask.sum((1, 2)).clamp(min=1)).sum()
