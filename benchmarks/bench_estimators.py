"""Benchmarks for pgviz.estimators and the convergence widgets of notebooks 01-03.

Rows: each estimator's time for N = 10^6 samples divided by the time of drawing those N samples
alone (``dist.sample``, the floor every estimator pays), and the median N-slider and theta-slider
update times (compute + redraw + PNG, ``FigureApp.update_seconds``) of each ConvergenceApp that
notebooks 01-03 build, at their default settings.
"""

from __future__ import annotations

import time

import numpy as np
from timing import median_time

NUM_SAMPLES = 10**6


def _median_ratio(function, floor_function, repeats: int = 21) -> float:
    """median time(function) / median time(floor_function), the two timed in alternating rounds.

    Alternating keeps both exposed to the same machine load; taking the medians separately (not
    the median of per-round ratios) is the conservative choice: a draw timed right after an
    estimator run is slowed by the memory that run just released, which flatters the ratio.
    """
    function(), floor_function()
    times, floors = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        floor_function()
        middle = time.perf_counter()
        function()
        times.append(time.perf_counter() - middle)
        floors.append(middle - start)
    return float(np.median(times) / np.median(floors))


def _slider_median_ms(app) -> float:
    """Move the N slider over 40 log-spaced values; the median refresh time in ms."""
    first = len(app.update_seconds)
    for value in np.geomspace(10, 10**6, 40):
        app.slider.value = float(value)
    return 1000 * float(np.median(app.update_seconds[first:]))


def _theta_step_median_ms(app, precomputed: bool) -> float:
    """Step each theta slider up by its step 10 times (an arrow key, or a slow drag); the median
    refresh time in ms. ``precomputed``: before each step, compute its data as the app does in a
    kernel while idle (``precompute_theta``, not timed). The first step, which takes the curves out
    of the cached background (one full redraw), is made before timing."""
    app.theta_sliders[0].value = app.theta_sliders[0].value + app.theta_sliders[0].step
    times = []
    for index, slider in enumerate(app.theta_sliders):
        for _ in range(10):
            if precomputed:
                theta = [s.value for s in app.theta_sliders]
                theta[index] += slider.step
                app.precompute_theta(theta)
            slider.value = slider.value + slider.step
            times.append(app.update_seconds[-1])
    return 1000 * float(np.median(times))


def run():
    """Yield (name, value, unit) rows."""
    import pgviz
    from pgviz.widgets.estimators import ConvergenceApp

    x = pgviz.x
    f = pgviz.parse_cost("(x - 2)**2")
    cases = [
        ("Gaussian(1, 1), f = (x-2)^2", pgviz.Gaussian(1.0, 1.0), f),
        ("Exponential(2), f = (x-2)^2", pgviz.Exponential(2.0), f),
        ("Categorical(3), f = (x-2)^2", pgviz.Categorical([0.0, 0.5, 1.0]), f),
    ]
    for label, dist, cost in cases:
        draw = lambda dist=dist: dist.sample(NUM_SAMPLES, np.random.default_rng(0))  # noqa: E731
        floor = median_time(draw)
        yield (f"{label}: drawing 10^6 samples (the floor)", 1000 * floor, "ms")
        seeded = dict(f=cost, dist=dist, num_samples=NUM_SAMPLES)
        estimators = {
            "score_function": lambda seeded=seeded: pgviz.score_function(**seeded, rng=np.random.default_rng(0)),
            "score_function, optimal baseline": lambda seeded=seeded: pgviz.score_function(
                **seeded, rng=np.random.default_rng(0), baseline="optimal"
            ),
        }
        if dist.reparameterization is not None:
            estimators["pathwise"] = lambda seeded=seeded: pgviz.pathwise(**seeded, rng=np.random.default_rng(0))
        for name, function in estimators.items():
            yield (f"{label}: {name} / sampling", _median_ratio(function, draw), "x")

    apps = {
        "nb01 ConvergenceApp(x^2, Gaussian(1, 0.5))": lambda: ConvergenceApp(
            x**2, pgviz.Gaussian(1.0, 0.5), np.random.default_rng(1), num_samples=100
        ),
        "nb02 ConvergenceApp((x-2)^2, all controls)": lambda: ConvergenceApp(
            f,
            pgviz.Gaussian(1.0, 1.0),
            np.random.default_rng(2),
            num_samples=100,
            controls=("num_samples", "theta", "param", "cost"),
        ),
        "nb02 ConvergenceApp(step, SF + pathwise)": lambda: ConvergenceApp(
            pgviz.parse_cost("step(x - 2)"),
            pgviz.Gaussian(1.0, 1.0),
            np.random.default_rng(2),
            num_samples=1000,
            estimators=("score_function", "pathwise"),
            controls=("num_samples", "param"),
        ),
        "nb03 ConvergenceApp(reward, 3 estimators)": lambda: ConvergenceApp(
            pgviz.parse_cost("exp(-(x - 2)**2)"),
            pgviz.Gaussian(1.0, 1.0),
            np.random.default_rng(3),
            num_samples=100,
            estimators=("score_function", "score_function_baseline", "pathwise"),
            controls=("num_samples", "theta", "param", "cost"),
        ),
    }
    for name, build in apps.items():
        start = time.perf_counter()
        app = build()
        yield (f"{name}: build (10^6 terms per estimator)", time.perf_counter() - start, "s")
        yield (f"{name}: median N-slider update", _slider_median_ms(app), "ms")
        if any(slider in app.controls for slider in app.theta_sliders):
            yield (f"{name}: median theta-slider step", _theta_step_median_ms(app, False), "ms")
            yield (f"{name}: median theta-slider step, next step precomputed", _theta_step_median_ms(app, True), "ms")
    app = apps["nb03 ConvergenceApp(reward, 3 estimators)"]()
    first = len(app.update_seconds)
    for value in (0.5, 1.5, 1.0):
        app.theta_sliders[0].value = value
    yield (
        "nb03 app: mu jumps 0.5, 1.5, 1.0 (new y limits: full redraw), median",
        1000 * float(np.median(app.update_seconds[first:])),
        "ms",
    )
