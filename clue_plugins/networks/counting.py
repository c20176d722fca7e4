"""Parameter and FLOP counts in the NATS-Bench convention, so our networks compare with its table.

Parameters: every trainable parameter (BN running statistics are buffers, not counted), in millions.
FLOPs: multiply-accumulates of ``Conv2d`` and ``Linear`` layers (plus their biases) for one input
image, in millions; pooling, BN, activations and additions are not counted, as in NATS-Bench.
"""

from __future__ import annotations

import torch
from torch import nn


def count_params_m(model: nn.Module) -> float:
    """Trainable parameters in millions."""
    return sum(p.numel() for p in model.parameters()) / 1e6


def count_flops_m(model: nn.Module, input_shape: tuple[int, ...] = (1, 3, 32, 32)) -> float:
    """Conv + Linear multiply-accumulates per image (millions), NATS-Bench's FLOPs definition."""
    total = 0.0

    def conv_hook(mod: nn.Conv2d, _inp, out: torch.Tensor) -> None:
        nonlocal total
        positions = out.shape[0] * out.shape[2] * out.shape[3]
        kh, kw = mod.kernel_size
        total += positions * kh * kw * mod.in_channels * mod.out_channels / mod.groups
        if mod.bias is not None:
            total += positions * mod.out_channels

    def linear_hook(mod: nn.Linear, inp, _out) -> None:
        nonlocal total
        batch = inp[0].shape[0]
        total += batch * mod.in_features * mod.out_features + (batch * mod.out_features if mod.bias is not None else 0)

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(linear_hook))
    was_training = model.training
    device = next(model.parameters()).device  # a model built on the meta device counts without arithmetic
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(input_shape, device=device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return total / input_shape[0] / 1e6
