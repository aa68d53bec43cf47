"""Figures for notebooks 01-03: Monte Carlo gradient estimates against the exact gradient.

Every function takes arrays (computed by :mod:`pgviz.estimators` and :mod:`pgviz.studies`) and returns ``(fig, ax)`` or a
Figure; nothing here computes the math.
"""

from __future__ import annotations

import numpy as np

from pgviz.estimators import ESTIMATORS
from pgviz.plots.style import COLORS, new_figure

__all__ = [
    "plot_convergence",
    "plot_error_vs_n",
    "plot_terms_histogram",
    "plot_variance_vs_k",
    "plot_repeats",
    "estimator_label",
]


def estimator_label(name: str) -> str:
    """The figure label of an estimator of :data:`pgviz.estimators.ESTIMATORS` (else the name itself)."""
    return ESTIMATORS[name].label if name in ESTIMATORS else name


def plot_convergence(
    n_grid,
    running_estimates: dict,
    running_standard_errors: dict,
    exact: float,
    num_samples: int | None = None,
    param_label: str = r"\theta",
    cost_label: str = "f",
):
    """Running estimates of one gradient component against N (log axis), ±2 SE bands, exact line.

    Args: n_grid [G] sample counts; running_estimates {estimator name: [G]} and
    running_standard_errors {name: [G]} at those counts; exact: the exact gradient component;
    num_samples: an N to mark; param_label: LaTeX of the parameter (``\\mu``). Returns (fig, ax).
    The axes hold, in order, one band (``ax.collections``) and one line per estimator, then the
    exact line (``ax.lines``) and its value (``ax.texts[0]``, at the right end of the line); the
    legend sits below the axes, outside the data.
    """
    n_grid = np.asarray(n_grid, dtype=float)
    fig, ax = new_figure(width=7.0, height=4.3)
    for name, estimates in running_estimates.items():
        estimates = np.asarray(estimates)
        se = np.asarray(running_standard_errors[name])
        color = COLORS.get(name, COLORS["other"])
        ax.fill_between(n_grid, estimates - 2 * se, estimates + 2 * se, color=color, alpha=0.18, lw=0)
        ax.plot(n_grid, estimates, color=color, lw=1.3, label=estimator_label(name) + " (±2 SE)")
    ax.axhline(exact, color=COLORS["exact"], lw=1.2, ls="--", label="exact gradient")
    ax.text(
        1.0,
        exact,
        f"exact {exact:+.4f} ",
        transform=ax.get_yaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=9,
        color=COLORS["exact"],
        clip_on=True,
    )
    if num_samples is not None:
        ax.axvline(num_samples, color=COLORS["highlight"], lw=1)
    ax.set_xscale("log")
    ax.set_xlim(n_grid[0], n_grid[-1])
    ax.set_xlabel("number of samples N")
    ax.set_ylabel(rf"estimate of $\partial\,\mathbb{{E}}[f]/\partial {param_label}$")
    ax.set_title(rf"Monte Carlo estimate of $\partial\,\mathbb{{E}}[{cost_label}]/\partial {param_label}$ converges")
    fig.legend(loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    return fig, ax


def plot_error_vs_n(n_grid, errors: dict, reference_variance: dict | None = None, param_label: str = r"\theta"):
    """|estimate - exact| against N on log-log axes, with the sqrt(Var/N) line of slope -1/2.

    Args: n_grid [G]; errors {estimator name: [G] absolute errors (or RMS over repeats)};
    reference_variance {name: single-sample variance}, drawn as sqrt(Var / N). Returns the Figure.
    """
    n_grid = np.asarray(n_grid, dtype=float)
    fig, ax = new_figure(width=6.6, height=3.8)
    for name, error in errors.items():
        color = COLORS.get(name, COLORS["other"])
        ax.plot(n_grid, error, "o", ms=4, color=color, label=estimator_label(name) + " error")
        if reference_variance and name in reference_variance:
            ax.plot(
                n_grid,
                np.sqrt(reference_variance[name] / n_grid),
                color=color,
                lw=1.2,
                label=r"$\sqrt{\mathrm{Var}/N}$ (slope $-1/2$)",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of samples N")
    ax.set_ylabel(rf"error in $\partial/\partial {param_label}$")
    ax.set_title(r"The error shrinks like $1/\sqrt{N}$")
    ax.legend(fontsize=9)
    return fig


def plot_terms_histogram(terms: dict, estimate: dict, exact: float, bins: int = 80, param_label: str = r"\theta"):
    """Histograms of per-sample terms g_i (one per estimator), their means and the exact gradient.

    Args: terms {estimator name: [N]}; estimate {name: float}; exact: float. Returns the Figure.
    """
    fig, ax = new_figure(width=6.6, height=3.8)
    all_terms = np.concatenate([np.asarray(t) for t in terms.values()])
    low, high = np.quantile(all_terms, [0.002, 0.998])
    edges = np.linspace(low, high, bins + 1)
    for name, values in terms.items():
        color = COLORS.get(name, COLORS["other"])
        ax.hist(
            np.clip(values, low, high),
            bins=edges,
            density=True,
            histtype="stepfilled",
            alpha=0.35,
            color=color,
            label=f"{estimator_label(name)}: mean {estimate[name]:+.3f}",
        )
    ax.axvline(exact, color=COLORS["exact"], ls="--", lw=1.2, label=f"exact {exact:+.3f}")
    ax.set_xlabel(rf"per-sample term $g_i$ for $\partial/\partial {param_label}$ (clipped to 99.6%)")
    ax.set_ylabel("density")
    ax.set_title("Per-sample terms: wide spread, mean on the exact gradient")
    ax.legend(fontsize=9)
    return fig


def plot_repeats(estimates: dict, exact: float, num_samples: int, param_label: str = r"\theta"):
    """Many independent N-sample estimates (one dot per repeat) around the exact gradient.

    Args: estimates {estimator name: [R]}; exact: float; num_samples: N. Returns the Figure.
    """
    fig, ax = new_figure(width=6.6, height=4.2)
    for row, (name, values) in enumerate(estimates.items()):
        values = np.asarray(values)
        color = COLORS.get(name, COLORS["other"])
        jitter = row + np.linspace(-0.25, 0.25, values.size)
        ax.plot(values, jitter, "o", ms=3, alpha=0.6, color=color)
        ax.plot(
            [values.mean()],
            [row],
            "D",
            ms=9,
            color=color,
            mec="black",
            label=f"{estimator_label(name)}: mean of {values.size} = {values.mean():+.3f}",
        )
    ax.axvline(exact, color=COLORS["exact"], ls="--", lw=1.2, label=f"exact {exact:+.3f}")
    ax.set_yticks(range(len(estimates)), [estimator_label(n) for n in estimates])
    ax.set_ylim(-0.6, len(estimates) - 0.4)
    ax.set_xlabel(rf"estimate of $\partial/\partial {param_label}$ from N = {num_samples} samples")
    ax.set_ylabel("estimator")
    ax.set_title("Repeated estimates scatter around the exact gradient: unbiased")
    fig.legend(fontsize=8, loc="outside lower center", ncol=1)
    return fig


def plot_variance_vs_k(
    k_values,
    exact: dict,
    sampled: dict | None = None,
    cost_label: str = "f",
    param_labels=(r"\mu", r"\sigma"),
    log_k: bool = False,
):
    """Single-sample variance of each estimator against k, one panel per parameter (Mohamed et al. Figs 2-3).

    Args: k_values [K]; exact {estimator name: [K, P]} exact variances; sampled {name: (k [J],
    [J, P])} Monte Carlo variances to overlay as dots. Returns the Figure.
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
    axes[0].plot([], [], "o", color="gray", mfc="none", label="Monte Carlo")
    fig.legend(loc="outside lower center", ncol=4, fontsize=9)
    return fig
