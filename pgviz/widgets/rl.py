"""The widget app of notebook 04: the REINFORCE estimate ĝ_m against the number of trajectories m."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from pgviz.plots.rl import plot_gradient_convergence
from pgviz.plots.style import COLORS, CYCLE
from pgviz.rl import MDP
from pgviz.rl.reinforce import running_estimates
from pgviz.validation import check_count
from pgviz.widgets.base import FigureApp

__all__ = ["GradientConvergenceApp"]


class GradientConvergenceApp(FigureApp):
    """A slider over the number of sampled trajectories m: ĝ_m moves toward the exact ∇J (notebook 04).

    The episodes are sampled once (``max_m`` of them); moving the slider only moves the markers
    and the line at m (the legend sits below the axes, so nothing static is drawn over them).
    """

    def __init__(self, mdp: MDP, theta, features, rng: np.random.Generator, max_m: int = 5000, m: int = 10):
        data = running_estimates(mdp, theta, features, max_m, rng)
        m = check_count(m, "m", 1, max_m)
        self.data = data
        self.fig, self.ax = plot_gradient_convergence(data["estimates"], data["standard_errors"], data["exact"])
        num_params = data["exact"].shape[0]
        self.markers = [
            self.ax.errorbar(
                [m], [0.0], yerr=[0.0], fmt="o", ms=7, capsize=4, color=CYCLE[p % len(CYCLE)], mec=COLORS["marker_edge"]
            )
            for p in range(num_params)
        ]
        self.vline = self.ax.axvline(m, color=COLORS["highlight"], lw=1)
        self.slider = widgets.IntSlider(
            value=m,
            min=1,
            max=max_m,
            step=1,
            description="m",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.readout = widgets.HTML("")
        moving = [artist for container in self.markers for artist in container.get_children()] + [self.vline]
        super().__init__(self.fig, [self.slider], moving=[moving], message=self.readout)

    def update(self) -> None:
        m = self.slider.value
        estimate = self.data["estimates"][m - 1]
        se = self.data["standard_errors"][m - 1]
        for p, container in enumerate(self.markers):
            line, caps, (bars,) = container
            line.set_data([m], [estimate[p]])
            low, high = estimate[p] - 2 * se[p], estimate[p] + 2 * se[p]
            caps[0].set_data([m], [low])
            caps[1].set_data([m], [high])
            bars.set_segments([[[m, low], [m, high]]])
        self.vline.set_xdata([m, m])
        rows = ", ".join(
            f"θ<sub>{p}</sub>: {estimate[p]:+.3f} (exact {self.data['exact'][p]:+.3f})" for p in range(len(estimate))
        )
        self.readout.value = f"m = {m}: ĝ = {rows}"
