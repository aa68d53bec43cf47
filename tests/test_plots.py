"""Every figure pgviz draws has a title, labelled axes and readable text, in the series' palette.

Truths checked: each public ``plot_*`` function of :mod:`pgviz.plots` (a table below must name
every one, so a new function without a check fails) returns a figure whose every axes has a
non-empty title, x label and y label; no text is set smaller than 8 pt; every line, marker and
bar colour is one of the Okabe-Ito palette's (``pgviz.plots.style.PALETTE``).
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from pgviz.plots import estimators as estimator_plots
from pgviz.plots import lm as lm_plots
from pgviz.plots import rl as rl_plots
from pgviz.plots import studies as study_plots
from pgviz.plots import updates as update_plots
from pgviz.plots.style import PALETTE

G = np.array([1, 10, 100, 1000])
EST = {"score_function": np.array([0.3, 0.1, 0.2, 0.21]), "pathwise": np.array([0.0, 0.25, 0.2, 0.2])}
SE = {name: np.array([0.5, 0.1, 0.03, 0.01]) for name in EST}
RNG = np.random.default_rng(0)
CALLS = {
    "plot_convergence": lambda: estimator_plots.plot_convergence(G, EST, SE, 0.2, num_samples=10),
    "plot_error_vs_n": lambda: estimator_plots.plot_error_vs_n(
        G, {n: np.abs(v - 0.2) + 1e-3 for n, v in EST.items()}, {"score_function": 1.0}
    ),
    "plot_repeats": lambda: estimator_plots.plot_repeats({n: RNG.normal(size=30) for n in EST}, 0.0, 100),
    "plot_variance_vs_k": lambda: study_plots.plot_variance_vs_k(
        [0.5, 1.0, 2.0], {n: np.ones((3, 2)) for n in EST}, {"pathwise": ([1.0], np.ones((1, 2)))}
    ),
    "plot_log_prob_slice": lambda: estimator_plots.plot_log_prob_slice(
        np.linspace(-1, 1, 5),
        -np.linspace(1, 0.5, 5),
        np.exp(-np.linspace(1, 0.5, 5)),
        np.zeros(5),
        (0.0, 0.5),
        (-0.8, -0.6),
    ),
    "plot_terms_against_samples": lambda: estimator_plots.plot_terms_against_samples(
        RNG.normal(size=200),
        RNG.normal(size=200),
        np.linspace(-3, 3, 7),
        np.linspace(-3, 3, 7) ** 3,
        -2.0,
        variance_density=np.exp(-(np.linspace(-3, 3, 7) ** 2)),
        tails=(-1.0, 1.0),
    ),
    "plot_running_standard_error": lambda: study_plots.plot_running_standard_error(
        G, {n: np.column_stack([v, v]) + 0.1 for n, v in SE.items()}, {"pathwise": [1.0, 2.0]}
    ),
    "plot_cost_profiles": lambda: study_plots.plot_cost_profiles(
        np.linspace(-3, 3, 7), np.ones((3, 7)), np.zeros((3, 7)), [0.5, 1.0, 5.0]
    ),
    "plot_gradient_convergence": lambda: rl_plots.plot_gradient_convergence(
        np.ones((50, 2)), np.full((50, 2), 0.1), [1.0, 1.0]
    ),
    "plot_corridor_value": lambda: rl_plots.plot_corridor_value(
        np.linspace(0, 1, 11),
        -np.linspace(20, 80, 11),
        0.59,
        -11.6,
        {"ε-greedy left": (0.05, -82.0), "ε-greedy right": (0.95, -44.0)},
    ),
    "plot_learning_curves": lambda: rl_plots.plot_learning_curves({"a": -np.linspace(80, 20, 30)}, -11.6, "curves"),
    "plot_policy_paths": lambda: rl_plots.plot_policy_paths(
        np.vstack([np.linspace(0.5, 0.6, 20), np.r_[np.linspace(0.5, 0.0, 10), [np.nan] * 10]]),
        [False, True],
        0.59,
        "paths",
    ),
    "plot_policy_paths (log episodes, not stopped)": lambda: rl_plots.plot_policy_paths(
        np.vstack([np.linspace(0.05, 0.6, 20), np.linspace(0.05, 0.95, 20)]),
        [False, True],
        0.59,
        "paths",
        highlight_label="stuck at 0.95",
        log_episodes=True,
    ),
    "plot_update_directions": lambda: update_plots.plot_update_directions(
        ["book", "course"], [[1.0, 1.0, 1.0], [1.1, -0.1, 0.0]], [1.0, 0.75], "directions"
    ),
    "plot_step_budget": lambda: update_plots.plot_step_budget(
        [1, 10, 100],
        np.ones((3, 2)) * [[2.0], [1.1], [1.0]],
        np.ones((3, 2)) * [[1.5, 0.7], [1.01, 0.99], [1, 1]],
        "budget",
    ),
    "plot_learning_curve_panels": lambda: update_plots.plot_learning_curve_panels(
        {"floor": {"a": -np.linspace(80, 20, 30)}, "no floor": {"a": -np.linspace(90, 50, 30), "b": -np.ones(30) * 20}},
        -11.6,
        "panels",
    ),
    "plot_episode_updates": lambda: update_plots.plot_episode_updates(
        {"floor": np.linspace(0.05, 0.95, 30)}, {"floor": 0.1}, 0.05, "one episode"
    ),
    "plot_variance_bars": lambda: rl_plots.plot_variance_bars(["a", "b"], [1.0, 0.5], "bars"),
    "plot_trajectory_terms": lambda: rl_plots.plot_trajectory_terms(
        [0.5, 0.3, 0.2], np.ones((3, 2)), [3.0, 3.0], ["τ1", "τ2", "τ3"]
    ),
    "plot_completions": lambda: lm_plots.plot_completions(
        ["<eos>", "1 <eos>", "2 <eos>"], [0.5, 0.3, 0.2], [0, 1, 0], "t"
    ),
    "plot_prompt_weights": lambda: lm_plots.plot_prompt_weights(
        np.linspace(0, 1, 11),
        {2: np.ones(11), 4: np.linspace(1, 2, 11)},
        {2: np.linspace(1, 0.5, 11), 4: np.linspace(1, 0.2, 11)},
        {"make 2": 0.6},
    ),
    "plot_estimator_comparison": lambda: lm_plots.plot_estimator_comparison(
        [2, 4, 8],
        {"grpo": [0.9] * 3, "rloo": [1.0] * 3},
        {"grpo": [0.5, 0.7, 0.9], "rloo": [1.0] * 3},
        {"grpo": "GRPO"},
    ),
    "plot_length_paths": lambda: lm_plots.plot_length_paths(
        {
            name: {
                "J": np.linspace(1, 2, 5),
                "wrong_length": np.linspace(2, 3, 5),
                "right_length": np.linspace(3, 2, 5),
            }
            for name in ("exact", "grpo")
        },
        {"exact": "∇J"},
    ),
    "plot_group_convergence": lambda: lm_plots.plot_group_convergence(
        np.arange(1, 11), np.ones(10), np.full(10, 0.1), np.ones(10), 0.9, 0.95, "ĝ", PALETTE["sky_blue"]
    ),
    "plot_ppo_updates": lambda: lm_plots.plot_ppo_updates(
        np.arange(5),
        {"clipped": np.linspace(1, 0.5, 5), "unclipped": np.linspace(1, 0.8, 5)},
        {"clipped": np.linspace(1, 0.3, 5), "unclipped": np.linspace(1, 0.9, 5)},
        np.linspace(0, 0.2, 5),
    ),
    "plot_kl_variances": lambda: lm_plots.plot_kl_variances(
        np.array([0.01, 0.1]),
        {k: np.array([2.0, 1.5]) for k in ("k1", "k2", "k3")},
        {"k1": np.zeros(2), "k2": np.array([0.01, 0.1]), "k3": np.zeros(2)},
    ),
}
ALLOWED = {mcolors.to_hex(c) for c in PALETTE.values()}


def _figure(name):
    result = CALLS[name]()
    return result[0] if isinstance(result, tuple) else result


def test_every_plot_function_is_checked():
    modules = (estimator_plots, study_plots, rl_plots, update_plots, lm_plots)
    public = {n for module in modules for n in module.__all__ if n.startswith("plot_")}
    assert public == {name.split()[0] for name in CALLS}  # a row "plot_x (variant)" checks plot_x again


@pytest.mark.parametrize("name", sorted(CALLS))
def test_titles_labels_and_font_sizes(name):
    fig = _figure(name)
    for ax in fig.axes:
        assert ax.get_title(), f"{name}: an axes without a title"
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: unlabelled axis on '{ax.get_title()}'"
    fig.canvas.draw()  # tick labels exist once drawn
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    assert sizes and min(sizes) >= 8, f"{name}: text at {min(sizes)} pt"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_data_colours_come_from_the_palette(name):
    fig = _figure(name)
    used = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_visible() and len(line.get_xdata()):
                used.add(mcolors.to_hex(line.get_color()))
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                used.add(mcolors.to_hex(patch.get_facecolor()))
        for collection in ax.collections:
            if isinstance(collection, PolyCollection):
                used |= {mcolors.to_hex(c) for c in collection.get_facecolor()}
    assert used and used <= ALLOWED, f"{name}: colours outside the palette: {sorted(used - ALLOWED)}"
