"""Derivations SymPy carries out and checks: the log-derivative trick, E[score] = 0, Fisher information.

Each function returns a small result object that renders as LaTeX in a notebook (``_repr_latex_``)
and says whether the identity holds (``holds``), proved by exact summation or integration.
Notebook 01 walks through all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from pgviz.distributions import Distribution
from pgviz.symbolic import check_expression, simplify_zero, x

__all__ = [
    "IdentityCheck",
    "LogDerivativeTrick",
    "check_score_mean_zero",
    "check_fisher_identity",
    "fisher_information",
    "log_derivative_trick",
]


def _require_normalized(dist: Distribution, argument: str = "dist") -> None:
    if not isinstance(dist, Distribution):
        raise TypeError(f"{argument} must be a pgviz distribution, got {type(dist).__name__}")
    if not dist.is_normalized:
        raise ValueError(f"{argument} must be normalized: {type(dist).__name__} as written has no expectations")


@dataclass
class IdentityCheck:
    """An identity lhs = rhs between SymPy objects, with whether SymPy proved it."""

    title: str
    lhs_latex: str
    lhs: sp.Basic
    rhs_latex: str
    rhs: sp.Basic
    holds: bool

    def __repr__(self) -> str:
        return f"IdentityCheck({self.title!r}: {'holds' if self.holds else 'FAILS'})"

    def _repr_latex_(self) -> str:
        verdict = "\\checkmark\\ \\text{holds}" if self.holds else "\\times\\ \\text{fails}"
        return (
            f"$\\text{{{self.title}:}}\\quad {self.lhs_latex} = {sp.latex(self.lhs)},\\quad "
            f"{self.rhs_latex} = {sp.latex(self.rhs)}\\qquad {verdict}$"
        )


def check_score_mean_zero(dist: Distribution, symbolic: bool = True) -> IdentityCheck:
    """E[d/dtheta log p(x; theta)] = 0, by exact summation/integration of each score component.

    Why: E[score] = integral of p * grad p / p = grad integral of p = grad 1 = 0. Notebook 01.
    """
    _require_normalized(dist)
    means = sp.Matrix([[dist.expectation(s, symbolic=symbolic) for s in dist.score_exprs]])
    zero = sp.zeros(1, dist.num_params)
    holds = all(simplify_zero(m) for m in means)
    return IdentityCheck("E[score] = 0", "\\mathbb{E}[\\nabla_\\theta \\log p]", means, "0", zero, holds)


def fisher_information(dist: Distribution, symbolic: bool = True) -> sp.Matrix:
    """Fisher information F = -E[Hessian of log p(x; theta)], [P, P], exactly."""
    _require_normalized(dist)
    hessian = sp.hessian(dist.log_prob_expr, dist.param_symbols)
    return sp.Matrix(dist.num_params, dist.num_params, lambda i, j: -dist.expectation(hessian[i, j], symbolic))


def check_fisher_identity(dist: Distribution, symbolic: bool = True) -> IdentityCheck:
    """Cov[score] = E[score score^T] = Fisher information -E[Hessian log p], exactly. Notebook 01."""
    _require_normalized(dist)
    scores = dist.score_exprs
    covariance = sp.Matrix(
        dist.num_params, dist.num_params, lambda i, j: dist.expectation(scores[i] * scores[j], symbolic)
    )
    fisher = fisher_information(dist, symbolic)
    holds = all(simplify_zero(c - f) for c, f in zip(covariance, fisher))
    return IdentityCheck(
        "Cov[score] = Fisher information",
        "\\mathbb{E}[\\nabla_\\theta \\log p\\, \\nabla_\\theta \\log p^\\top]",
        covariance,
        "-\\mathbb{E}[\\nabla^2_\\theta \\log p]",
        fisher,
        holds,
    )


@dataclass
class LogDerivativeTrick:
    """The steps of the log-derivative trick for one parameter, as LaTeX equalities, and their check.

    ``direct`` is d/dtheta E[f] computed by integrating first and differentiating after;
    ``score_form`` is E[f d/dtheta log p] computed by integrating f times the score. ``holds`` says
    SymPy proved them equal.
    """

    param: sp.Symbol
    steps: list[tuple[str, str]] = field(default_factory=list)  # (right-hand side, justification)
    direct: sp.Expr = sp.S.Zero
    score_form: sp.Expr = sp.S.Zero
    holds: bool = False

    def __repr__(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        return f"LogDerivativeTrick(d/d{self.param}: {self.direct} = {self.score_form}, {verdict})"

    def _repr_latex_(self) -> str:
        theta = sp.latex(self.param)
        lines = [
            f"\\frac{{\\partial}}{{\\partial {theta}}} \\mathbb{{E}}[f(x)] &= {self.steps[0][0]} && {self.steps[0][1]}"
        ]
        lines += [f"&= {rhs} && {why}" for rhs, why in self.steps[1:]]
        verdict = "\\checkmark" if self.holds else "\\times"
        lines.append(
            f"\\text{{direct: }} {sp.latex(self.direct)} &= {sp.latex(self.score_form)} "
            f"\\text{{ : score form}} && {verdict}"
        )
        return "$$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$$"


def log_derivative_trick(dist: Distribution, f, symbolic: bool = True) -> list[LogDerivativeTrick]:
    """The log-derivative trick d/dtheta E[f(x)] = E[f(x) d/dtheta log p(x; theta)], step by step.

    For each parameter theta_j of ``dist``:

        d/dtheta E[f] = d/dtheta ∫ f p dx      (definition of the expectation)
                      = ∫ f d/dtheta p dx      (swap derivative and integral: support free of theta)
                      = ∫ f p d/dtheta log p dx  (d p = p d log p)
                      = E[f d/dtheta log p]    (definition of the expectation)

    with p and log p written out, sums over a finite support, and the first and last members
    computed exactly and compared. ``f`` is a SymPy expression in :data:`pgviz.symbolic.x`.
    Notebook 01. Returns one :class:`LogDerivativeTrick` per parameter.
    """
    _require_normalized(dist)
    f = check_expression(f, "f", (x,))
    subs = {} if symbolic else dist.subs
    log_p = dist.log_prob_expr
    p = dist.density_expr
    if dist.is_finite:
        points = sorted(dist.support)

        def over_support(integrand):  # an explicit sum, kept unevaluated for display
            return sp.Add(*[sp.UnevaluatedExpr(integrand.subs(x, v)) for v in points], evaluate=False)

        integral = over_support
    else:
        limits = (x, dist.support.inf, dist.support.sup)

        def integral(integrand):
            return sp.Integral(integrand, limits)

    results = []
    mean_f = dist.expectation(f, symbolic=True)  # differentiate before the values go in
    sum_sign = "\\sum" if dist.is_finite else "\\int"
    for theta, score in zip(dist.param_symbols, dist.score_exprs):
        steps = [
            (sp.latex(sp.Derivative(integral(f * p), theta)), "\\text{definition}"),
            (sp.latex(integral(f * sp.Derivative(p, theta))), "\\text{swap } \\partial \\text{ and } " + sum_sign),
            (sp.latex(integral(f * p * sp.Derivative(log_p, theta))), "\\partial p = p\\,\\partial \\log p"),
            (f"\\mathbb{{E}}\\left[{sp.latex(f * score)}\\right]", "\\text{definition; the score written out}"),
        ]
        direct = sp.simplify(sp.diff(mean_f, theta))
        direct = direct if symbolic else direct.subs(subs).evalf(30)
        score_form = dist.expectation(f * score, symbolic)
        holds = simplify_zero(direct - score_form)
        results.append(LogDerivativeTrick(theta, steps, direct, score_form, holds))
    return results
