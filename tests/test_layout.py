"""The package's layout: modules by concern, imports pointing one way, no file far over 300 lines.

Truths checked, from the source (ast, nothing imported): every pgviz module sits in one layer of
:data:`LAYERS` (the README's Layout table, lowest first), and each of its imports of pgviz comes
from a lower layer, or from its own wing in that wing's order (:data:`WINGS`); so there is no cycle
and no module reaches up. A new module fails this test until it is given its place.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "pgviz"

#: The core and around it, lowest first. A module may import from any earlier layer.
LAYERS = [
    {"validation", "compiled"},
    {"symbolic", "statistics", "progress", "sample_size", "rankings"},
    {"distributions", "cost_profiles"},
    {"families", "costs", "slices", "quadrature"},
    {"parser", "derivations", "counterexamples", "continuous", "measure_valued", "expectations"},
    {"estimators", "baselines"},
    {"studies", "surrogates", "convergence"},
    {"rl"},  # the wings: each in its own order below; they use only the first three layers
    {"lm"},
    {"exercises"},
    {"plots"},
    {"widgets"},
]
#: Inside a wing, lowest first; a module may import from earlier ones (and from LAYERS[:3]).
WINGS = {
    "rl": [
        "mdp",
        "examples",
        "policy",
        "exact",
        "rollout",
        "enumeration",
        "reinforce",
        "collapse",
        "learning_curves",
        "surrogate",
        "theorem",
        "practice",
        "moments",
        "optim",
        "derivation",
    ],
    "lm": ["space", "model", "rewards", "estimators", "groups", "exact", "sampling", "lengths", "kl", "ppo"],
    "exercises": None,  # any order inside; it sits above every math layer
    "plots": ["style", "estimators", "studies", "rl", "updates", "lm"],
    "widgets": ["base", "estimators", "rl", "lm"],
}
MAX_LINES = 310  # "about 300"


def modules():
    """(dotted name without 'pgviz.', path) of every module; a package's __init__ is the package."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imports(path: pathlib.Path) -> set[str]:
    """Every pgviz module ``path`` imports, without 'pgviz.' (``from pgviz.lm import groups`` is lm.groups)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pgviz":
            base = node.module.removeprefix("pgviz").lstrip(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}".lstrip(".")
                is_module = (ROOT / pathlib.Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    ROOT / pathlib.Path(*candidate.split(".")) / "__init__.py"
                ).exists()
                found.add(candidate if is_module else base)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("pgviz").lstrip(".") for a in node.names if a.name.split(".")[0] == "pgviz"}
    return found  # "" is the top package itself


def position(name: str) -> tuple[int, int]:
    """(layer, rank inside its wing) of a module."""
    top = name.split(".")[0]
    for layer, members in enumerate(LAYERS):
        if top in members:
            order = WINGS.get(top)
            if "." not in name or order is None:
                return layer, 0 if "." in name or order is None else len(order)  # a wing's __init__ is its top
            leaf = name.split(".")[1]
            assert leaf in order, f"pgviz.{name} has no place in the {top} wing's order (tests/test_layout.py)"
            return layer, order.index(leaf)
    raise AssertionError(f"pgviz.{name} sits in no layer of tests/test_layout.py's LAYERS")


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=[name or "pgviz" for name, _ in modules()])
def test_imports_point_down(name, path):
    if not name:  # the package itself re-exports every layer
        return
    here = position(name)
    for dependency in imports(path) - {name}:
        assert dependency, f"pgviz.{name} imports the top package pgviz (which imports everything): import the module"
        if "." not in name and dependency.startswith(name + "."):
            continue  # a package's __init__ gathers its own modules
        there = position(dependency)
        same_wing = dependency.split(".")[0] == name.split(".")[0]
        if same_wing and "." in name and "." in dependency and WINGS.get(name.split(".")[0]) is None:
            continue  # a package without an order (exercises)
        if same_wing and "." not in dependency:
            raise AssertionError(f"pgviz.{name} imports its own package pgviz.{dependency} (import the module instead)")
        allowed = there < here if same_wing else there[0] < here[0]
        if not same_wing and LAYERS[here[0]] & {"rl", "lm"}:
            allowed = there[0] <= 2  # the wings use only checks, symbols, loops, statistics and distributions
        assert allowed, f"pgviz.{name} imports pgviz.{dependency}, which is not below it"


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=[name or "pgviz" for name, _ in modules()])
def test_no_module_is_far_over_300_lines(name, path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"pgviz/{path.relative_to(ROOT)} has {lines} lines (more than one concern?)"


def test_the_layout_test_catches_an_upward_import(tmp_path):
    """The check itself can fail: a costs module importing the widgets is refused."""
    fake = tmp_path / "costs.py"
    fake.write_text("from pgviz.widgets.base import FigureApp\n")
    with pytest.raises(AssertionError, match="not below it"):
        test_imports_point_down("costs", fake)
