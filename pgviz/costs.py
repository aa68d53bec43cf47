"""Cost functions f(x) as SymPy expressions in :data:`pgviz.symbolic.x`: the catalog, checks, text.

The catalog (notebooks 02 and 03, and the Mohamed et al. (2020) Section 3 reproduction):

* ``"linear"``    f(x) = x
* ``"square"``    f(x) = (x - k)^2
* ``"bump"``      f(x) = exp(-k x^2)
* ``"cosine"``    f(x) = cos(k x)
* ``"step"``      f(x) = 1[x > k]     (Heaviside, 0 at the jump: not differentiable)
* ``"abs"``       f(x) = |x - k|      (a kink: differentiable almost everywhere)

Because f is symbolic, the pathwise estimator can differentiate it and the exact gradient can be
integrated. :func:`check_cost` is what every function taking a cost runs; :func:`cost_text` and
:func:`cost_latex` print one. A reader's text becomes a cost through
:func:`pgviz.parser.parse_cost`, which never executes it.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from pgviz.symbolic import check_expression, exact_rational, numpy_function, x
from pgviz.validation import check_real

__all__ = [
    "COSTS",
    "k",
    "cost",
    "cost_latex",
    "cost_text",
    "check_cost",
    "cost_values",
    "MAX_DERIVED",
    "MAX_DEGREE",
]

#: The symbol of a cost's constant (the shift or frequency k of the catalog).
k = sp.Symbol("k", real=True)

#: name -> (expression in x and k, the default k, a short description).
COSTS: dict[str, tuple[sp.Expr, float, str]] = {
    "linear": (x, 0.0, "x"),
    "square": ((x - k) ** 2, 1.0, "(x - k)²"),
    "bump": (sp.exp(-k * x**2), 1.0, "exp(-k x²)"),
    "cosine": (sp.cos(k * x), 1.0, "cos(k x)"),
    "step": (sp.Heaviside(x - k, 0), 0.0, "1[x > k]"),
    "abs": (sp.Abs(x - k), 0.0, "|x - k|"),
}


def cost(name: str, k_value: float | None = None) -> sp.Expr:
    """The catalog cost ``name`` with its constant k set to ``k_value`` (an exact rational).

    ``cost("square", 2.0)`` is (x - 2)². Names: see :data:`COSTS`. Notebook 02.
    """
    if not isinstance(name, str) or name not in COSTS:
        raise ValueError(f"name must be one of {sorted(COSTS)}, got {name!r}")
    expr, default, _ = COSTS[name]
    k_value = check_real(default if k_value is None else k_value, "k_value")
    if not abs(k_value) < 1e6:
        raise ValueError(f"k_value must be finite with |k| < 1e6, got {k_value}")
    return expr.subs(k, exact_rational(k_value))


def check_cost(f, allow_callable: bool = True):
    """f as a SymPy expression in x only, or (when allowed) a vectorized callable [N] -> [N].

    The expression must be finite and real (no oo, NaN, I), with powers of x up to MAX_DEGREE and
    numbers of size at most MAX_DERIVED. Text is refused: parse it with :func:`pgviz.parser.parse_cost`.
    """
    if isinstance(f, str):
        raise TypeError("f must be a SymPy expression in pgviz.x, not text: use pgviz.parse_cost(text)")
    if isinstance(f, sp.Basic):
        if not isinstance(f, sp.Expr):
            raise TypeError(f"f must be a SymPy expression in pgviz.x, got {type(f).__name__}")
        extra = f.free_symbols - {x}
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            raise ValueError(f"f must be an expression in pgviz.x only; it also contains {names}")
        check_expression(f, "f")
        powers = [p.exp for p in f.atoms(sp.Pow) if p.base.has(x) and p.exp.is_number]
        if any(abs(float(e)) > MAX_DEGREE for e in powers):
            highest = max(abs(float(e)) for e in powers)
            raise ValueError(f"f has x to the power {highest:g}; pgviz's costs take powers of x up to {MAX_DEGREE}")
        largest = max((abs(float(c)) for c in f.atoms(sp.Number)), default=0.0)
        if largest > MAX_DERIVED:
            raise ValueError(f"f holds a number of size {largest:.3g}; the largest allowed is {MAX_DERIVED:g}")
        return f
    if allow_callable and callable(f):
        return f
    allowed = "a SymPy expression in pgviz.x" + (" or a vectorized callable" if allow_callable else "")
    raise TypeError(f"f must be {allowed}, got {type(f).__name__}")


def cost_values(f, x_values: np.ndarray) -> np.ndarray:
    """f evaluated at the samples x [N]: [N] (f checked by :func:`check_cost`). NumPy's warnings are
    silenced: the callers refuse non-finite values with a ValueError that says why."""
    with np.errstate(all="ignore"):
        if isinstance(f, sp.Expr):
            return numpy_function(f, (x,))(x_values)
        values = np.asarray(f(x_values), dtype=float)
    if values.shape != x_values.shape:
        raise ValueError(f"f must map an array of shape {x_values.shape} to the same shape, got {values.shape}")
    return values


#: Every constant a cost holds or computes (a coefficient, exp(10), ...) has at most this size.
MAX_DERIVED = 1e12
#: The largest power of x (after SymPy combines (x**10)**2 into x**20): higher degrees would make
#: the exact expectations expand huge polynomials.
MAX_DEGREE = 20


class _CostTextPrinter(StrPrinter):
    """Text in the syntax of :func:`pgviz.parser.parse_cost`: step(a), abs(a), max(a, b), min(a, b), e."""

    def _print_Heaviside(self, expr):
        return f"step({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_nested(self, name: str, args) -> str:
        first, *rest = args
        return self._print(first) if not rest else f"{name}({self._print(first)}, {self._print_nested(name, rest)})"

    def _print_Max(self, expr):
        return self._print_nested("max", expr.args)

    def _print_Min(self, expr):
        return self._print_nested("min", expr.args)

    def _print_Exp1(self, expr):
        return "e"

    @staticmethod
    def _is_float(number) -> bool:
        """A binary fraction from a float given to cost() (e.g. k = 1.3), to print as that float."""
        return number.is_Rational and number.q > 1000 and exact_rational(float(number)) == number

    def _print_Rational(self, expr):
        return repr(float(expr)) if self._is_float(expr) else super()._print_Rational(expr)

    def _print_Mul(self, expr):
        coefficient, rest = expr.as_coeff_Mul()
        if self._is_float(coefficient):
            return f"{repr(float(coefficient))}*{self.parenthesize(rest, precedence(expr))}"
        return super()._print_Mul(expr)


def cost_text(expr: sp.Expr) -> str:
    """A cost as text that :func:`pgviz.parser.parse_cost` reads back to the same expression (the widget's box).

    ``cost_text(cost("step", 2))`` is ``"step(x - 2)"``, where ``str`` would give
    ``Heaviside(x - 2, 0)``, which the parser does not accept.
    """
    return _CostTextPrinter().doprint(check_cost(expr, allow_callable=False))


class _CostLatexPrinter(LatexPrinter):
    """LaTeX with the step written as an indicator: Heaviside(a, 0) -> 1[a > 0]."""

    def _print_Heaviside(self, expr, exp=None):
        arg = expr.args[0]
        if arg.is_Add and len(arg.args) == 2 and arg.args[0].is_number:
            text = rf"\mathbb{{1}}[{self._print(arg - arg.args[0])} > {self._print(-arg.args[0])}]"
        else:
            text = rf"\mathbb{{1}}[{self._print(arg)} > 0]"
        return text if exp is None else rf"{text}^{{{exp}}}"


def cost_latex(expr: sp.Expr) -> str:
    """LaTeX of a cost for titles: like ``sympy.latex`` but the step reads 1[x > k] (notebook 02)."""
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"expr must be a SymPy expression, got {type(expr).__name__}")
    return _CostLatexPrinter().doprint(expr)
