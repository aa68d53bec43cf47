"""A cost family and its derivative on a grid. Truths: numpy's own cos(kx) and -k sin(kx), and
central differences of the values."""

import numpy as np
import pytest
import sympy as sp

from pgviz.cost_profiles import cost_profiles
from pgviz.costs import COSTS, k


def test_cosine_values_and_derivatives():
    ks, xs = np.array([0.5, 1.0, 5.0]), np.linspace(-3, 3, 13)
    values, derivatives = cost_profiles(COSTS["cosine"][0], k, ks, xs)
    np.testing.assert_allclose(values, np.cos(ks[:, None] * xs), atol=1e-14)
    np.testing.assert_allclose(derivatives, -ks[:, None] * np.sin(ks[:, None] * xs), atol=1e-14)


def test_derivative_is_the_slope_of_the_values():
    ks, xs, h = np.array([0.1, 1.0, 10.0]), np.linspace(-3, 3, 7), 1e-6
    _, derivatives = cost_profiles(COSTS["bump"][0], k, ks, xs)
    up, _ = cost_profiles(COSTS["bump"][0], k, ks, xs + h)
    down, _ = cost_profiles(COSTS["bump"][0], k, ks, xs - h)
    np.testing.assert_allclose(derivatives, (up - down) / (2 * h), atol=1e-7)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: cost_profiles(COSTS["cosine"][0], "k", [1.0], [0.0]), TypeError),
        (lambda: cost_profiles(COSTS["cosine"][0] + sp.Symbol("y"), k, [1.0], [0.0]), ValueError),
        (lambda: cost_profiles(COSTS["cosine"][0], k, "1", [0.0]), TypeError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
