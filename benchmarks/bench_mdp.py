"""Benchmarks for pgviz.rl: the short-corridor reproductions and the widget update time.

``PEER_CONFIGURATIONS`` is the work of S. Zhang's ``chapter13/short_corridor.py`` (figures 13.1 and
13.2 there): five configurations, 100 runs x 1000 episodes each, with its probability floor of
0.05; ``benchmarks/compare_peer.py`` times that file and pgviz on it side by side.
"""

from __future__ import annotations

import time

import numpy as np
from timing import median_time

#: (alpha, alpha_w or None) of the five configurations of Zhang's figure_13_1 and figure_13_2.
PEER_CONFIGURATIONS = [(2e-4, None), (2e-5, None), (2e-3, None), (2e-4, None), (2e-3, 2e-2)]


def peer_work(seed: int = 0):
    """pgviz's REINFORCE on the peer's five configurations (gamma = 1, floor 0.05, no episode cap
    in practice: 10^6 steps)."""
    from pgviz import rl

    return rl.reinforce_learning_curves(
        rl.short_corridor(),
        rl.corridor_features(),
        np.array([-1.47, 1.47]),
        [alpha for alpha, _ in PEER_CONFIGURATIONS],
        100,
        1000,
        np.random.default_rng(seed),
        alphas_w=[alpha_w for _, alpha_w in PEER_CONFIGURATIONS],
        max_steps=10**6,
        min_prob=0.05,
        progress=False,
    )


def run():
    """Yield (name, value, unit) rows."""
    from pgviz import rl
    from pgviz.widgets.rl import GradientConvergenceApp

    corridor, features = rl.short_corridor(), rl.corridor_features()
    theta0 = np.array([-1.47, 1.47])

    def figures_13_1_and_13_2():  # 4 curves x 100 runs x 1000 episodes, as in notebook 06
        rl.reinforce_learning_curves(
            corridor,
            features,
            theta0,
            [2**-12, 2**-13, 2**-14, 2**-9],
            100,
            1000,
            np.random.default_rng(6),
            alphas_w=[None] * 3 + [2**-6],
            min_prob=0.05,
            progress=False,
        )

    def collapse_demo():  # the book's algorithm without probability limits, 2 curves
        rl.reinforce_learning_curves(
            corridor, features, theta0, [2**-12, 2**-13], 100, 1000, np.random.default_rng(7), progress=False
        )

    start = time.perf_counter()
    rl.reinforce_learning_curves(corridor, features, theta0, [2**-13], 1, 1, np.random.default_rng(0), progress=False)
    yield ("REINFORCE loop: first call (compile, or load numba's cache)", time.perf_counter() - start, "s")
    yield ("corridor: the peer's 5 configurations x 100 runs x 1000 episodes", median_time(peer_work, 3), "s")
    yield (
        "corridor: Figs 13.1+13.2 (4 curves x 100 runs x 1000 episodes)",
        median_time(figures_13_1_and_13_2, 3, warmup=False),
        "s",
    )
    yield ("corridor: no probability limits (2 curves x 100 x 1000)", median_time(collapse_demo, 3, warmup=False), "s")

    start = time.perf_counter()
    app = GradientConvergenceApp(
        rl.tiny_mdp(), np.array([0.5, -0.5, 0.2]), rl.tiny_features(), np.random.default_rng(0), max_m=5000
    )
    yield ("GradientConvergenceApp: build (5000 episodes sampled)", time.perf_counter() - start, "s")
    for value in np.unique(np.geomspace(1, 5000, 40).astype(int)):
        app.slider.value = int(value)
    yield ("GradientConvergenceApp: median slider update", 1000 * float(np.median(app.update_seconds[1:])), "ms")
