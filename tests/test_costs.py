"""The cost catalog and the safe parser: typed text becomes SymPy, or a clean ValueError; nothing runs."""

import builtins

import pytest
import sympy as sp

import pgviz
from pgviz.costs import COSTS, cost
from pgviz.parser import MAX_COST_LENGTH, parse_cost

x = pgviz.x


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x", x),
        ("(x - 1)**2", (x - 1) ** 2),
        ("(x-1)^2", (x - 1) ** 2),
        ("exp(-2*x**2)", sp.exp(-2 * x**2)),
        ("cos(3*x)", sp.cos(3 * x)),
        ("step(x - 0.5)", sp.Heaviside(x - sp.Rational(1, 2), 0)),
        ("abs(x + 1)", sp.Abs(x + 1)),
        ("max(x, 0) + min(x, 1)", sp.Max(x, 0) + sp.Min(x, 1)),
        ("-x + pi*e", -x + sp.pi * sp.E),
        ("  sqrt(x**2 + 1) / 2 ", sp.sqrt(x**2 + 1) / 2),
    ],
)
def test_parse_cost_builds_the_expression(text, expected):
    assert sp.simplify(parse_cost(text) - expected) == 0


HOSTILE = [
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('touch pwned')",
    "__builtins__",
    "import os",
    "lambda: 1",
    "(lambda: 1)()",
    "x**10**10",
    "9**9**9",
    "2**x",  # non-constant exponent
    "y + 1",
    "open('f')",
    "eval('1')",
    "exp",
    "",
    "   ",
    "x" + "+x" * 200,
    "'abc'",
    "x if x else 1",
    "x > 1",
    "[x]",
    "x[0]",
    "exp(x, 2)",
    "exp(x=1)",
    "1/0",
    "x +",
    "True",
    "1e400",
    "sin(x).evalf()",
    "x; import os",
    'f"{x}"',
    "é + x",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_parse_cost_refuses_hostile_and_malformed_text(text, monkeypatch):
    """Each gives a ValueError with a message; eval/exec/__import__ and sympify are never called."""

    def forbidden(*args, **kwargs):
        raise AssertionError("parse_cost must not execute or sympify text")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)
    monkeypatch.setattr(sp, "parse_expr", forbidden)
    with pytest.raises(ValueError) as error:
        parse_cost(text)
    assert str(error.value)


def test_parse_cost_length_limit_and_type():
    assert len("x" + "+x" * 200) > MAX_COST_LENGTH
    with pytest.raises(TypeError, match="text"):
        parse_cost(3)
    with pytest.raises(TypeError, match="text"):
        parse_cost(None)


def test_cost_catalog_values_and_argument_checks():
    assert cost("square", 2) == (x - 2) ** 2
    assert cost("bump", 0.5) == sp.exp(-(x**2) / 2)
    assert cost("cosine", 3) == sp.cos(3 * x)
    assert cost("step", 1) == sp.Heaviside(x - 1, 0)
    assert cost("abs", -1) == sp.Abs(x + 1)
    assert cost("linear") == x
    assert set(COSTS) == {"linear", "square", "bump", "cosine", "step", "abs"}
    with pytest.raises(ValueError, match="name"):
        cost("quartic")
    with pytest.raises(TypeError, match="k_value"):
        cost("square", "1")
    with pytest.raises(ValueError, match="k_value"):
        cost("square", float("nan"))
