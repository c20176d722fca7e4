"""The one training loop and the one ranking loss of every torch predictor (CLUE-NAS, SEval's MLP heads,
the MLP/GCN baselines).

Mini-batches are drawn with replacement from a seeded ``torch.Generator``; the loop never touches torch's
global generator (seed layer initialisation with :func:`clue_plugins._state.seeded_torch`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["pairwise_rank_loss", "run_steps", "train_minibatches"]


def pairwise_rank_loss(pred: Any, target: Any, sharpness: float, weight: float = 1.0) -> Any:
    """``weight`` times the logistic loss over every ordered pair of a batch,
    ``softplus(-sign(t_i - t_j) * s * (p_i - p_j))``, averaged over the pairs whose targets differ (rank
    correlation only rewards order).

    ``sharpness`` scales prediction differences into the logistic's working range (CLUE predicts fractions:
    100; SEval heads predict min-max scaled targets: 10).
    """
    import torch
    import torch.nn.functional as F

    diff = (pred[:, None] - pred[None, :]) * sharpness
    order = torch.sign(target[:, None] - target[None, :])
    return weight * (F.softplus(-order * diff) * order.abs()).sum() / order.abs().sum().clamp(min=1)


def train_minibatches(net: Any, optimizer: Any, batch_loss: Callable[[Any], Any], n: int, *, batch_size: int,
                      steps_per_epoch: int, epochs: int = 1, generator: Any,
                      lr_schedule: Callable[[int], float | None] | None = None) -> Any:
    """Train ``net`` in place and return it in eval mode.

    Each step draws ``batch_size`` indices in ``[0, n)`` with replacement from ``generator`` and minimises
    ``batch_loss(indices)``; ``lr_schedule(epoch)`` (optional) gives a new learning rate at the start of an epoch,
    or None to keep the current one.
    """
    import torch

    net.train()
    run_steps(optimizer, lambda: batch_loss(torch.randint(0, n, (batch_size,), generator=generator)),
              steps_per_epoch=steps_per_epoch, epochs=epochs, lr_schedule=lr_schedule)
    return net.eval()


def run_steps(optimizer: Any, step_loss: Callable[[], Any], *, steps_per_epoch: int, epochs: int = 1,
              lr_schedule: Callable[[int], float | None] | None = None) -> None:
    """``epochs`` times ``steps_per_epoch`` optimiser steps on ``step_loss()`` (which draws its own batch), with
    ``lr_schedule`` as in :func:`train_minibatches`."""
    for epoch in range(epochs):
        if lr_schedule is not None:
            lr = lr_schedule(epoch)
            if lr is not None:
                for group in optimizer.param_groups:
                    group["lr"] = lr
        for _ in range(steps_per_epoch):
            loss = step_loss()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
