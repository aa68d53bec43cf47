"""Figures for notebooks 01-03: Monte Carlo gradient estimates against the exact gradient.

Every function takes arrays (computed by :mod:`pgviz.estimators` and its neighbours) and returns
``(fig, ax)`` or a Figure; nothing here computes the math. The variance studies' figures are in
:mod:`pgviz.plots.studies`.
"""

from __future__ import annotations

import numpy as np

from pgviz.estimators import ESTIMATORS
from pgviz.plots.style import COLORS, new_figure

__all__ = [
    "plot_convergence",
    "plot_error_vs_n",
    "plot_repeats",
    "estimator_label",
    "plot_log_prob_slice",
    "plot_terms_against_samples",
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


def plot_log_prob_slice(
    param_values,
    log_prob,
    prob,
    tangent,
    step_params,
    step_log_probs,
    param_label: str = r"\beta",
    action_label: str = "a_t",
):
    """log pi(a_t) and pi(a_t) against one parameter, the score as the tangent's slope, one ascent step.

    Args: param_values [G]; log_prob [G] and prob [G] = exp(log_prob) at the sampled action; tangent
    [G] (the tangent line at the current parameter, slope = the score); step_params (before, after)
    and step_log_probs (log pi(a_t) before, after) of one ascent step. Returns the Figure (two
    panels: log pi with its tangent, then pi with the step's rise).
    """
    param_values = np.asarray(param_values, dtype=float)
    (before, after), (lp_before, lp_after) = step_params, step_log_probs
    fig, (left, right) = new_figure(ncols=2, width=9.0, height=3.6)
    left.plot(param_values, log_prob, color=COLORS["log_prob"], lw=1.8, label=rf"$\log\pi({action_label})$")
    left.plot(param_values, tangent, color=COLORS["score_tangent"], lw=1.3, ls="--", label="tangent: slope = score")
    left.plot([before], [lp_before], "o", color=COLORS["score_tangent"], ms=7, label=rf"current ${param_label}$")
    left.plot([after], [lp_after], "s", color=COLORS["ascent_step"], ms=7, label="after one ascent step")
    left.set_xlabel(rf"${param_label}$")
    left.set_ylabel(rf"$\log\pi_{{{param_label}}}({action_label})$")
    left.set_title(rf"$\nabla \log\pi({action_label})$ is this curve's slope")
    left.legend(fontsize=8, loc="lower right")
    right.plot(param_values, prob, color=COLORS["log_prob"], lw=1.8, label=rf"$\pi({action_label})$")
    right.plot([before], [np.exp(lp_before)], "o", color=COLORS["score_tangent"], ms=7)
    right.plot([after], [np.exp(lp_after)], "s", color=COLORS["ascent_step"], ms=7)
    right.annotate(
        "",
        xy=(after, np.exp(lp_after)),
        xytext=(before, np.exp(lp_before)),
        arrowprops={"arrowstyle": "->", "color": COLORS["ascent_step"], "lw": 1.5},
    )
    right.set_xlabel(rf"${param_label}$")
    right.set_ylabel(rf"$\pi_{{{param_label}}}({action_label})$")
    right.set_title(rf"the step raises $\pi({action_label})$")
    right.legend(fontsize=8, loc="upper left")
    return fig


def plot_terms_against_samples(
    x_values,
    terms,
    x_grid,
    term_curve,
    exact: float,
    variance_density=None,
    tails=None,
    param_label: str = r"\theta",
    max_points: int = 3000,
):
    """Where the variance lives: per-sample terms g_i against their samples x_i, and all terms on a log density axis.

    Args: x_values [N] samples; terms [N] their terms g_i; x_grid [G] and term_curve [G] the term as a
    function of x; exact: the exact gradient (the terms' mean); variance_density [G] (optional):
    (g(x) - mean)^2 p(x), whose integral is the variance, drawn in a middle panel with the x beyond
    ``tails`` = (low, high) shaded; max_points: the first points drawn in the scatter. Returns the
    Figure (first panel: g against x; last: a histogram of every term, nothing clipped, with a
    logarithmic density axis so that the tails show).
    """
    x_values, terms, x_grid = (np.asarray(v, dtype=float) for v in (x_values, terms, x_grid))
    panels = 3 if variance_density is not None else 2
    fig, axes = new_figure(ncols=panels, width=4.4 * panels, height=3.8)
    left, right = axes[0], axes[-1]
    left.plot(
        x_grid,
        term_curve,
        color=COLORS["score_function"],
        lw=1.0,
        label=rf"$g(x)$ for $\partial/\partial {param_label}$",
    )
    shown = slice(0, max_points)
    left.plot(
        x_values[shown],
        terms[shown],
        "o",
        ms=3,
        alpha=0.35,
        color=COLORS["samples"],
        label=f"first {max_points} samples",
    )
    left.axhline(exact, color=COLORS["exact"], ls="--", lw=1.2, label=f"mean (exact) {exact:+.3f}")
    left.set_xlabel("sample x")
    left.set_ylabel(r"per-sample term $g_i$")
    left.set_title("Terms against samples: cubic tails")
    left.legend(fontsize=8)
    if variance_density is not None:
        middle = axes[1]
        middle.plot(x_grid, variance_density, color=COLORS["score_function"], lw=1.5)
        if tails is not None:
            low, high = tails
            for mask in (x_grid <= low, x_grid >= high):
                middle.fill_between(
                    x_grid[mask], 0, np.asarray(variance_density)[mask], color=COLORS["highlight"], alpha=0.5
                )
            middle.plot([], [], "s", color=COLORS["highlight"], alpha=0.5, label="beyond the tail edges")
            middle.legend(fontsize=8)
        middle.set_xlabel("sample x")
        middle.set_ylabel(r"$(g(x) - \mathrm{mean})^2\, p(x)$")
        middle.set_title("Where the variance lives")
    edges = np.linspace(terms.min(), terms.max(), 121)
    right.hist(terms, bins=edges, density=True, color=COLORS["score_function"], alpha=0.6, log=True)
    right.axvline(exact, color=COLORS["exact"], ls="--", lw=1.2)
    right.set_xlabel(r"per-sample term $g_i$ (every term)")
    right.set_ylabel("density (log scale)")
    right.set_title("All terms, log density: a long left tail")
    return fig
