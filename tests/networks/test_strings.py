"""Network -> SEval string: exact format on a hand-built module, determinism, errors."""

import pytest
import torch
from torch import nn

from clue_plugins import NetworkError
from clue_plugins.networks import build_network, network_string
from clue_plugins.networks.strings import node_types


class TwoBranch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.b = nn.Conv2d(3, 8, 1, stride=1, groups=1, bias=False)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        y = torch.relu(self.a(x)) + self.b(x)
        return self.fc(y.mean(dim=(2, 3)))


def test_format_on_a_hand_built_module():
    text = network_string(TwoBranch(), torch.zeros(1, 3, 8, 8))
    assert text == ("0_Input 1_Convolution[f8,k3x3,s1](0) 2_Relu(1) 3_Convolution[f8,k1x1,s1](0) 4_Add(2,3) "
                    "5_Mean(4) 6_Addmm[u5](5)")


def test_node_types_drop_ids_and_inputs():
    text = network_string(TwoBranch(), torch.zeros(1, 3, 8, 8))
    assert node_types(text) == ["Input", "Convolution[f8,k3x3,s1]", "Relu", "Convolution[f8,k1x1,s1]", "Add", "Mean", "Addmm[u5]"]
    with pytest.raises(NetworkError, match="not an SEval node token"):
        node_types("0_Input conv3x3")


def test_grouped_strided_dilated_convolutions_are_described():
    m = nn.Sequential(nn.Conv2d(4, 4, 3, stride=2, padding=2, dilation=2, groups=4), nn.Flatten(), nn.Linear(16, 3, bias=False))
    text = network_string(m, torch.zeros(1, 4, 4, 4))
    assert "1_Convolution[f4,k3x3,s2,g4,d2](0)" in text
    assert text.split()[-1].startswith(("3_Mm[u3]", "3_MmBackward"))  # Linear without bias is a plain matmul


def test_deterministic_and_independent_of_weights(nb201_table):
    spec = nb201_table.specs[123]
    torch.manual_seed(0)
    a = network_string(build_network(spec))
    torch.manual_seed(1)
    b = network_string(build_network(spec))
    assert a == b and a.startswith("0_Input 1_Convolution[f16,k3x3,s1](0)")
    assert len(a.split()) > 150  # the whole network, not one cell


def test_different_cells_give_different_strings(nb201_table):
    assert network_string(build_network(nb201_table.specs[1])) != network_string(build_network(nb201_table.specs[2]))


def test_eval_mode_is_restored_and_bn_stats_untouched():
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    m.train()
    before = m[1].running_mean.clone()
    network_string(m, torch.randn(2, 3, 8, 8))
    assert m.training and torch.equal(before, m[1].running_mean)


def test_deep_module_does_not_hit_the_recursion_limit():
    m = nn.Sequential(*[nn.ReLU() for _ in range(3000)])
    assert network_string(m, torch.zeros(1, 2)).split()[-1] == "3000_Relu(2999)"


def test_errors_name_the_problem():
    with pytest.raises(NetworkError, match="forward failed.*shape \\[\\(1, 3, 32, 32\\)\\].*example_input"):
        network_string(nn.Linear(7, 2))
    with pytest.raises(NetworkError, match="nn.Module"):
        network_string("not a module")

    class Constant(nn.Module):
        def forward(self, x):
            return torch.ones(3)

    with pytest.raises(NetworkError, match="does not depend on its input"):
        network_string(Constant())


# -- inputs that are not one image tensor: token ids, dicts, lists, several arguments --------------------------


class TextTransformer(nn.Module):
    """A text classifier on integer token ids (embedding + transformer encoder + linear head)."""

    def __init__(self, vocab: int = 100, dim: int = 32) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Embedding(64, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 64, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(dim, 2)

    def forward(self, input_ids, attention_mask=None):
        pos = torch.arange(input_ids.shape[1])
        h = self.tokens(input_ids) + self.positions(pos)[None]
        pad = None if attention_mask is None else attention_mask == 0
        return self.head(self.encoder(h, src_key_padding_mask=pad).mean(1))


class LSTMText(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.lstm = nn.LSTM(16, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, ids):
        out, _ = self.lstm(self.embed(ids))
        return self.fc(out[:, -1])


class TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.Linear(4, 8), nn.Linear(6, 8), nn.Linear(8, 1)


class DictBatch(TwoInputs):
    def forward(self, batch):
        return self.c(torch.relu(self.a(batch["x"]) + self.b(batch["y"])))


class ListOfTensors(TwoInputs):
    def forward(self, xs):
        return self.c(self.a(xs[0]) * self.b(xs[1]))


class TwoArguments(TwoInputs):
    def forward(self, x, y):
        return self.c(self.a(x) - self.b(y))


IDS = torch.randint(0, 100, (1, 12), generator=torch.Generator().manual_seed(0))


def test_token_ids_are_traced_through_the_embedding_and_every_layer():
    torch.manual_seed(0)
    text = network_string(TextTransformer(), IDS)
    types = node_types(text)
    assert text.startswith("0_Input 1_Embedding(0) 2_Add(1)")
    assert types.count("Embedding") == 1  # the position lookup reads no input: folded away like a weight
    assert types.count("Addmm[u96]") == 2 and "Addmm[u2]" in types  # both layers' q/k/v projections, the head
    assert sum("Attention" in t for t in types) == 2 and types.count("NativeLayerNorm") == 4
    torch.manual_seed(1)
    assert network_string(TextTransformer(), IDS) == text  # independent of the weights
    lstm = network_string(LSTMText(), torch.randint(0, 50, (2, 7)))
    assert lstm.startswith("0_Input 1_Embedding(0)") and lstm.split()[-1].startswith("7_Addmm[u3]")
    assert any("Rnn" in t or "Lstm" in t for t in node_types(lstm))


def test_dict_inputs_as_keyword_arguments_or_as_one_argument():
    model = TextTransformer()
    mask = torch.ones(1, 12, dtype=torch.long)
    with_mask = network_string(model, {"input_ids": IDS, "attention_mask": mask})  # model(**inputs)
    assert with_mask.startswith("0_Input 1_Embedding(0)") and node_types(with_mask).count("Input") == 2
    assert network_string(model, {"input_ids": IDS}) == network_string(model, IDS)
    batch = network_string(DictBatch(), {"x": torch.zeros(1, 4), "y": torch.zeros(1, 6)})  # model(batch)
    assert batch == "0_Input 1_Addmm[u8](0) 2_Input 3_Addmm[u8](2) 4_Add(1,3) 5_Relu(4) 6_Addmm[u1](5)"


def test_lists_and_several_positional_arguments():
    xs = [torch.zeros(1, 4), torch.zeros(1, 6)]
    expected = "0_Input 1_Addmm[u8](0) 2_Input 3_Addmm[u8](2) 4_Mul(1,3) 5_Addmm[u1](4)"
    assert network_string(ListOfTensors(), xs) == expected  # a list is the one argument
    assert network_string(ListOfTensors(), (xs,)) == expected
    assert network_string(TwoArguments(), tuple(xs)) == expected.replace("Mul", "Sub")  # a tuple: the arguments
    assert network_string(TwoArguments(), example_input=tuple(xs)) == expected.replace("Mul", "Sub")  # older name


def test_frozen_text_model_is_traced_and_stays_frozen():
    model = LSTMText().requires_grad_(False)
    text = network_string(model, torch.randint(0, 50, (2, 7)))
    assert text.startswith("0_Input 1_Embedding(0)") and len(text.split()) == 8
    assert not any(p.requires_grad for p in model.parameters())


def test_untraceable_models_are_refused_with_the_module_and_the_fix():
    with pytest.raises(NetworkError, match=r"TextTransformer.forward failed.*Embedding layer.*token ids.*"
                                           r"example_inputs=.*torch.randint\(0, 100, \(1, 16\)\)"):
        network_string(TextTransformer())  # the default image batch cannot index an embedding

    class NoGradInside(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(nn.Linear(4, 4))
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            with torch.no_grad():
                x = self.features(x)
            return self.head(x)

    with pytest.raises(NetworkError, match=r"NoGradInside's output .*stops at 'features.0' \(Linear\).*example_inputs="):
        network_string(NoGradInside(), torch.zeros(1, 4))

    class IgnoresTokens(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(3))

        def forward(self, ids):
            return self.bias * 2

    with pytest.raises(NetworkError, match="IgnoresTokens's output is not computed from its input"):
        network_string(IgnoresTokens(), IDS)  # never an empty string
    with pytest.raises(NetworkError, match="holds no tensor"):
        network_string(IgnoresTokens(), ("text",))
    with pytest.raises(NetworkError, match="not both"):
        network_string(DictBatch(), torch.zeros(1, 4), example_input=torch.zeros(1, 4))
    with pytest.raises(NetworkError, match=r"shape \{'x': \(1, 4\), 'z': \(1, 6\) int64\}"):
        network_string(DictBatch(), {"x": torch.zeros(1, 4), "z": torch.zeros(1, 6, dtype=torch.long)})


def test_string_cache_recovers_from_a_damaged_file_and_imports_the_old_format(tmp_path, monkeypatch):
    import gzip
    import json

    from adapters import to_spec
    from clue_plugins import _kvstore
    from clue_plugins.networks.strings import STRING_FORMAT, StringCache, spec_strings

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_kvstore, "_SEEN", {})
    specs = [to_spec((i, 2, 3, 2, 3, 1), space="nb201") for i in range(3)]
    folder = tmp_path / "strings"
    folder.mkdir()
    with gzip.open(folder / f"{STRING_FORMAT}-c10.json.gz", "wt", encoding="utf-8") as fh:
        json.dump({specs[0].key: "0_Input 1_Old(0)"}, fh)  # written by an earlier version
    first = spec_strings(specs)
    assert first[0] == "0_Input 1_Old(0)" and all(s.startswith("0_Input") for s in first[1:])
    monkeypatch.setattr(_kvstore, "_SEEN", {})
    StringCache().close()
    path = folder / f"{STRING_FORMAT}-c10.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    for side in folder.glob("*.sqlite-*"):
        side.unlink()
    with pytest.warns(RuntimeWarning, match="damaged"):
        again = spec_strings(specs[1:])
    assert again == first[1:]
    assert (folder / f"{STRING_FORMAT}-c10.sqlite.corrupt").exists()


def test_a_space_s_cheaper_string_network_gives_the_same_string():
    import numpy as np

    from adapters import to_spec
    from clue_plugins.networks import build_network
    from clue_plugins.networks.strings import network_string, spec_string

    rng = np.random.default_rng(0)
    for ops in rng.integers(0, 5, size=(12, 6)):
        spec = to_spec(tuple(int(o) for o in ops), space="nb201")
        assert spec_string(spec) == network_string(build_network(spec))
