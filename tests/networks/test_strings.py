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
