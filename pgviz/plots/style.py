"""The series' figure style: a colour-blind-safe palette, readable fonts, one way to make a figure.

Figures are made with :class:`matplotlib.figure.Figure` directly (not pyplot), so a notebook
shows a figure only when a cell returns it, no global figure list grows, and a widget can redraw
the same figure in place.
"""

from __future__ import annotations

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency.
PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
# Roles, so that the same quantity has the same colour in every notebook.
COLORS = {
    "exact": PALETTE["black"],  # ground truth: analytic values
    "score_function": PALETTE["blue"],
    "score_function_baseline": PALETTE["green"],
    "pathwise": PALETTE["vermillion"],
    "samples": PALETTE["sky_blue"],
    "highlight": PALETTE["orange"],
    "other": PALETTE["purple"],
    "warning": PALETTE["vermillion"],  # collapsed runs, error messages
    "marker_edge": PALETTE["black"],  # the outline of a widget's moving marker
    "right": PALETTE["blue"],  # a policy leaning to the action "right" ...
    "left": PALETTE["vermillion"],  # ... or to "left"
    # the REINFORCE variants of pgviz.rl.VARIANTS
    "plain": PALETTE["blue"],
    "baseline": PALETTE["green"],
    "reward-to-go": PALETTE["purple"],
    "reward-to-go + baseline": PALETTE["orange"],
    "reward-to-go without γᵗ": PALETTE["vermillion"],  # biased for γ < 1 (notebook 06)
    # notebook 01: log pi(a_t) along a parameter, its tangent (the score), one ascent step
    "log_prob": PALETTE["blue"],
    "score_tangent": PALETTE["orange"],
    "ascent_step": PALETTE["green"],
    # notebook 02: baselines estimated from the samples
    "leave-one-out baseline": PALETTE["orange"],
    "same-batch baseline": PALETTE["purple"],
    # notebook 03: the fourth estimator of Mohamed et al., and a cost with its derivative
    "measure-valued + coupling": PALETTE["purple"],
    "cost": PALETTE["black"],
    "cost_derivative": PALETTE["vermillion"],  # what the pathwise estimator averages
    # notebooks 07-08: the group estimators of pgviz.lm.GROUP_ESTIMATORS, right and wrong answers,
    # Schulman's KL estimators, PPO's surrogate with and without the clip
    "reinforce": PALETTE["sky_blue"],
    "mean_baseline": PALETTE["orange"],
    "rloo": PALETTE["blue"],
    "grpo": PALETTE["vermillion"],
    "dr_grpo": PALETTE["green"],
    "dapo": PALETTE["purple"],
    "correct": PALETTE["green"],
    "wrong": PALETTE["vermillion"],
    "k1": PALETTE["sky_blue"],
    "k2": PALETTE["orange"],
    "k3": PALETTE["green"],
    "clipped": PALETTE["vermillion"],
    "unclipped": PALETTE["sky_blue"],
}
CYCLE = [PALETTE[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky_blue", "black")]

RC = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}


def apply_style() -> None:
    """Set the series' rcParams (fonts, grid, colour cycle). Importing :mod:`pgviz.plots` calls it."""
    matplotlib.rcParams.update(RC)
    matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=CYCLE)


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 6.4, height: float = 3.6, **subplot_kw):
    """A styled figure with an Agg canvas and its axes: ``fig, axes = new_figure(2)``.

    ``axes`` is a single Axes for a 1x1 grid, else a flat list of Axes (row by row).
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw or None)
    axes = list(grid.flat)
    return fig, (axes[0] if len(axes) == 1 else axes)
