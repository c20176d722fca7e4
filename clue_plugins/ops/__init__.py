"""Operation vocabulary, torch builders and the soft-metric table."""

from clue_plugins.ops.vocabulary import ALIASES, CANONICAL_OPS, canonical_op, parse_family


def register_op(name, builder=None):
    """Register a torch builder ``(channels, stride) -> nn.Module`` for a new op (imports torch)."""
    from clue_plugins.ops.builders import register_op as _register

    return _register(name, builder)


__all__ = ["ALIASES", "CANONICAL_OPS", "canonical_op", "parse_family", "register_op"]
