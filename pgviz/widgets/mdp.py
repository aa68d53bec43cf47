"""Widget apps for notebooks 04 and 06: ĝ against m, and the corridor's learning curves."""

from __future__ import annotations

import numbers

import ipywidgets as widgets
import numpy as np

from pgviz.mdp import MDP, exact_policy_gradient, reinforce_gradients, rollout, softmax_policy
from pgviz.plots.mdp import plot_gradient_convergence
from pgviz.plots.style import COLORS, CYCLE
from pgviz.widgets.base import FigureApp

__all__ = ["GradientConvergenceApp", "convergence_data"]


def convergence_data(mdp: MDP, theta, features, max_m: int, rng: np.random.Generator,
                     baseline=None, reward_to_go: bool = False) -> dict:
    """Running REINFORCE estimates ĝ_m = (1/m) Σ_{i≤m} ĝ_i for m = 1..max_m and their standard errors.

    Returns a dict with ``estimates`` [M, P], ``standard_errors`` [M, P] and ``exact`` [P].
    """
    if isinstance(max_m, bool) or not isinstance(max_m, numbers.Integral) or max_m < 2:
        raise ValueError(f"max_m must be an integer >= 2, got {max_m!r}")
    pi = softmax_policy(theta, features)
    episodes = rollout(mdp, pi, max_m, rng)
    per_episode = reinforce_gradients(episodes, theta, features, baseline=baseline,
                                      reward_to_go=reward_to_go)  # [M, P]
    m = np.arange(1, max_m + 1)[:, None]
    running_mean = np.cumsum(per_episode, axis=0) / m  # [M, P]
    running_square = np.cumsum(per_episode ** 2, axis=0) / m
    variance = np.maximum(running_square - running_mean ** 2, 0.0) * m / np.maximum(m - 1, 1)
    return {"estimates": running_mean, "standard_errors": np.sqrt(variance / m),
            "exact": exact_policy_gradient(mdp, theta, features)}


class GradientConvergenceApp(FigureApp):
    """A slider over the number of sampled trajectories m: ĝ_m moves toward the exact ∇J (notebook 04).

    The episodes are sampled once (``max_m`` of them); moving the slider only moves markers.
    """

    def __init__(self, mdp: MDP, theta, features, rng: np.random.Generator, max_m: int = 5000,
                 m: int = 10):
        data = convergence_data(mdp, theta, features, max_m, rng)
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or not 1 <= m <= max_m:
            raise ValueError(f"m must be an integer in [1, {max_m}], got {m!r}")
        self.data = data
        self.fig, self.ax = plot_gradient_convergence(data["estimates"], data["standard_errors"],
                                                      data["exact"])
        num_params = data["exact"].shape[0]
        self.markers = [self.ax.errorbar([m], [0.0], yerr=[0.0], fmt="o", ms=7, capsize=4,
                                         color=CYCLE[p % len(CYCLE)], mec=COLORS["exact"])
                        for p in range(num_params)]
        self.vline = self.ax.axvline(m, color=COLORS["highlight"], lw=1)
        self.slider = widgets.IntSlider(value=m, min=1, max=max_m, step=1, description="m",
                                        continuous_update=True,
                                        layout=widgets.Layout(width="420px"))
        self.readout = widgets.HTML("")
        self._finish([self.slider], message=self.readout)

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
        rows = ", ".join(f"θ<sub>{p}</sub>: {estimate[p]:+.3f} (exact {self.data['exact'][p]:+.3f})"
                         for p in range(len(estimate)))
        self.readout.value = f"m = {m}: ĝ = {rows}"
