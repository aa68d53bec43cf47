"""Counting where each estimator is lowest. Truths: a hand-made table, and Mohamed et al.'s Figure 2
fact that the pathwise d/dmu variance of (x - k)^2 (4 sigma^2) beats both score-function curves at every k."""

import numpy as np
import pytest

import pgviz
from pgviz.costs import COSTS, k
from pgviz.rankings import lowest_counts, lowest_estimator
from pgviz.studies import exact_variance_curve


def test_hand_made_table():
    curves = {"a": np.array([[1.0, 5.0], [3.0, 0.5]]), "b": np.array([[2.0, 1.0], [2.0, 0.4]])}
    assert lowest_estimator(curves).tolist() == [["a", "b"], ["b", "b"]]
    assert lowest_counts(curves) == {"a": [1, 0], "b": [1, 2]}


def test_pathwise_wins_figure_2_among_the_three():
    ks = np.linspace(-3, 3, 13)
    dist = pgviz.Gaussian(1.0, 1.0)
    curves = {name: exact_variance_curve(COSTS["square"][0], k, ks, dist, name) for name in pgviz.ESTIMATORS}
    assert lowest_counts(curves)["pathwise"][0] == ks.size


@pytest.mark.parametrize(
    "curves, error",
    [({}, TypeError), ([np.ones((2, 2))], TypeError), ({"a": np.ones((2, 2)), "b": np.ones((3, 2))}, ValueError)],
)
def test_bad_arguments(curves, error):
    with pytest.raises(error):
        lowest_counts(curves)
