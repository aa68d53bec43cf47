"""Figures for notebooks 05–06: what the updates of real code estimate, and how REINFORCE learns.

Every function takes arrays (computed by :mod:`pgviz.rl`) and returns a Figure. A gradient
component p has the colour ``CYCLE[p]`` everywhere, as in notebook 04.
"""

from __future__ import annotations

import numpy as np

from pgviz.plots.style import COLORS, CYCLE, new_figure

__all__ = ["plot_update_directions", "plot_step_budget", "plot_learning_curve_panels", "plot_episode_updates"]


def plot_update_directions(labels, ratios, cosines, title):
    """E[update]_p / ∇J_p for several codes, one group of bars per code, one bar per component.

    A pure rescaling of ∇J has equal bars; different heights (or signs) are another direction.
    Args: labels [C], ratios [C, P], cosines [C] (shown under each label), title. Returns the Figure.
    """
    ratios = np.asarray(ratios, dtype=float)
    num_codes, num_params = ratios.shape
    fig, ax = new_figure(width=7.6, height=3.8)
    width = 0.8 / num_params
    for p in range(num_params):
        ax.bar(
            np.arange(num_codes) + (p - (num_params - 1) / 2) * width,
            ratios[:, p],
            width=width,
            color=CYCLE[p % len(CYCLE)],
            label=rf"$\theta_{p}$",
        )
    ax.axhline(1.0, color=COLORS["exact"], ls="--", lw=1, label=r"$\nabla_\theta J$ (ratio 1)")
    ax.axhline(0.0, color=COLORS["exact"], lw=0.6)
    ticks = [f"{label}\ncos = {cosine:.3f}" for label, cosine in zip(labels, cosines)]
    ax.set_ylim(min(0.0, np.nanmin(ratios)) - 0.1, max(1.0, np.nanmax(ratios)) + 0.35)  # room for the legend
    ax.set_xticks(np.arange(num_codes), ticks, fontsize=8)
    ax.set_xlabel("update (exact expectation)")
    ax.set_ylabel(r"E[update]$_p$ / $\partial J / \partial\theta_p$")
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=num_params + 1, loc="upper right")
    return fig


def plot_step_budget(budgets, per_budget, per_step, title):
    """Expected update of a batch filled to a step budget, per component, against the budget.

    Args: budgets [B]; per_budget [B, P] and per_step [B, P]: the expected update divided by the
    budget / by the batch's own step count, each already divided by ∇J_p / E[T] (so both tend to
    1). Dashed: divided by the budget (equal for every component: a rescaling; drawn widest first
    so that equal lines stay visible); solid: by the steps (components apart: another direction).
    Returns the Figure.
    """
    per_budget, per_step = np.asarray(per_budget, dtype=float), np.asarray(per_step, dtype=float)
    fig, ax = new_figure(width=7.0, height=3.8)
    for p in range(per_step.shape[1]):
        color = CYCLE[p % len(CYCLE)]
        ax.plot(budgets, per_step[:, p], color=color, lw=1.5, marker="o", ms=3, label=rf"÷ steps, $\theta_{p}$")
        width = 1.0 + 1.2 * (per_step.shape[1] - 1 - p)  # equal lines stay visible: the first is widest
        ax.plot(budgets, per_budget[:, p], color=color, lw=width, ls="--", label=rf"÷ budget, $\theta_{p}$")
    ax.axhline(1.0, color=COLORS["exact"], lw=1, ls=":", label=r"$\nabla_\theta J\,/\,E[T]$")
    ax.set_xscale("log")
    ax.set_xlabel("step budget B (a batch ends at the first episode end past B steps)")
    ax.set_ylabel(r"E[update]$_p$ / ($\partial J/\partial\theta_p$ / E[T])")
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncols=per_step.shape[1] + 1, fontsize=8, frameon=False)
    return fig


def plot_learning_curve_panels(panels, optimum, title):
    """Learning curves side by side, one panel per setting, a label in the same colour in every panel.

    Args: panels: {panel title: {label: mean total reward per episode [E]}}; optimum: v*(s_0);
    title: the figure's title. Returns the Figure (every panel has the same y range).
    """
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    colors = dict(zip(labels, CYCLE))
    lowest = min(np.nanmin(np.asarray(curve)) for curves in panels.values() for curve in curves.values())
    fig, axes = new_figure(ncols=len(panels), width=5.0 * len(panels), height=4.2)
    axes = axes if isinstance(axes, list) else [axes]
    for ax, (panel, curves) in zip(axes, panels.items()):
        for label, curve in curves.items():
            curve = np.asarray(curve)
            ax.plot(np.arange(1, len(curve) + 1), curve, color=colors[label], lw=1.2, label=label)
        ax.axhline(optimum, color=COLORS["exact"], ls="--", lw=1, label=rf"$v_*(s_0) = {optimum:.2f}$")
        ax.set_ylim(min(-90.0, 10 * np.floor(lowest / 10)), -10)
        ax.set_xlabel("episode")
        ax.set_ylabel("total reward on episode\n(mean over all runs)")
        ax.set_title(panel, fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(title)
    return fig


def plot_episode_updates(in_loop, batched, start, title):
    """π(right) after each of one episode's updates inside REINFORCE's loop, against one batched update.

    Args: in_loop: {label: π(right) before step 0 and after each step [T + 1]}; batched:
    {label: π(right) after the single update at the fixed θ}; start: π(right) that generated the
    episode; title. Returns the Figure.
    """
    fig, ax = new_figure(width=7.0, height=3.8)
    for (label, p_right), color in zip(in_loop.items(), CYCLE):
        ax.plot(np.arange(len(p_right)), p_right, color=color, lw=1.5, label=f"in the loop: {label}")
        num_steps = len(p_right) - 1
    for (label, p_right), color in zip(batched.items(), CYCLE[len(in_loop) :]):
        ax.plot([0, num_steps], [start, p_right], color=color, ls=":", lw=1.2)
        ax.plot([num_steps], [p_right], "*", ms=12, color=color, label=f"one batched update: {label}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("update t within the episode (step of the episode)")
    ax.set_ylabel("π(right) after the update")
    ax.set_title(title)
    ax.legend(loc="center right", fontsize=8)
    return fig
