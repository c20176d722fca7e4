"""FreeREA's training-free proxies on real networks, FreeREA's relative fitness, merged oracles."""

import numpy as np
import pytest
import torch

from adapters import to_spec
from clue_plugins import ClueError
from clue_plugins.networks import build_network
from clue_plugins.objectives import Objective
from clue_plugins.search import (Budget, Evolution, MergedScorer, ProxyScorer, RelativeFitness, SpaceOps)
from clue_plugins.search.proxies import fallback_batch, logsynflow, naswot, skip_reach

GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
POOL_ONLY = "|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|avg_pool_3x3~2|"
DEAD = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    return ProxyScorer(batch_size=8, cache_root=tmp_path_factory.mktemp("proxies"))


def test_skip_reach_follows_freerea():
    # skip edges 0->3 (jumps nodes 1, 2) and 1->3 (jumps node 2): mean 1.5
    spec = to_spec("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|skip_connect~1|nor_conv_3x3~2|")
    assert skip_reach(spec) == 1.5
    assert skip_reach(to_spec(GOOD)) == 2.0 and skip_reach(to_spec(DEAD)) == 0.0
    darts = SpaceOps("nb301").sample(np.random.default_rng(0))
    assert skip_reach(darts) >= 0.0
    assert skip_reach(SpaceOps("nb101").sample(np.random.default_rng(0))) >= 0.0


def test_proxies_rank_a_conv_cell_above_a_pooling_cell_and_a_dead_one(scorer):
    good, pool, dead = scorer([to_spec(GOOD), to_spec(POOL_ONLY), to_spec(DEAD)])
    assert good["logsynflow"] > pool["logsynflow"] >= dead["logsynflow"] == 0.0
    assert good["naswot"] > dead["naswot"]
    assert dead["naswot"] == 0.0  # the output ignores the input: a singular kernel scores lowest, not -inf


def test_logsynflow_restores_the_network_and_ignores_the_batch():
    torch.manual_seed(0)
    net = build_network(to_spec(GOOD))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    a = logsynflow(net, (8, 3, 32, 32))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert logsynflow(net, (8, 3, 32, 32)) == pytest.approx(a)
    photos, noise = fallback_batch("photos", 8), fallback_batch("noise", 8)
    assert naswot(net, photos) != naswot(net, noise)  # NASWOT depends on the images, logsynflow does not


def test_scores_are_cached_by_content(tmp_path):
    first = ProxyScorer(batch_size=8, cache_root=tmp_path)
    spec = to_spec(GOOD)
    a = first([spec])[0]
    assert a["proxy_s"] > 0
    again = ProxyScorer(batch_size=8, cache_root=tmp_path)([spec])[0]
    assert again["proxy_s"] == 0.0 and again["naswot"] == pytest.approx(a["naswot"], rel=1e-6)
    other_batch = ProxyScorer(batch_size=8, fallback="noise", cache_root=tmp_path)([spec])[0]
    assert other_batch["proxy_s"] > 0  # another batch is another key


def test_user_batches_are_checked():
    with pytest.raises(ClueError, match="N x 3 x H x W"):
        ProxyScorer(images=np.zeros((4, 32, 32)), cache=False)
    with pytest.raises(ClueError, match="unknown fallback"):
        ProxyScorer(fallback="cifar", cache=False)
    user = ProxyScorer(images=torch.randn(6, 3, 32, 32), cache=False)
    assert tuple(user.images.shape) == (6, 3, 32, 32)


def test_relative_fitness_is_freereas_max_normalised_sum():
    ms = [{"logsynflow": 10.0, "naswot": 100.0, "skip_reach": 0.0},
          {"logsynflow": 5.0, "naswot": 200.0, "skip_reach": 2.0}]
    np.testing.assert_allclose(RelativeFitness()(ms), [1.0 + 0.5 + 0.0, 0.5 + 1.0 + 1.0], rtol=1e-6)
    with pytest.raises(ClueError, match="needs metric 'accuracy'"):
        RelativeFitness({"accuracy": 1.0})(ms)
    with pytest.raises(ClueError, match="budgets only"):
        RelativeFitness(objective=Objective("weighted", latency_weight=1.0))


def test_relative_fitness_puts_every_feasible_cell_first():
    objective = Objective("budget", latency_budget=5.0)
    ms = [{"naswot": 100.0, "latency": 9.0}, {"naswot": 10.0, "latency": 4.0}, {"naswot": 50.0, "latency": 6.0}]
    f = RelativeFitness({"naswot": 1.0}, objective)(ms)
    assert f[1] > f[2] > f[0]  # feasible first; infeasible by relative excess


def test_freerea_search_with_proxies_and_a_merged_oracle(scorer, nb201_table):
    from clue_plugins.search import TableScorer

    table = TableScorer("cifar10", device="pixel3", table=nb201_table)
    run = Evolution(population_size=8, tournament_size=4).run("nb201", MergedScorer(scorer, table), Budget(queries=14),
                                                              seed=0, fitness=RelativeFitness())
    assert run.queries == 14 and run.steps >= 2
    assert {"logsynflow", "naswot", "skip_reach", "accuracy", "latency"} <= set(run.answer.metrics)
    fit = RelativeFitness()([r.metrics for r in run.history])
    assert run.answer.spec.key == run.history[int(np.argmax(fit))].spec.key  # the history's best by the score


def test_proxy_device_is_checked_and_cpu_scores_are_unchanged():
    import torch

    from clue_plugins.errors import ConfigError
    from clue_plugins.search.proxies import ProxyScorer

    with pytest.raises(ConfigError, match="torch device"):
        ProxyScorer(fallback="noise", batch_size=4, device="toaster", cache=False)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="needs a CUDA GPU"):
            ProxyScorer(fallback="noise", batch_size=4, device="cuda", cache=False)
    from adapters import to_spec

    spec = to_spec((2, 2, 3, 0, 2, 4), space="nb201")
    cpu = ProxyScorer(fallback="noise", batch_size=4, cache=False)
    explicit = ProxyScorer(fallback="noise", batch_size=4, cache=False, device="cpu")
    assert cpu.identity == explicit.identity  # CPU scores keep their cache key
    a, b = cpu.score_one(spec), explicit.score_one(spec)
    assert (a["logsynflow"], a["naswot"]) == (b["logsynflow"], b["naswot"])
