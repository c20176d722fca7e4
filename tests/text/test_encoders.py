import numpy as np
import pytest

from clue_plugins import ClueError, MissingDataError
from clue_plugins.text import get_encoder
from clue_plugins.text.cache import EmbeddingCache

PROMPTS = ["The architecture has 8 nodes: input, conv_3x3, none, skip_connect, avg_pool_3x3, conv_1x1, conv_3x3, output.",
           "The architecture has 4 nodes: input, conv_3x3, max_pool_3x3, output."]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))


def test_minilm_is_real_pretrained_and_cached(tmp_path):
    enc = get_encoder("minilm")
    x = enc.encode(PROMPTS + [PROMPTS[0]])
    assert x.shape == (3, 384) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(x[0], x[2])
    # pretrained weights give related texts related embeddings; random weights would not separate these
    sims = x @ enc.encode(["a convolutional neural network layer", "a recipe for banana bread"]).T
    assert sims[:, 0].mean() > sims[:, 1].mean()
    assert len(EmbeddingCache(enc.identity)) == 4  # every distinct text, under the encoder's identity
    again = enc.encode(PROMPTS)
    np.testing.assert_array_equal(again, x[:2])


def test_unknown_encoder():
    with pytest.raises(ClueError, match="unknown text encoder"):
        get_encoder("word2vec-from-1990")


def test_clip_text_tower_from_local_state_dict(tmp_path):
    """Mechanics only: a state dict the test writes (random init), never used to report quality."""
    open_clip = pytest.importorskip("open_clip")
    import torch

    from clue_plugins.text.encoders import CLIPTextEncoder

    torch.manual_seed(0)
    model = open_clip.create_model("RN50", pretrained=None)
    path = tmp_path / "rn50.pt"
    torch.save(model.state_dict(), path)
    enc = CLIPTextEncoder("RN50", weights=str(path))
    assert enc.dim == 1024
    x = enc.encode(PROMPTS)
    assert x.shape == (2, 1024) and np.isfinite(x).all()
    with torch.no_grad():
        ref = model.eval().encode_text(open_clip.get_tokenizer("RN50")(PROMPTS)).numpy()
    np.testing.assert_allclose(x, ref, rtol=1e-4, atol=1e-5)
    assert len(EmbeddingCache(enc.identity)) == 2


def test_clip_without_weights_offline_says_how_to_provide_them(tmp_path, monkeypatch):
    pytest.importorskip("open_clip")
    from clue_plugins.text.encoders import CLIPTextEncoder

    monkeypatch.delenv("CLUE_CLIP_WEIGHTS", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MissingDataError, match="--clip-weights"):
        CLIPTextEncoder("RN50").encode(PROMPTS)
    with pytest.raises(MissingDataError, match="does not exist"):
        CLIPTextEncoder("RN50", weights=str(tmp_path / "nope.pt")).encode(PROMPTS)


def test_resolve_encoder_from_instance_name_path_and_back(tmp_path):
    from clue_plugins.errors import ConfigError
    from clue_plugins.text import encoder_source, get_encoder, resolve_encoder

    enc = get_encoder("none")
    assert resolve_encoder(enc) is enc and resolve_encoder("none") is enc and encoder_source(enc) == "none"
    minilm = resolve_encoder("minilm")
    assert minilm.source == "minilm" and resolve_encoder(minilm.source) is minilm
    folder = resolve_encoder(minilm.model_path)  # a sentence-transformers folder is that model
    assert folder.source == f"minilm:{minilm.model_path}" and folder.identity == minilm.identity
    assert resolve_encoder(folder.source) is folder
    with pytest.raises(ConfigError, match="unknown text encoder"):
        resolve_encoder("word2vec-from-1990")
    with pytest.raises(ConfigError, match="text_encoder must be"):
        resolve_encoder(3)


def test_clip_weights_path_and_name_with_weights(tmp_path):
    pytest.importorskip("open_clip")
    from clue_plugins.text import CLIPTextEncoder, resolve_encoder

    weights = tmp_path / "rn50.pt"
    weights.write_bytes(b"")  # resolving builds nothing yet: the file is read at the first encode
    enc = resolve_encoder(str(weights))
    assert isinstance(enc, CLIPTextEncoder) and enc.model_name == "RN50" and enc.weights == str(weights)
    assert enc.source == f"clip-RN50:{weights}" and resolve_encoder(enc.source).weights == str(weights)
    assert resolve_encoder(f"clip-rn50:{weights}").weights == str(weights)
