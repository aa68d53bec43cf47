"""pgviz.widgets.lm.GroupConvergenceApp: controls look up precomputed data; what it shows is pgviz's.

Truths checked: the app's running values equal running_agreement on the same seeded groups and its
exact lines equal expected_estimate's agreement with ∇J; moving a control moves the drawn data to
the looked-up values (markers at N, curves for G and the estimator) and the readout says so; bad
arguments are refused naming them.
"""

from __future__ import annotations

import numpy as np
import pytest

from pgviz import lm as L
from pgviz.widgets.lm import GroupConvergenceApp

MODEL = L.TinyLM()
RIGHT = L.correctness(MODEL.enumerate())


@pytest.fixture(scope="module")
def app():
    return GroupConvergenceApp(
        MODEL, RIGHT, np.random.default_rng(5), estimators=("grpo", "rloo"), group_sizes=(2, 4), max_groups=300
    )


def test_precomputed_data_equals_the_package_functions(app):
    rng = np.random.default_rng(5)
    gradient = L.exact_gradient(MODEL, RIGHT)
    for size in (2, 4):
        groups = L.sample_groups(MODEL, size, 300, rng)
        for name in ("grpo", "rloo"):
            run = L.running_agreement(MODEL, RIGHT, name, groups, gradient)
            np.testing.assert_array_equal(app.data[name, size]["projection"], run["projection"])
            np.testing.assert_array_equal(app.data[name, size]["cosine"], run["cosine"])
            exact = L.agreement(L.expected_estimate(MODEL, RIGHT, name, size), gradient)
            assert app.data[name, size]["exact_projection"] == exact["projection"]
    assert app.data["rloo", 4]["exact_projection"] == pytest.approx(1.0, abs=1e-10)


def test_controls_move_the_drawn_data(app):
    app.estimator_menu.value = "rloo"
    app.group_slider.value = 2
    app.n_slider.value = 50
    data = app.data["rloo", 2]
    x, y = app.artists["marker_projection"].get_data()
    assert x[0] == 50 and y[0] == data["projection"][49]
    np.testing.assert_array_equal(app.artists["cosine"].get_ydata(), data["cosine"][app.curve_n - 1])
    assert app.artists["own_projection"].get_ydata()[0] == data["exact_projection"]
    assert "RLOO" in app.readout.value and "G = 2" in app.readout.value and "N = 50 " in app.readout.value
    app.group_slider.value = 3  # not computed: the nearest size that was
    assert app._group_size() in (2, 4)
    assert len(app.update_seconds) >= 4 and bytes(app.image.value).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        (dict(rng=0), TypeError, "rng"),
        (dict(estimators=("ppo",)), ValueError, "estimators"),
        (dict(group_sizes=(1, 2)), ValueError, "group_sizes"),
        (dict(max_groups=5), ValueError, "max_groups"),
        (dict(estimator="dapo", estimators=("grpo",)), ValueError, "estimator"),
        (dict(group_size=3, group_sizes=(2, 4)), ValueError, "group_size"),
    ],
)
def test_bad_arguments(kwargs, error, argument):
    args = dict(lm=MODEL, rewards=RIGHT, rng=np.random.default_rng(0), max_groups=20) | kwargs
    with pytest.raises(error, match=argument):
        GroupConvergenceApp(**args)
