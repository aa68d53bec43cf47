"""Bad input to the public distribution API raises ValueError/TypeError naming the argument."""

import numpy as np
import pytest
import sympy as sp

import pgviz


@pytest.mark.parametrize(
    ("make", "error", "argument"),
    [
        (lambda: pgviz.Gaussian(0.0, 0.0), ValueError, "sigma"),
        (lambda: pgviz.Gaussian(0.0, -1.0), ValueError, "sigma"),
        (lambda: pgviz.Gaussian(float("nan"), 1.0), ValueError, "mu"),
        (lambda: pgviz.Gaussian(0.0, float("inf")), ValueError, "sigma"),
        (lambda: pgviz.Gaussian("0", 1.0), TypeError, "mu"),
        (lambda: pgviz.Gaussian(True, 1.0), TypeError, "mu"),
        (lambda: pgviz.Exponential(0.0), ValueError, "rate"),
        (lambda: pgviz.Exponential(-2.0), ValueError, "rate"),
        (lambda: pgviz.Exponential(float("nan")), ValueError, "rate"),
        (lambda: pgviz.Bernoulli(float("inf")), ValueError, "logit"),
        (lambda: pgviz.Bernoulli(None), TypeError, "logit"),
        (lambda: pgviz.Categorical([1.0]), ValueError, "logits"),
        (lambda: pgviz.Categorical([0.0, float("nan")]), ValueError, "logits"),
        (lambda: pgviz.Categorical("ab"), TypeError, "logits"),
        (lambda: pgviz.Categorical(3.0), TypeError, "logits"),
        (lambda: pgviz.ExpLinear(float("inf"), 1.0), ValueError, "alpha"),
        (lambda: pgviz.ExpLinear(0.0, 1.0, actions=(1.0, 1.0)), ValueError, "actions"),
        (lambda: pgviz.ExpLinear(0.0, 1.0, actions=(0.0, float("nan"))), ValueError, "actions"),
    ],
)
def test_bad_parameters(make, error, argument):
    with pytest.raises(error, match=argument):
        make()


@pytest.mark.parametrize(
    ("dist", "x_values"),
    [
        (pgviz.Exponential(1.0), [0.5, -0.1]),
        (pgviz.Bernoulli(0.0), [0, 1, 2]),
        (pgviz.Bernoulli(0.0), [0.5]),
        (pgviz.Categorical([0.0, 1.0, 2.0]), [3]),
        (pgviz.Categorical([0.0, 1.0, 2.0]), [-1]),
        (pgviz.Gaussian(0.0, 1.0), [np.nan]),
        (pgviz.Gaussian(0.0, 1.0), [np.inf]),
        (pgviz.ExpLinear(0.0, 1.0, actions=(0, 1)), [0.5]),
    ],
    ids=lambda v: repr(v),
)
def test_x_outside_the_support(dist, x_values):
    with pytest.raises(ValueError, match="x must"):
        dist.log_prob(x_values)
    with pytest.raises(ValueError, match="x must"):
        dist.score(x_values)


def test_x_of_the_wrong_type():
    with pytest.raises(TypeError, match="x must"):
        pgviz.Gaussian(0.0, 1.0).score(["a", "b"])


@pytest.mark.parametrize(
    ("num_samples", "error"),
    [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("10", TypeError), (True, TypeError)],
)
def test_bad_num_samples(num_samples, error):
    with pytest.raises(error, match="num_samples"):
        pgviz.Gaussian(0.0, 1.0).sample(num_samples, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0), "seed"], ids=repr)
def test_wrong_rng_type(rng):
    for dist in (pgviz.Gaussian(0.0, 1.0), pgviz.Categorical([0.0, 1.0])):
        with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
            dist.sample(10, rng)


def test_unnormalized_policy_cannot_be_sampled_or_averaged():
    as_written = pgviz.ExpLinear(0.0, 1.0)
    with pytest.raises(ValueError, match="not normalized"):
        as_written.sample(5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="dist must be normalized"):
        pgviz.check_score_mean_zero(as_written)


def test_bad_params_vector_and_bad_f():
    g = pgviz.Gaussian(0.0, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        g.with_params([0.0, -1.0])
    with pytest.raises(ValueError, match="theta must have 2"):
        g.with_params([0.0])
    with pytest.raises(ValueError, match="f may contain only"):
        pgviz.log_derivative_trick(g, sp.Symbol("y"))
    with pytest.raises(TypeError, match="dist must be a pgviz distribution"):
        pgviz.check_fisher_identity("gaussian")
