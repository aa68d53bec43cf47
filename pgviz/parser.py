"""A cost f(x) typed by a reader, parsed safely into a SymPy expression (notebooks 02 and 03).

:func:`parse_cost` never calls ``eval``, ``exec``, ``sympify`` or SymPy's parser on the text: it
parses it with :func:`ast.parse` (which only builds a syntax tree) and turns each whitelisted node
into a SymPy object by hand, evaluating every constant bottom-up in floating point with bounded
work, so that neither code nor a tower of exponentials can run. The result is checked as every
cost is (:func:`pgviz.costs.check_cost`).
"""

from __future__ import annotations

import ast
import math

import sympy as sp

from pgviz.costs import MAX_DERIVED, check_cost
from pgviz.symbolic import exact_rational, x

__all__ = ["parse_cost", "ALLOWED_TEXT", "MAX_COST_LENGTH", "MAX_NODES", "MAX_EXPONENT", "MAX_CONSTANT"]

#: The longest text, the most syntax nodes, the largest typed exponent and number.
MAX_COST_LENGTH = 200
MAX_NODES = 80
MAX_EXPONENT = 10
MAX_CONSTANT = 1e6

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
