"""The log-derivative trick, derived by SymPy, against derivatives of closed-form expectations."""

import pytest
import sympy as sp

import pgviz
from pgviz.symbolic import simplify_zero, x


@pytest.mark.parametrize(
    ("dist", "f", "closed_form_mean"),
    [
        # E[x^2] = mu^2 + sigma^2 under N(mu, sigma^2)
        (pgviz.Gaussian(0.5, 2.0), x**2, lambda mu, sigma: mu**2 + sigma**2),
        # E[cos x] = exp(-sigma^2/2) cos(mu)
        (pgviz.Gaussian(0.5, 2.0), sp.cos(x), lambda mu, sigma: sp.exp(-(sigma**2) / 2) * sp.cos(mu)),
        # E[x] = 1/rate under Exp(rate)
        (pgviz.Exponential(1.5), x, lambda rate: 1 / rate),
        # E[3x + 1] = 3 sigmoid(z) + 1 under Bernoulli(z)
        (pgviz.Bernoulli(0.3), 3 * x + 1, lambda z: 3 / (1 + sp.exp(-z)) + 1),
        # E[x^2] under Categorical(z): sum_k k^2 softmax(z)_k
        (
            pgviz.Categorical([0.1, 0.2, -0.3]),
            x**2,
            lambda *z: sum(k**2 * sp.exp(z[k]) for k in range(3)) / sum(sp.exp(v) for v in z),
        ),
    ],
    ids=["gauss-x2", "gauss-cos", "exp-x", "bern-affine", "cat-x2"],
)
def test_score_form_equals_derivative_of_closed_form(dist, f, closed_form_mean):
    steps = pgviz.log_derivative_trick(dist, f)
    mean = closed_form_mean(*dist.param_symbols)
    assert len(steps) == dist.num_params
    for step, theta in zip(steps, dist.param_symbols):
        assert step.holds
        assert simplify_zero(step.score_form - sp.diff(mean, theta))
        latex = step._repr_latex_()
        assert "\\checkmark" in latex and "\\partial p = p\\,\\partial \\log p" in latex


def test_numeric_parameters_give_numbers():
    steps = pgviz.log_derivative_trick(pgviz.Gaussian(0.5, 2.0), x**2, symbolic=False)
    assert [float(s.direct) for s in steps] == [1.0, 4.0]  # d/dmu (mu^2 + sigma^2) = 2 mu, d/dsigma = 2 sigma
    assert [float(s.score_form) for s in steps] == [1.0, 4.0]
