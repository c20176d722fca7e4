"""Text encoders for prompts (CLIP through open_clip, offline MiniLM) with an on-disk cache."""

from clue_plugins.text.encoders import (
    DEFAULT_ENCODER,
    CLIPTextEncoder,
    MiniLMEncoder,
    TextEncoder,
    available_encoders,
    get_encoder,
    register_encoder,
)

__all__ = ["DEFAULT_ENCODER", "CLIPTextEncoder", "MiniLMEncoder", "TextEncoder", "available_encoders", "get_encoder",
           "register_encoder"]
