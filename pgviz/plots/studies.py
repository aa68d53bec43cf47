"""Figures of the variance studies (notebook 03): single-sample variances against k, as in Mohamed,
Rosca, Figurnov & Mnih (JMLR 2020) Figures 2 and 3, the costs behind them, and running standard errors.

Every function takes arrays (computed by :mod:`pgviz.studies` and its neighbours) and returns a
Figure; nothing here computes the math.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from pgviz.plots.estimators import estimator_label
from pgviz.plots.style import COLORS, new_figure

__all__ = ["plot_variance_vs_k", "plot_running_standard_error", "plot_cost_profiles"]


def plot_variance_vs_k(
    k_values,
    exact: dict,
    sampled: dict | None = None,
    cost_label: str = "f",
    param_labels=(r"\mu", r"\sigma"),
    log_k: bool = False,
    ylim=None,
    k_ticks=None,
):
    """Single-sample variance of each estimator against k, one panel per parameter (Mohamed et al. Figs 2-3).

    Args: k_values [K]; exact {estimator name: [K, P]} exact variances; sampled {name: (k [J],
    [J, P])} Monte Carlo variances to overlay as dots; ylim (low, high) for every panel, e.g. when
    a variance is 0 at some k (None: automatic); k_ticks: k values to label, as plain numbers (for a
    log k axis shorter than a few decades). Returns the Figure.
    """
    k_values = np.asarray(k_values, dtype=float)
    num_params = len(param_labels)
    fig, axes = new_figure(ncols=num_params, width=3.6 * num_params, height=3.4)
    axes = axes if isinstance(axes, list) else [axes]
    for p, ax in enumerate(axes):
        for name, values in exact.items():
            color = COLORS.get(name, COLORS["other"])
            ax.plot(
                k_values, np.asarray(values)[:, p], color=color, lw=1.5, label=estimator_label(name) if p == 0 else None
            )
            if sampled and name in sampled:
                k_mc, v_mc = sampled[name]
                ax.plot(k_mc, np.asarray(v_mc)[:, p], "o", ms=4, color=color, mfc="none")
        if log_k:
            ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("k")
        ax.set_ylabel("single-sample variance")
        ax.set_title(rf"$\partial/\partial {param_labels[p]}$ of $\mathbb{{E}}[{cost_label}]$")
        if ylim is not None:
            ax.set_ylim(*ylim)
        if k_ticks is not None:
            ax.set_xticks(k_ticks, [f"{t:g}" for t in k_ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0].plot([], [], "o", color="gray", mfc="none", label="Monte Carlo")
    fig.legend(loc="outside lower center", ncol=4, fontsize=9)
    return fig


def plot_running_standard_error(
    n_grid, running_se: dict, variance: dict | None = None, param_labels=(r"\mu", r"\sigma")
):
    """The running standard error of each estimator against N on log-log axes, one panel per parameter.

    Args: n_grid [G]; running_se {estimator name: [G, P]} standard errors after n samples;
    variance {name: [P]} exact single-sample variances, drawn as sqrt(Var/N) (dashed). Lines that
    would overlap as bands separate here: a lower line is a less noisy estimator. Returns the Figure.
    """
    n_grid = np.asarray(n_grid, dtype=float)
    fig, axes = new_figure(ncols=len(param_labels), width=4.2 * len(param_labels), height=3.6)
    axes = axes if isinstance(axes, list) else [axes]
    for p, ax in enumerate(axes):
        for name, se in running_se.items():
            color = COLORS.get(name, COLORS["other"])
            ax.plot(n_grid, np.asarray(se)[:, p], color=color, lw=1.4, label=estimator_label(name) if p == 0 else None)
            if variance and name in variance:
                ax.plot(n_grid, np.sqrt(np.asarray(variance[name])[p] / n_grid), color=color, lw=1.0, ls="--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of samples N")
        ax.set_ylabel("standard error")
        ax.set_title(rf"running SE of $\partial/\partial {param_labels[p]}$")
    if variance:
        axes[0].plot([], [], color=COLORS["exact"], lw=1.0, ls="--", label=r"exact $\sqrt{\mathrm{Var}/N}$")
    fig.legend(loc="outside lower center", ncol=4, fontsize=9)
    return fig


def plot_cost_profiles(x_values, values, derivatives, k_values, cost_label: str = "f"):
    """A cost f(x; k) and its derivative f'(x; k) at a few k, one small panel per k (Mohamed et al. Figs. 2-3).

    Args: x_values [X]; values [K, X] and derivatives [K, X] (from :func:`pgviz.cost_profiles.cost_profiles`);
    k_values [K]. The score function's variance follows f, the pathwise estimator's follows f'.
    Returns the Figure.
    """
    k_values = np.asarray(k_values, dtype=float)
    fig, axes = new_figure(ncols=k_values.size, width=3.0 * k_values.size, height=2.6)
    axes = axes if isinstance(axes, list) else [axes]
    for i, ax in enumerate(axes):
        if i:
            ax.sharey(axes[0])  # one scale, so the growth of f' with k shows
        ax.plot(x_values, np.asarray(values)[i], color=COLORS["cost"], lw=1.5, label="f(x)" if i == 0 else None)
        ax.plot(
            x_values,
            np.asarray(derivatives)[i],
            color=COLORS["cost_derivative"],
            lw=1.3,
            ls="--",
            label="f\u2032(x)" if i == 0 else None,
        )
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.set_title(rf"${cost_label}$, k = {k_values[i]:.3g}")
    fig.legend(loc="outside lower center", ncol=2, fontsize=9)
    return fig
