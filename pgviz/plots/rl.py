"""Figures for notebooks 04–06: gradient estimates against the exact gradient, the corridor.

Every function takes arrays (computed by :mod:`pgviz.rl`) and returns a Figure.
"""

from __future__ import annotations

import textwrap

import numpy as np

from pgviz.plots.style import COLORS, CYCLE, new_figure

__all__ = [
    "plot_gradient_convergence",
    "plot_corridor_value",
    "plot_learning_curves",
    "plot_policy_paths",
    "plot_variance_bars",
    "plot_trajectory_terms",
]


def plot_gradient_convergence(estimates, standard_errors, exact, param_names=None):
    """Running REINFORCE estimate ĝ_m of each gradient component against m, with ±2 SE and the exact value.

    Args: estimates [M, P] (ĝ after m = 1..M episodes), standard_errors [M, P], exact [P],
    param_names: P labels. Returns (fig, ax). Each
    component's exact value is a dashed line in that component's colour. The legend sits below
    the axes, outside the data (a widget's markers never pass under it).
    """
    estimates, standard_errors = np.asarray(estimates), np.asarray(standard_errors)
    exact = np.asarray(exact)
    num_m, num_params = estimates.shape
    names = param_names or [rf"$\theta_{p}$" for p in range(num_params)]
    m_axis = np.arange(1, num_m + 1)
    fig, ax = new_figure(width=7.0, height=3.8)
    for p in range(num_params):
        color = CYCLE[p % len(CYCLE)]
        ax.fill_between(
            m_axis,
            estimates[:, p] - 2 * standard_errors[:, p],
            estimates[:, p] + 2 * standard_errors[:, p],
            color=color,
            alpha=0.15,
            lw=0,
        )
        ax.plot(m_axis, estimates[:, p], color=color, lw=1.2, label=rf"$\hat g$ for {names[p]}")
        ax.axhline(exact[p], color=color, lw=1.5, ls="--", label=f"exact, {names[p]}")  # its component's colour
    ax.set_xscale("log")
    ax.set_xlabel("number of sampled trajectories m")
    ax.set_ylabel("gradient component")
    ax.set_title(r"REINFORCE estimate $\hat g$ converges to the exact gradient (band: ±2 SE)")
    fig.legend(loc="outside lower center", ncols=num_params, fontsize=9, frameon=False)
    return fig, ax


def plot_corridor_value(p, J, p_star, J_star, epsilon_greedy):
    """J(p) of the short corridor with the optimum and the ε-greedy policies marked (Example 13.1).

    Args: p [K], J [K], p_star, J_star (floats), epsilon_greedy: {label: (p, J)}. Returns the Figure.
    """
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.plot(p, J, color=COLORS["exact"], lw=1.5, label=r"$J(p) = v_\pi(s_0)$")
    ax.plot(
        [p_star],
        [J_star],
        "*",
        ms=14,
        color=COLORS["highlight"],
        label=rf"optimum $p^* = {p_star:.3f}$, $J^* = {J_star:.2f}$",
    )
    for label, (p_eps, J_eps) in epsilon_greedy.items():
        color = COLORS["right"] if p_eps > 0.5 else COLORS["left"]
        ax.plot([p_eps], [J_eps], "o", color=color, label=f"{label}: J = {J_eps:.1f}")
    ax.set_ylim(-100, 0)
    ax.set_xlabel("p = probability of right")
    ax.set_ylabel("expected return J(p)")
    ax.set_title("Short corridor with switched actions (Sutton & Barto, Example 13.1)")
    ax.legend(loc="lower center", fontsize=9)
    return fig


def plot_learning_curves(curves, optimum, title):
    """Total reward per episode averaged over runs, one line per configuration, with v*(s_0).

    Args: curves: {label: mean total reward [E]}; optimum: J*; title: str. Returns the Figure.
    """
    fig, ax = new_figure(width=7.0, height=4.0)
    for (label, curve), color in zip(curves.items(), CYCLE):
        curve = np.asarray(curve)
        ax.plot(np.arange(1, len(curve) + 1), curve, color=color, lw=1.2, label=label)
    ax.axhline(optimum, color=COLORS["exact"], ls="--", lw=1, label=rf"$v_*(s_0) = {optimum:.2f}$")
    ax.set_ylim(-90, -10)
    ax.set_xlabel("episode")
    ax.set_ylabel("total reward on episode\n(mean over runs)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def plot_policy_paths(p_right, collapsed, p_star, title, highlight_label=None, log_episodes=False):
    """π(right) of every run against the episode; highlighted runs in a warning colour, X where stopped.

    Args: p_right [R, E] (NaN after a run was stopped), collapsed [R] bool (the runs to highlight),
    p_star: float, title: str, highlight_label: legend text of the highlighted runs (default
    "collapsed runs (n)"), log_episodes: a log episode axis, so that the first few episodes,
    where collapses happen, are not squeezed. Returns the Figure.
    """
    p_right = np.asarray(p_right)
    collapsed = np.asarray(collapsed, dtype=bool)
    episodes = np.arange(1, p_right.shape[1] + 1)
    fig, ax = new_figure(width=7.0, height=3.6)
    for run in np.flatnonzero(~collapsed):
        ax.plot(episodes, p_right[run], color=COLORS["samples"], lw=0.5, alpha=0.4)
    stopped = 0
    for run in np.flatnonzero(collapsed):
        ax.plot(episodes, p_right[run], color=COLORS["warning"], lw=1.5)
        last = np.flatnonzero(np.isfinite(p_right[run]))[-1]
        if last < p_right.shape[1] - 1:  # the run was stopped here
            ax.plot([episodes[last]], [p_right[run, last]], "X", ms=9, color=COLORS["warning"])
            stopped += 1
    label = highlight_label or f"collapsed runs ({collapsed.sum()})"
    ax.plot([], [], color=COLORS["samples"], label="runs")
    ax.plot(
        [],
        [],
        "X-" if stopped else "-",
        color=COLORS["warning"],
        lw=1.5,
        label=label + (", stopped at X" if stopped else ""),
    )
    ax.axhline(p_star, color=COLORS["exact"], ls="--", lw=1, label=rf"$p^* = {p_star:.3f}$")
    ax.set_ylim(-0.02, 1.02)
    if log_episodes:
        ax.set_xscale("log")
    ax.set_xlabel("episode" + (" (log scale)" if log_episodes else ""))
    ax.set_ylabel("π(right)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def plot_variance_bars(labels, variances, title):
    """Total variance Σ_p Var[ĝ_i,p] of one-episode estimates, one bar per estimator.

    Args: labels [K] (names of :data:`pgviz.rl.VARIANTS` get their colours), variances [K].
    Returns the Figure.
    """
    fig, ax = new_figure(width=6.4, height=3.4)
    colors = [COLORS.get(label, COLORS["other"]) for label in labels]
    bars = ax.bar(np.arange(len(labels)), variances, color=colors)
    ax.bar_label(bars, fmt="%.3g")
    ax.set_ylim(0, 1.12 * max(np.max(variances), 1e-300))  # room for the value above the tallest bar
    ax.set_xticks(np.arange(len(labels)), [textwrap.fill(label, 14) for label in labels])  # long names on two lines
    ax.set_xlabel("estimator")
    ax.set_ylabel("variance of one-episode estimate")
    ax.set_title(title)
    return fig


def plot_trajectory_terms(probabilities, contributions, exact, labels):
    """Each trajectory's P(τ) and its term P(τ) ∇log P(τ) R(τ); the terms' sums equal ∇J.

    Args: probabilities [K], contributions [K, P], exact [P], labels [K]. Returns the Figure.
    """
    contributions = np.asarray(contributions)
    num, num_params = contributions.shape
    fig, (ax_p, ax_g) = new_figure(ncols=2, width=9.0, height=4.4)
    ax_p.barh(np.arange(num), probabilities, color=COLORS["samples"])
    ax_p.set_yticks(np.arange(num), labels, fontsize=8)
    ax_p.invert_yaxis()
    ax_p.set_xlabel("P(τ)")
    ax_p.set_ylabel("trajectory τ")
    ax_p.set_title("every trajectory and its probability")
    width = 0.8 / num_params
    for p in range(num_params):
        ax_g.barh(
            np.arange(num) + p * width,
            contributions[:, p],
            height=width,
            color=CYCLE[p % len(CYCLE)],
            label=rf"$\theta_{p}$: Σ = {contributions[:, p].sum():.4f} (exact {exact[p]:.4f})",
        )
    ax_g.set_yticks(np.arange(num) + 0.4 - width / 2, [str(k) for k in range(num)], fontsize=8)
    ax_g.invert_yaxis()
    ax_g.set_xlabel(r"$P(\tau)\,\nabla_\theta \log P(\tau)\,R(\tau)$")
    ax_g.set_ylabel("trajectory number")
    ax_g.set_title("each trajectory's term of the sum")
    ax_g.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig
