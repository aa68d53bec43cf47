"""The widget app of notebook 07: a group estimator's sampled estimate converging to its own expectation."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from pgviz.lm import GROUP_ESTIMATORS, agreement, exact_gradient, expected_estimate, running_agreement, sample_groups
from pgviz.lm.model import TinyLM, check_lm
from pgviz.lm.rewards import check_rewards
from pgviz.plots.lm import plot_group_convergence
from pgviz.plots.style import COLORS
from pgviz.validation import check_choice, check_count, check_rng
from pgviz.widgets.base import FigureApp

__all__ = ["GroupConvergenceApp"]

NUM_CURVE_POINTS = 160  # points of the drawn curves (log-spaced N); the markers use every N


class GroupConvergenceApp(FigureApp):
    """Pick an estimator and G; the running estimate from N sampled groups converges to its own E[ĝ].

    Everything the controls show is computed in ``__init__``: for every G in ``group_sizes`` one
    set of ``max_groups`` groups is sampled (all estimators use the same groups), and for every
    estimator the running projection on ∇J, its SE and its cosine with ∇J at every N, beside the
    exact expectation's. A control change only looks these up.

    Args:
        lm, rewards [K]: the problem (notebook 07's default); rng: numpy Generator for the groups;
        estimators: names of ``GROUP_ESTIMATORS``; group_sizes: G values (each >= 2, at most 8 of
        them); max_groups: N_max; estimator, group_size, num_groups: the controls' first values.
    """

    def __init__(
        self,
        lm: TinyLM,
        rewards,
        rng: np.random.Generator,
        estimators=tuple(GROUP_ESTIMATORS),
        group_sizes=tuple(range(2, 9)),
        max_groups: int = 2000,
        estimator: str = "grpo",
        group_size: int = 4,
        num_groups: int = 100,
    ):
        check_lm(lm)
        rewards = check_rewards(rewards, lm.enumerate())
        rng = check_rng(rng)
        estimators = tuple(check_choice(name, "estimators", tuple(GROUP_ESTIMATORS)) for name in estimators)
        group_sizes = tuple(sorted({check_count(g, "group_sizes", 2, 16) for g in group_sizes}))
        if not estimators or not 1 <= len(group_sizes) <= 8:
            raise ValueError("estimators must name at least one estimator and group_sizes hold 1 to 8 sizes")
        max_groups = check_count(max_groups, "max_groups", 10, 20_000)
        estimator = check_choice(estimator, "estimator", estimators)
        group_size = check_choice(group_size, "group_size", group_sizes)
        num_groups = check_count(num_groups, "num_groups", 1, max_groups)

        self.gradient = exact_gradient(lm, rewards)
        self.data = {}
        for size in group_sizes:
            groups = sample_groups(lm, size, max_groups, rng)  # the same groups for every estimator
            for name in estimators:
                exact = agreement(expected_estimate(lm, rewards, name, size), self.gradient)
                run = running_agreement(lm, rewards, name, groups, self.gradient)
                self.data[name, size] = {
                    **run,
                    "exact_projection": exact["projection"],
                    "exact_cosine": exact["cosine"],
                }
        self.curve_n = np.unique(np.geomspace(1, max_groups, NUM_CURVE_POINTS).round().astype(int))

        first = self._curves(estimator, group_size)
        self._shown = None  # the (estimator, G) whose curves are drawn
        self.fig, self.axes, self.artists = plot_group_convergence(
            self.curve_n, *first, label="estimate", color=COLORS["samples"]
        )
        self.artists["own_projection"].set_color(COLORS["highlight"])
        self.artists["own_cosine"].set_color(COLORS["highlight"])
        for legend in self.fig.legends:  # the legend's handles follow the recoloured lines
            legend.remove()
        handles = [self.artists["projection"], self.artists["own_projection"], self.axes[0].get_lines()[2]]
        self.fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9, frameon=False)

        self.estimator_menu = widgets.Dropdown(
            options=[(GROUP_ESTIMATORS[name].label, name) for name in estimators],
            value=estimator,
            description="estimator",
        )
        self.group_slider = widgets.IntSlider(
            value=group_size, min=group_sizes[0], max=group_sizes[-1], step=1, description="G", continuous_update=True
        )
        self.group_sizes = group_sizes
        self.n_slider = widgets.FloatLogSlider(
            value=num_groups,
            base=10,
            min=0,
            max=np.log10(max_groups),
            step=0.02,
            description="N groups",
            readout_format=",.0f",
            continuous_update=True,
            layout=widgets.Layout(width="380px"),
        )
        self.readout = widgets.HTML("")
        a = self.artists
        curves = [a["band"], a["projection"], a["own_projection"], a["cosine"], a["own_cosine"]]
        markers = [a["marker_projection"], a["marker_cosine"]]
        super().__init__(
            self.fig, [self.estimator_menu, self.group_slider, self.n_slider], [curves, markers], message=self.readout
        )

    def _curves(self, name, size):
        d, at = self.data[name, size], self.curve_n - 1
        return d["projection"][at], d["projection_se"][at], d["cosine"][at], d["exact_projection"], d["exact_cosine"]

    def _group_size(self) -> int:
        """The slider's G, or the nearest size that was computed (the slider steps by 1)."""
        value = self.group_slider.value
        return min(self.group_sizes, key=lambda g: (abs(g - value), g))

    def update(self) -> None:
        name, size = self.estimator_menu.value, self._group_size()
        n = int(round(self.n_slider.value))
        d, a = self.data[name, size], self.artists
        projection, se, cosine, own_projection, own_cosine = self._curves(name, size)
        if self._shown != (name, size):  # the curves change only with the estimator or G: N moves the markers alone
            self._shown = (name, size)
            with np.errstate(invalid="ignore"):
                a["band"].set_data(self.curve_n, projection - 2 * se, projection + 2 * se)
            a["projection"].set_data(self.curve_n, projection)
            a["cosine"].set_data(self.curve_n, cosine)
            a["own_projection"].set_ydata([own_projection, own_projection])
            a["own_cosine"].set_ydata([own_cosine, own_cosine])
        a["marker_projection"].set_data([n], [d["projection"][n - 1]])
        a["marker_cosine"].set_data([n], [d["cosine"][n - 1]])
        se_text = "" if n < 2 else f" ± {2 * d['projection_se'][n - 1]:.3f}"
        self.readout.value = (
            f"<b>{GROUP_ESTIMATORS[name].label}</b>, G = {size}, after N = {n:,} groups: "
            f"projection on ∇J {d['projection'][n - 1]:.3f}{se_text} (its exact expectation "
            f"{own_projection:.4f}; ∇J: 1), cosine with ∇J {d['cosine'][n - 1]:.3f} (exact {own_cosine:.4f})"
        )
