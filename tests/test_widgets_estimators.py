"""pgviz.widgets.estimators: the ConvergenceApp of notebooks 01-03 wires its controls to the package.

Truths used: the running mean of the per-sample terms of :func:`pgviz.score_function` on the
app's own seed (computed here directly), the exact gradient of the closed form
d/dsigma E[(x - 1)^2] = 2 sigma, and the data :func:`pgviz.convergence.convergence_data` computes
afresh. That a blitted picture equals a full draw over seeded walks of every notebook's app is
checked in tests/test_figureapp.py (test_notebook_convergence_app_blits_equal_full_draws).
"""

import asyncio

import numpy as np
import pytest
import sympy as sp

import pgviz
import pgviz.widgets.estimators as widget_module
from pgviz.convergence import convergence_data
from pgviz.costs import cost
from pgviz.estimators import score_function
from pgviz.expectations import exact_gradient
from pgviz.widgets.estimators import ConvergenceApp

x = pgviz.x


def test_convergence_app_controls():
    """Setting a control's value fires the update: N moves the marker to the running mean (at N = 1 the
    readout says there is no SE); a bad f shows a message and keeps the old one; a step f gives
    all-zero pathwise terms and the step's exact gradient."""
    dist = pgviz.Gaussian(1.0, 1.0)
    app = ConvergenceApp(
        "(x - 1)**2",
        dist,
        np.random.default_rng(0),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("num_samples", "theta", "param", "cost"),
    )
    app.slider.value = 1000
    terms = score_function(cost("square", 1.0), dist, 20_000, np.random.default_rng(app.seed))[:1000, 0]
    np.testing.assert_allclose(app.current()["score_function"][0], terms.mean())
    np.testing.assert_allclose(app.markers["score_function"][0].get_ydata(), [terms.mean()])
    assert app.data["exact"] == pytest.approx(0.0, abs=1e-12)
    app.slider.value = 1
    estimate, se = app.current()["score_function"]
    assert estimate == terms[0] and np.isnan(se) and "(no SE from one sample)" in app.readout.value
    app.param_menu.value = 1
    assert app.data["exact"] == pytest.approx(2.0)  # d/dsigma E[(x-1)^2] = 2 sigma
    app.cost_text.value = "__import__('os')"
    assert "not changed" in app.readout.value and app.data["exact"] == pytest.approx(2.0)
    app.cost_text.value = "step(x)"
    assert app.f == sp.Heaviside(x, 0) and "not changed" not in app.readout.value
    assert np.all(app.data["terms"]["pathwise"] == 0)
    app.theta_sliders[1].value = 2.0
    np.testing.assert_allclose(app.data["exact"], exact_gradient(sp.Heaviside(x, 0), pgviz.Gaussian(1.0, 2.0))[1])
    with pytest.raises(ValueError, match="controls"):
        ConvergenceApp(x, dist, np.random.default_rng(0), controls=("volume",))
    with pytest.raises(TypeError, match="reparameterization"):
        ConvergenceApp(x, pgviz.Bernoulli(0.0), np.random.default_rng(0), estimators=("pathwise",))


def test_convergence_app_keeps_its_y_limits_for_small_theta_moves():
    """Small theta moves keep the y limits (only the curves are redrawn) while every band from
    N = 10 on and the exact value stay inside them; a large move sets new limits that hold them."""

    app = ConvergenceApp(
        "exp(-(x - 2)**2)",
        pgviz.Gaussian(1.0, 1.0),
        np.random.default_rng(3),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("theta",),
    )

    def inside():
        low, high = app.ax.get_ylim()
        start = np.searchsorted(app.data["n_grid"], 10)
        for name in app.estimators:
            running, se = app.data["running"][name][start:], app.data["running_se"][name][start:]
            assert low <= np.min(running - 2 * se) and np.max(running + 2 * se) <= high
        assert low <= app.data["exact"] <= high

    limits = app.ax.get_ylim()
    for mu in (1.05, 1.1):
        app.theta_sliders[0].value = mu
        inside()
    assert app.ax.get_ylim() == limits
    app.theta_sliders[0].value = -2.5
    inside()
    assert app.ax.get_ylim() != limits
    assert app.exact_text.get_text().strip() == f"exact {app.data['exact']:+.4f}"


def test_convergence_app_precomputes_the_next_theta_step(monkeypatch):
    """After a one-step move of a theta slider inside a running event loop (as in a Jupyter
    kernel), the next step in the same direction is computed once the loop is idle; moving there
    then computes nothing, and shows the numbers a fresh computation gives."""

    app = ConvergenceApp(
        "(x - 1)**2",
        pgviz.Gaussian(1.0, 1.0),
        np.random.default_rng(0),
        max_samples=20_000,
        estimators=("score_function", "pathwise"),
        controls=("num_samples", "theta"),
    )

    async def press_right():
        app.theta_sliders[0].value += app.theta_sliders[0].step  # 1.0 -> 1.05
        await asyncio.sleep(0)  # the loop runs the scheduled computation of mu = 1.1

    asyncio.run(press_right())
    assert app._precomputed is not None and app._precomputed[0][1] == (1.1, 1.0)
    calls = []
    monkeypatch.setattr(widget_module, "convergence_data", lambda *a, **k: calls.append(1))
    app.theta_sliders[0].value = 1.1000000000000005  # what a slider step can leave
    assert calls == [] and app._key[1] == (1.1, 1.0)
    fresh = convergence_data(app.f, pgviz.Gaussian(1.1, 1.0), app.seed, 0, 20_000, app.estimators, app.noise)
    for name in app.estimators:
        np.testing.assert_array_equal(app.data["running"][name], fresh["running"][name])
    assert app.data["exact"] == fresh["exact"]
    monkeypatch.undo()
    for bad, error in (
        ([float("nan"), 1.0], ValueError),
        ([1.0, -1.0], ValueError),
        ([1.0], ValueError),
        ("1.0", TypeError),
        (["a", 1.0], TypeError),
        (1.0, TypeError),
    ):
        with pytest.raises(error):
            app.precompute_theta(bad)

    async def jump():
        app.theta_sliders[1].value = 2.0  # a jump of many steps: no next step is predicted
        await asyncio.sleep(0)

    asyncio.run(jump())
    assert app._precomputed[0][1] == (1.1, 1.0) and app._key[1] == (1.1, 2.0)
    # the spy sees what the app computes: a move nothing was precomputed for calls convergence_data once
    monkeypatch.setattr(widget_module, "convergence_data", lambda *a, **k: calls.append(1) or convergence_data(*a, **k))
    app.theta_sliders[0].value = 1.3
    assert calls == [1] and app._key[1] == (1.3, 2.0)
