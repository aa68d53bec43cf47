"""Cost functions f(x) as SymPy expressions in :data:`pgviz.symbolic.x`, and a safe parser for typed ones.

The catalog (notebooks 02 and 03, and the Mohamed et al. (2020) Section 3 reproduction):

* ``"linear"``    f(x) = x
* ``"square"``    f(x) = (x - k)^2
* ``"bump"``      f(x) = exp(-k x^2)
* ``"cosine"``    f(x) = cos(k x)
* ``"step"``      f(x) = 1[x > k]     (Heaviside, 0 at the jump: not differentiable)
* ``"abs"``       f(x) = |x - k|      (a kink: differentiable almost everywhere)

Because f is symbolic, the pathwise estimator can differentiate it and the exact gradient can be
integrated. :func:`parse_cost` turns a reader's text into such an expression without ever calling
``eval`` or ``sympify`` on it: the text is parsed by Python's :mod:`ast` and only whitelisted
nodes, functions and the symbol ``x`` are turned into SymPy objects by hand.
"""

from __future__ import annotations

import ast
import math

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
    "parse_cost",
    "check_cost",
    "cost_values",
    "MAX_COST_LENGTH",
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
    numbers of size at most MAX_DERIVED. Text is refused: parse it with :func:`parse_cost`.
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


# --------------------------------------------------------------------------------- safe parsing
MAX_COST_LENGTH = 200
MAX_NODES = 80
MAX_EXPONENT = 10
MAX_CONSTANT = 1e6
#: Every constant a cost holds or computes (a coefficient, exp(10), ...) has at most this size.
MAX_DERIVED = 1e12
#: The largest power of x (after SymPy combines (x**10)**2 into x**20): higher degrees would make
#: the exact expectations expand huge polynomials.
MAX_DEGREE = 20

_FUNCTIONS = {
    "exp": (1, sp.exp),
    "log": (1, sp.log),
    "sqrt": (1, sp.sqrt),
    "sin": (1, sp.sin),
    "cos": (1, sp.cos),
    "tan": (1, sp.tan),
    "tanh": (1, sp.tanh),
    "abs": (1, sp.Abs),
    "step": (1, lambda a: sp.Heaviside(a, 0)),
    "max": (2, sp.Max),
    "min": (2, sp.Min),
}
_NAMES = {"x": x, "pi": sp.pi, "e": sp.E}
_BINARY = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b}
ALLOWED_TEXT = "numbers, x, pi, e, + - * / ** (or ^), parentheses and the functions " + ", ".join(sorted(_FUNCTIONS))


def parse_cost(text: str) -> sp.Expr:
    """A cost f(x) typed by a reader, as a SymPy expression in ``x``, parsed safely (notebook 02).

    Allowed: numbers, ``x``, ``pi``, ``e``, ``+ - * /``, ``**`` or ``^`` with a constant exponent
    of magnitude <= 10, parentheses and the functions exp, log, sqrt, sin, cos, tan, tanh, abs,
    step (1 when the argument is > 0), max, min. Anything else - attribute access, subscripts,
    other names (dunders, ``__import__``), keywords, lambdas, comparisons, strings, huge powers,
    more than 200 characters - raises ``ValueError`` with a readable message. Nothing in the text
    is executed: it is parsed with :func:`ast.parse` (which only builds a syntax tree) and each
    allowed node is turned into a SymPy object by hand; SymPy's own parser is never used.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("text is empty: type a cost f(x) such as (x - 1)**2")
    if len(stripped) > MAX_COST_LENGTH:
        raise ValueError(f"text is too long ({len(stripped)} characters; at most {MAX_COST_LENGTH})")
    if any(ord(c) > 127 for c in stripped):
        raise ValueError("text may only contain plain ASCII characters")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"cannot read {stripped!r}: {error.msg}") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise ValueError(f"the expression is too large ({nodes} parts; at most {MAX_NODES})")
    expr = _build(tree.body)
    if not isinstance(expr, sp.Expr):
        raise ValueError("the text is not an expression in x")
    if expr.free_symbols - {x}:
        raise ValueError("only the variable x is allowed")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError("the expression is undefined (division by zero?)")
    return check_cost(expr)


_FLOAT_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.tan: math.tan,
    sp.tanh: math.tanh,
    sp.Abs: abs,
    sp.Max: max,
    sp.Min: min,
}


def _float_value(expr: sp.Expr) -> float:
    """A constant expression's value in floating point, computed bottom-up with bounded work (SymPy's
    own evaluation would carry unbounded precision through towers like exp(exp(exp(exp(10)))));
    ValueError when a step overflows, leaves the reals or exceeds MAX_DERIVED."""
    try:
        if expr.is_Number or expr in (sp.pi, sp.E):
            value = float(expr)
        elif expr.has(sp.I):
            raise ValueError
        elif expr.is_Add:
            value = math.fsum(_float_value(a) for a in expr.args)
        elif expr.is_Mul:
            value = math.prod(_float_value(a) for a in expr.args)
        elif expr.is_Pow:
            base, exponent = _float_value(expr.base), _float_value(expr.exp)
            if base < 0 and not float(exponent).is_integer():
                raise ValueError
            value = math.pow(base, exponent)
        elif isinstance(expr, sp.Heaviside):
            value = 1.0 if _float_value(expr.args[0]) > 0 else 0.0
        elif type(expr) in _FLOAT_FUNCTIONS:
            value = _FLOAT_FUNCTIONS[type(expr)](*(_float_value(a) for a in expr.args))
        else:
            raise ValueError
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        raise ValueError(f"the constant {expr} is not a real number of size at most {MAX_DERIVED:g}") from None
    if not math.isfinite(value) or abs(value) > MAX_DERIVED:
        raise ValueError(f"the constant {expr} is not a real number of size at most {MAX_DERIVED:g}")
    return value


def _constant_value(expr: sp.Expr) -> float | None:
    return None if expr.free_symbols else _float_value(expr)


def _checked(expr: sp.Expr) -> sp.Expr:
    """A node just built: its value checked when it is a constant."""
    _constant_value(expr)
    return expr


def _build(node: ast.AST) -> sp.Expr:
    """Turn one whitelisted syntax-tree node into SymPy; ValueError for anything else."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"only numbers are allowed as constants, got {type(value).__name__} {value!r}")
        if not abs(value) <= MAX_CONSTANT:
            raise ValueError(f"numbers must be at most {MAX_CONSTANT:g} in size, got {value!r}")
        return sp.Integer(value) if isinstance(value, int) else exact_rational(value)
    return _checked(_build_node(node))


def _build_node(node: ast.AST) -> sp.Expr:
    if isinstance(node, ast.Name):
        if node.id not in _NAMES:
            hint = " (functions must be called, e.g. exp(x))" if node.id in _FUNCTIONS else ""
            raise ValueError(f"unknown name {node.id!r}{hint}; allowed: {ALLOWED_TEXT}")
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _build(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left), _build(node.right)
        if isinstance(node.op, (ast.Pow, ast.BitXor)):
            exponent = _constant_value(right)
            if exponent is None:
                raise ValueError("the exponent of ** must be a constant number (use exp(...) for powers of e)")
            if abs(exponent) > MAX_EXPONENT:
                raise ValueError(f"exponents must be at most {MAX_EXPONENT} in size, got {exponent:g}")
            base = _constant_value(left)
            if base is not None and abs(base) > 1e3:
                raise ValueError(f"the power {base:g}**{exponent:g} is too large")
            return sp.Pow(left, right)
        for op_type, build in _BINARY.items():
            if isinstance(node.op, op_type):
                if op_type is ast.Div and right == 0:
                    raise ValueError("division by zero")
                return build(left, right)
        raise ValueError(f"the operator {type(node.op).__name__} is not allowed; allowed: {ALLOWED_TEXT}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else "this"
            raise ValueError(f"calling {shown!r} is not allowed; functions: {', '.join(sorted(_FUNCTIONS))}")
        if node.keywords:
            raise ValueError("keyword arguments are not allowed")
        arity, build = _FUNCTIONS[node.func.id]
        if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
            raise ValueError(f"{node.func.id} takes {arity} argument{'s' if arity > 1 else ''}")
        return build(*(_build(a) for a in node.args))
    if isinstance(node, ast.Attribute):
        raise ValueError("attribute access (a dot after a name) is not allowed")
    if isinstance(node, ast.Lambda):
        raise ValueError("lambda is not allowed")
    raise ValueError(f"{type(node).__name__} is not allowed in a cost; allowed: {ALLOWED_TEXT}")


class _CostTextPrinter(StrPrinter):
    """Text in the syntax of :func:`parse_cost`: step(a), abs(a), max(a, b), min(a, b), e."""

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
    """A cost as text that :func:`parse_cost` reads back to the same expression (the widget's box).

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
