"""pgviz.lm Monte Carlo groups: sampled with a seeded generator, estimators on them.

Truths checked: each estimator's mean over seeded sampled groups lies within 5 standard errors
(from its exact variance) of its own exact expectation, for every component; sampled completion
frequencies match their probabilities within 5 SE; the fast table-based estimates equal a plain
loop over the completions of each group; the same seed gives the same groups.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L

MODEL = L.TinyLM()
SPACE = MODEL.enumerate()
RIGHT = L.correctness(SPACE)
NUM_GROUPS = 4000


@pytest.mark.parametrize("name", sorted(L.GROUP_ESTIMATORS))
@pytest.mark.parametrize("group_size", [2, 5])
def test_sampled_mean_is_within_5_se_of_its_own_exact_expectation(name, group_size):
    rng = np.random.default_rng(100 + group_size)
    estimates = L.sample_estimates(MODEL, RIGHT, name, group_size, NUM_GROUPS, rng)
    exact = L.expected_estimate(MODEL, RIGHT, name, group_size)
    se = np.sqrt(L.estimate_variance(MODEL, RIGHT, name, group_size) / NUM_GROUPS)
    error = np.abs(estimates.mean(axis=0) - exact)
    constant = se < 1e-12  # components no sample can move (e.g. REINFORCE where every reward is 0)
    assert np.all(error[constant] < 1e-12)
    z = error[~constant] / se[~constant]
    assert z.max() < 5, (name, group_size, z.max())
    # the sampled spread agrees with the exact variance (total over components, within 10%)
    assert estimates.var(axis=0).sum() == pytest.approx(
        L.estimate_variance(MODEL, RIGHT, name, group_size).sum(), rel=0.1
    )


def test_sampled_frequencies_match_the_probabilities():
    groups = L.sample_groups(MODEL, 4, 5000, np.random.default_rng(7))
    assert groups.shape == (5000, 3, 4)
    counts = np.bincount(groups.ravel(), minlength=len(SPACE))
    n = 5000 * 4
    p = SPACE.probabilities
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(counts / n - p) < 5 * se + 1e-12)
    for b in range(3):  # every draw of prompt b is one of prompt b's completions
        rows = SPACE.prompt_slice(b)
        assert np.all((groups[:, b] >= rows.start) & (groups[:, b] < rows.stop))


@pytest.mark.parametrize("name", ["grpo", "dapo", "rloo"])
def test_table_based_estimates_equal_a_plain_loop(name):
    groups = L.sample_groups(MODEL, 3, 20, np.random.default_rng(8))
    fast = L.group_estimates(MODEL, RIGHT, name, groups)
    estimator = L.GROUP_ESTIMATORS[name]
    for n, draw in enumerate(groups):
        plain = np.zeros(MODEL.num_params)
        for group in draw:  # one prompt's G completions
            w = estimator(RIGHT[group], SPACE.lengths[group], MODEL.max_length)
            for weight, k in zip(w, group):
                plain += weight * SPACE.scores[k]
        np.testing.assert_allclose(fast[n], plain, atol=1e-14)


def test_the_same_seed_gives_the_same_groups():
    a = L.sample_groups(MODEL, 4, 10, np.random.default_rng(3))
    b = L.sample_groups(MODEL, 4, 10, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda: L.sample_groups(MODEL, 4, 10, 0), TypeError, "rng"),
        (lambda: L.sample_groups(MODEL, 4, 0, np.random.default_rng(0)), ValueError, "num_groups"),
        (lambda: L.sample_groups(MODEL, 4, 10**7, np.random.default_rng(0)), ValueError, r"limit is 20,000,000"),
        (lambda: L.sample_estimates(MODEL, RIGHT, "grpo", 1, 10, np.random.default_rng(0)), ValueError, "group_size"),
        (lambda: L.group_estimates(MODEL, RIGHT, "grpo", np.zeros((2, 3, 4))), ValueError, "groups"),
        (lambda: L.group_estimates(MODEL, RIGHT, "grpo", np.zeros((2, 3, 4), dtype=int)), ValueError, "groups"),
    ],
)
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
