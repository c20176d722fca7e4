"""Accuracy-latency fronts and their hypervolume."""

import numpy as np
import pytest

from clue_plugins.search import hypervolume, pareto_front


def test_pareto_front_and_hypervolume():
    pts = np.array([[90, 5.0], [92, 8.0], [91, 9.0], [93, 20.0], [89, 4.0]])  # (accuracy, latency)
    np.testing.assert_array_equal(pareto_front(pts), [[89, 4.0], [90, 5.0], [92, 8.0], [93, 20.0]])
    # inside latency <= 10, accuracy >= 88: (89-88)*(10-4) + (90-89)*(10-5) + (92-90)*(10-8)
    assert hypervolume(pts, 88.0, 10.0) == pytest.approx(6 + 5 + 4)
    assert hypervolume(pts, 95.0, 10.0) == 0.0
    assert hypervolume(pts[:1], 88.0, 10.0) < hypervolume(pts, 88.0, 10.0)


def test_an_empty_set_has_an_empty_front():
    assert pareto_front(np.empty((0, 2))).shape == (0, 2)
    assert hypervolume([], 88.0, 10.0) == 0.0
