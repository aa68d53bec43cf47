"""Samples needed for a given error: N = z^2 Var / tolerance^2.

Truths: notebook 02's numbers (Var 30, tolerance 0.2: 750 for one SE, 750 * 1.96^2 for 95%); the
normal coverage of one and two SE; and a seeded simulation: with N from samples_needed(level=0.9),
the share of score-function estimates within the tolerance is 0.9 (5 SE of a proportion).
"""

import numpy as np
import pytest

import pgviz
from pgviz.sample_size import coverage, samples_needed, z_value


def test_closed_forms():
    assert samples_needed(30.0, 0.2) == pytest.approx(750.0)
    assert samples_needed(30.0, 0.2, level=0.95) == pytest.approx(750.0 * 1.959963984540054**2)
    assert coverage(1.0) == pytest.approx(0.682689492, abs=1e-9)
    assert coverage(2.0) == pytest.approx(0.954499736, abs=1e-9)
    assert z_value(coverage(1.5)) == pytest.approx(1.5)


def test_simulated_coverage():
    dist, f = pgviz.Gaussian(1.0, 1.0), pgviz.parse_cost("(x - 2)**2")
    variance, tolerance, level = 30.0, 0.4, 0.9
    n = int(np.ceil(samples_needed(variance, tolerance, level)))
    repeats = 1500
    estimates = pgviz.score_function(f, dist, n * repeats, np.random.default_rng(5))[:, 0].reshape(repeats, n).mean(1)
    share = np.mean(np.abs(estimates + 2.0) <= tolerance)
    assert abs(share - level) < 5 * np.sqrt(level * (1 - level) / repeats)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: samples_needed(-1.0, 0.1), ValueError),
        (lambda: samples_needed(1.0, 0.0), ValueError),
        (lambda: samples_needed(1.0, 0.1, level=1.0), ValueError),
        (lambda: samples_needed("1", 0.1), TypeError),
        (lambda: coverage(0.0), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
