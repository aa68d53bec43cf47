"""SymPy helpers shared by the whole package: the sample symbol ``x``, the noise symbol ``eps``,
turning expressions into vectorized NumPy functions, and exact expectations.

Everything numeric in pgviz is generated from a SymPy expression by :func:`numpy_function`, so the
formula a notebook displays and the code that runs are the same object.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import sympy as sp

#: The symbol of a sample (an action, in RL): costs f and log-densities are expressions in ``x``.
x = sp.Symbol("x", real=True)
#: The symbol of the parameter-free noise of a reparameterization x = g(eps; theta).
eps = sp.Symbol("epsilon", real=True)


@functools.lru_cache(maxsize=512)
def _lambdify(expr: sp.Expr, args: tuple[sp.Symbol, ...]):
    return sp.lambdify(args, expr, modules="numpy", cse=True)


def numpy_function(expr: sp.Expr, args: Sequence[sp.Symbol]):
    """A vectorized NumPy function of ``args`` computing ``expr``, broadcast to its inputs' shape.

    Compiled once per (expression, arguments) pair and cached, so calling this in a widget
    callback is cheap. A constant expression (say ``d/dalpha (alpha + beta*x) = 1``) still returns
    an array of the broadcast shape.
    """
    args = tuple(args)
    compiled = _lambdify(sp.sympify(expr), args)

    def evaluate(*values):
        result = compiled(*values)
        shape = np.broadcast_shapes(*(np.shape(v) for v in values)) if values else ()
        return np.broadcast_to(np.asarray(result, dtype=float), shape)

    evaluate.expr = expr
    evaluate.args = args
    return evaluate


def exact_rational(value: float) -> sp.Rational:
    """The exact binary rational equal to a float, so SymPy integrates with the very number used."""
    return sp.Rational(float(value))


def simplify_zero(expr: sp.Expr) -> bool:
    """True when SymPy proves ``expr`` is identically zero (simplify, then expand as a fallback).

    A plain number (parameters put in and evaluated to 30 digits) counts as zero below 1e-20.
    """
    expr = sp.sympify(expr)
    if expr.is_number:
        return bool(abs(sp.N(expr, 30)) < 1e-20)
    simplified = sp.simplify(expr)
    if simplified == 0:
        return True
    if sp.simplify(sp.expand(sp.expand_log(simplified, force=True))) == 0:
        return True
    return sp.simplify(simplified.rewrite(sp.exp)) == 0
