"""Figures for notebooks 01-03: Monte Carlo gradient estimates against the exact gradient.

Every function takes arrays (computed by :mod:`pgviz.estimators` and :mod:`pgviz.studies`) and returns ``(fig, ax)`` or a
Figure; nothing here computes the math.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from pgviz.estimators import ESTIMATORS
from pgviz.plots.style import COLORS, new_figure

__all__ = [
    "plot_convergence",
    "plot_error_vs_n",
    "plot_terms_histogram",
    "plot_variance_vs_k",
    "plot_repeats",
    "estimator_label",
    "plot_log_prob_slice",
    "plot_terms_against_samples",
    "plot_running_standard_error",
    "plot_cost_profiles",
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
