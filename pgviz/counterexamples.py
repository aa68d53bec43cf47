"""When the log-derivative trick fails: a support that moves with theta (notebook 01).

The swap d/dtheta ∫ f p dx = ∫ f d/dtheta p dx behind the score-function identity needs the domain
of integration to stay put. For x ~ U(0, theta), p(x; theta) = 1/theta on (0, theta), the domain
moves with theta and Leibniz's rule adds a boundary term:

    d/dtheta ∫_0^theta f(x) p(x; theta) dx = f(theta) p(theta; theta) + ∫_0^theta f(x) d/dtheta p(x; theta) dx,

so E[f d/dtheta log p] = E[f] * (-1/theta) misses f(theta)/theta. For f = x: the true derivative of
E[x] = theta/2 is 1/2, the score form gives -1/2, and the boundary term is 1.

The pathwise estimator still works here: x = theta u with u ~ U(0, 1) puts theta into the sample
instead of the domain, and d/dtheta E_u[f(theta u)] = E_u[f'(theta u) u].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from pgviz.costs import check_cost
from pgviz.symbolic import exact_rational, numpy_function, simplify_zero, x
from pgviz.validation import check_count, check_positive, check_rng

__all__ = [
    "theta",
    "MovingSupport",
    "moving_support",
    "moving_support_score_terms",
    "moving_support_pathwise_terms",
]

#: The parameter of U(0, theta): the upper end of the support.
theta = sp.Symbol("theta", positive=True)


@dataclass(frozen=True)
class MovingSupport:
    """The log-derivative trick against the truth for x ~ U(0, theta) and a cost f(x), exactly.

    ``expectation`` E[f] as a function of theta; ``true_derivative`` its derivative;
    ``score_form`` E[f d/dtheta log p] (what the score-function estimator averages to);
    ``boundary_term`` f(theta) p(theta; theta) (what Leibniz's rule adds because the support moves).
    ``trick_holds`` says SymPy proves true_derivative == score_form; ``leibniz_holds`` that
    true_derivative == score_form + boundary_term. :meth:`at` puts a value of theta in.
    """

    f: sp.Expr
    expectation: sp.Expr
    true_derivative: sp.Expr
    score_form: sp.Expr
    boundary_term: sp.Expr
    trick_holds: bool
    leibniz_holds: bool

    def at(self, theta_value: float) -> dict[str, float]:
        """The three derivatives at theta = ``theta_value`` (> 0) as floats."""
        value = exact_rational(check_positive(theta_value, "theta_value"))
        names = ("true_derivative", "score_form", "boundary_term")
        return {name: float(getattr(self, name).subs(theta, value)) for name in names}

    def __repr__(self) -> str:
        return (
            f"MovingSupport(f = {self.f}: d/dtheta E[f] = {self.true_derivative}, "
            f"E[f * score] = {self.score_form}, boundary term = {self.boundary_term})"
        )


def moving_support(f=x) -> MovingSupport:
    """The score-function identity for x ~ U(0, theta), by SymPy, with theta symbolic.

    log p(x; theta) = -log theta on (0, theta), so the score is d/dtheta log p = -1/theta and
    E[f * score] = -E[f]/theta; d/dtheta E[f] = f(theta)/theta - E[f]/theta (Leibniz). They differ
    unless f(theta) = 0. ``f``: a SymPy expression in :data:`pgviz.x`. Notebook 01.
    """
    f = check_cost(f, allow_callable=False)
    density = 1 / theta  # p(x; theta) on (0, theta)
    score = sp.diff(sp.log(density), theta)  # -1/theta, the same at every x in the support
    expectation = sp.simplify(sp.integrate(f * density, (x, 0, theta)))
    true_derivative = sp.simplify(sp.diff(expectation, theta))
    score_form = sp.simplify(sp.integrate(f * density * score, (x, 0, theta)))
    boundary_term = sp.simplify((f * density).subs(x, theta))
    return MovingSupport(
        f=f,
        expectation=expectation,
        true_derivative=true_derivative,
        score_form=score_form,
        boundary_term=boundary_term,
        trick_holds=simplify_zero(true_derivative - score_form),
        leibniz_holds=simplify_zero(true_derivative - score_form - boundary_term),
    )


def moving_support_score_terms(f, theta_value: float, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Score-function terms f(x_i) d/dtheta log p(x_i; theta) = -f(x_i)/theta, x_i ~ U(0, theta): [N].

    Their mean estimates E[f * score], not d/dtheta E[f] (:func:`moving_support`). Notebook 01.
    """
    f = check_cost(f, allow_callable=False)
    theta_value = check_positive(theta_value, "theta_value")
    num_samples = check_count(num_samples, "num_samples")
    rng = check_rng(rng)
    samples = theta_value * rng.random(num_samples)  # [N] x ~ U(0, theta)
    return numpy_function(f, (x,))(samples) * (-1.0 / theta_value)


def moving_support_pathwise_terms(f, theta_value: float, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Pathwise terms f'(theta u_i) u_i with u_i ~ U(0, 1), so x_i = theta u_i ~ U(0, theta): [N].

    d/dtheta E_u[f(theta u)] = E_u[f'(theta u) u]: the parameter sits in the sample, not in the
    domain, and the mean is the true derivative. Same draws as :func:`moving_support_score_terms`
    for an equally seeded ``rng``. Notebook 01.
    """
    f = check_cost(f, allow_callable=False)
    theta_value = check_positive(theta_value, "theta_value")
    num_samples = check_count(num_samples, "num_samples")
    rng = check_rng(rng)
    u_values = rng.random(num_samples)  # [N]
    derivative = numpy_function(sp.diff(f, x), (x,))(theta_value * u_values)  # f'(theta u)
    return derivative * u_values
