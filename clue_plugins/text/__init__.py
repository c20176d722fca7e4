"""Text encoders for prompts (CLIP through open_clip, offline MiniLM) with an on-disk cache."""

from clue_plugins.text.encoders import (
    DEFAULT_ENCODER,
    CLIPTextEncoder,
    MiniLMEncoder,
    NullEncoder,
    TextEncoder,
    available_encoders,
    encoder_source,
    get_encoder,
    register_encoder,
    resolve_encoder,
)

__all__ = ["DEFAULT_ENCODER", "CLIPTextEncoder", "MiniLMEncoder", "NullEncoder", "TextEncoder", "available_encoders",
           "encoder_source", "get_encoder", "register_encoder", "resolve_encoder"]
