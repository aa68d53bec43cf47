"""SymPy helpers shared by the whole package: the sample symbol ``x``, the noise symbol ``eps``,
checks on expressions, and turning expressions into vectorized, numerically stable NumPy functions.

Everything numeric in pgviz is generated from a SymPy expression by :func:`numpy_function`, so the
formula a notebook displays and the code that runs are the same object. Before it is compiled, an
expression is put in a stable form (:func:`stable_form`): every log Σ_k exp(a_k) - the
normalizer of a softmax, log(1 + e^z) of a logistic - becomes one :class:`LogSumExp` node, which
the generated code evaluates as m + log Σ_k exp(a_k − m) with m = max_k a_k, and whose
derivative is exp(a_k − LogSumExp). So logits of ±800 or ±1e6 give exact probabilities and
scores, where the textbook form overflows to inf/inf.

No text is ever turned into an expression here: functions that take an expression take a SymPy
object (text goes through :func:`pgviz.costs.parse_cost`, which builds the expression itself).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import sympy as sp

__all__ = [
    "x",
    "eps",
    "LogSumExp",
    "stable_form",
    "check_expression",
    "numpy_function",
    "numpy_table",
    "exact_rational",
    "simplify_zero",
    "readable_form",
    "symbolic_expectation",
]

#: The symbol of a sample (an action, in RL): costs f and log-densities are expressions in ``x``.
x = sp.Symbol("x", real=True)
#: The symbol of the parameter-free noise of a reparameterization x = g(eps; theta).
eps = sp.Symbol("epsilon", real=True)


class LogSumExp(sp.Function):
    """log Σ_k exp(a_k), kept as one node so that the code generated from it is stable.

    d/da_k LogSumExp(a) = exp(a_k − LogSumExp(a)) (the softmax, never inf/inf); it prints as the
    log of the sum in LaTeX and ``.rewrite(sp.log)`` gives that sum back for exact work.
    """

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    def _eval_rewrite_as_log(self, *args, **kwargs):
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        body = r"\log\left(" + " + ".join(rf"e^{{{printer._print(a)}}}" for a in self.args) + r"\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _numpy_logsumexp(*args):
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
    stacked = np.stack(arrays)  # [K, ...]
    top = stacked.max(axis=0)
    finite_top = np.where(np.isfinite(top), top, 0.0)
    return finite_top + np.log(np.exp(stacked - finite_top).sum(axis=0))


def _as_exponent(term: sp.Expr):
    """a for a term exp(a), log c for a positive constant c, else None."""
    if isinstance(term, sp.exp):
        return term.args[0]
    if term.is_number and term.is_positive:
        return sp.log(term)
    return None


def stable_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every log(Σ_k exp(a_k)) (a positive constant c counting as exp(log c)) replaced
    by :class:`LogSumExp` (a_1, ..., a_K): the same function, evaluated without overflow."""

    def is_log_of_exponentials(node) -> bool:
        if not isinstance(node, sp.log) or not node.args[0].is_Add:
            return False
        exponents = [_as_exponent(term) for term in node.args[0].args]
        return all(a is not None for a in exponents) and any(isinstance(t, sp.exp) for t in node.args[0].args)

    def log_sum_exp(node):
        exponents = [_as_exponent(term) for term in node.args[0].args]
        # A term every exponent shares comes out of the log: log Σ e^(c + a_k) = c + log Σ e^(a_k),
        # so that, e.g., alpha cancels exactly from a softmax over alpha + beta a.
        common = set.intersection(*(set(sp.Add.make_args(a)) for a in exponents))
        shift = sp.Add(*common)
        return shift + LogSumExp(*[a - shift for a in exponents])

    return expr.replace(is_log_of_exponentials, log_sum_exp)


def check_expression(expr, name: str = "expr", symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
    """A finite, real SymPy expression (in ``symbols`` only, when given), else TypeError/ValueError.

    A ``str`` is refused: pgviz never parses text with SymPy (``sympify`` evaluates it); type a
    cost through :func:`pgviz.parse_cost`, or build the expression from :data:`x`.
    """
    if isinstance(expr, str):
        raise TypeError(f"{name} must be a SymPy expression, not text (for text use pgviz.parse_cost)")
    if isinstance(expr, (bool, np.bool_)) or not isinstance(expr, (sp.Expr, int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a SymPy expression, got {type(expr).__name__}")
    expr = (
        sp.Float(expr)
        if isinstance(expr, (float, np.floating))
        else sp.S(expr)
        if not isinstance(expr, sp.Expr)
        else expr
    )
    if expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise ValueError(f"{name} must be finite: it contains an infinity or NaN ({expr})")
    complex_powers = [
        p
        for p in expr.atoms(sp.Pow)
        if p.base.is_number and p.base.is_negative and p.exp.is_number and not p.exp.is_integer
    ]
    if expr.has(sp.I) or complex_powers:
        raise ValueError(
            f"{name} must be real-valued: it contains the imaginary unit or a root of a negative number ({expr})"
        )
    if symbols is not None:
        extra = expr.free_symbols - set(symbols)
        if extra:
            raise ValueError(f"{name} may contain only {sorted(map(str, symbols))}, not {sorted(map(str, extra))}")
    return expr


@functools.lru_cache(maxsize=512)
def _lambdify(expr, args: tuple[sp.Symbol, ...]):
    expr = expr.applyfunc(stable_form) if isinstance(expr, sp.MatrixBase) else stable_form(expr)
    return sp.lambdify(args, expr, modules=[{"LogSumExp": _numpy_logsumexp}, "numpy"], cse=True)


def numpy_function(expr: sp.Expr, args: Sequence[sp.Symbol]):
    """A vectorized NumPy function of ``args`` computing ``expr``, broadcast to its inputs' shape.

    The expression is compiled in its :func:`stable_form`, once per (expression, arguments) pair
    and cached, so calling this in a widget callback is cheap. A constant expression (say
    ``d/dalpha (alpha + beta*x) = 1``) still returns an array of the broadcast shape.
    """
    if not isinstance(expr, sp.Expr):
        expr = check_expression(expr, "expr")
    args = tuple(args)
    compiled = _lambdify(expr, args)

    def evaluate(*values):
        result = compiled(*values)
        shape = np.broadcast_shapes(*(np.shape(v) for v in values)) if values else ()
        return np.broadcast_to(np.asarray(result, dtype=float), shape)

    evaluate.expr = expr
    evaluate.args = args
    return evaluate


def numpy_table(rows, args: Sequence[sp.Symbol]):
    """One compiled NumPy function of scalar ``args`` returning the [R, C] table of the expressions
    ``rows`` (a list of R lists of C SymPy expressions), stable forms, shared subexpressions once."""
    table = tuple(tuple(check_expression(e, "rows[i][j]") for e in row) for row in rows)
    compiled = _lambdify(sp.ImmutableMatrix(table), tuple(args))

    def evaluate(*values):
        return np.asarray(compiled(*values), dtype=float).reshape(len(table), len(table[0]))

    return evaluate


def exact_rational(value: float) -> sp.Rational:
    """The exact binary rational equal to a float, so SymPy integrates with the very number used."""
    return sp.Rational(float(value))


def simplify_zero(expr) -> bool:
    """True when SymPy proves ``expr`` is identically zero (simplify, then expand as a fallback).

    A plain number (parameters put in and evaluated to 30 digits) counts as zero below 1e-20.
    """
    expr = check_expression(expr, "expr").rewrite(sp.log) if isinstance(expr, sp.Expr) else check_expression(expr)
    if expr.is_number:
        return bool(abs(sp.N(expr, 30)) < 1e-20)
    simplified = sp.simplify(expr)
    if simplified == 0:
        return True
    if sp.simplify(sp.expand(sp.expand_log(simplified, force=True))) == 0:
        return True
    return sp.simplify(simplified.rewrite(sp.exp)) == 0


def readable_form(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few equal forms of ``expr`` (as differentiated, simplified, cancelled);
    a long expression (a softmax over many classes) is left as differentiated."""
    if sp.count_ops(expr) > 60:
        return expr
    return min((expr, sp.simplify(expr), sp.cancel(expr)), key=sp.count_ops)


@functools.lru_cache(maxsize=256)
def symbolic_expectation(log_prob_expr: sp.Expr, support: sp.Set, expr: sp.Expr) -> sp.Expr:
    """E[expr] = sum or integral of expr * exp(log p) over the support, parameters kept symbolic."""
    if isinstance(support, sp.FiniteSet):
        total = sum(sp.exp(log_prob_expr.subs(x, v)) * expr.subs(x, v) for v in sorted(support))
    else:
        total = sp.integrate(expr * sp.exp(log_prob_expr), (x, support.inf, support.sup))
    return sp.simplify(total)
