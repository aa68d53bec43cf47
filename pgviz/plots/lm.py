"""Figures for notebooks 07–08: a tiny language model's completions, group estimators, PPO and KL.

Every function takes arrays (computed by :mod:`pgviz.lm`) and returns a Figure (the convergence
figure of the widget also returns the artists it moves). Estimators and KL estimators have the
colours of their names in :data:`pgviz.plots.style.COLORS`.
"""

from __future__ import annotations

import numpy as np

from pgviz.plots.style import COLORS, CYCLE, new_figure

MARKERS = {"reinforce": "s", "mean_baseline": "^", "rloo": "o", "grpo": "D", "dr_grpo": "v", "dapo": "P"}

__all__ = [
    "plot_completions",
    "plot_prompt_weights",
    "plot_estimator_comparison",
    "plot_length_paths",
    "plot_group_convergence",
    "plot_ppo_updates",
    "plot_kl_variances",
]


def plot_completions(labels, probabilities, rewards, title):
    """π(o | prompt) of every completion of one prompt as bars, right answers (reward > 1/2) coloured.

    Args: labels [K0], probabilities [K0], rewards [K0], title. Returns the Figure.
    """
    probabilities, rewards = np.asarray(probabilities), np.asarray(rewards)
    fig, ax = new_figure(width=9.0, height=3.8)
    right = rewards > 0.5
    x = np.arange(len(labels))
    ax.bar(x[right], probabilities[right], color=COLORS["correct"], label="right answer (R = 1)")
    ax.bar(x[~right], probabilities[~right], color=COLORS["wrong"], label="wrong answer (R = 0)")
    ax.set_xticks(x, labels, rotation=90, fontsize=8)
    ax.set_xlim(-0.7, len(labels) - 0.3)
    ax.set_xlabel("completion o")
    ax.set_ylabel(r"$\pi_\theta(o \mid \mathrm{prompt})$")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=9)
    return fig


def plot_prompt_weights(p, weights, no_signal, prompts):
    """GRPO's std normalization as a weight on each prompt, and the chance that a group has no signal.

    Args: p [M] success probabilities; weights {G: w(p) [M]} (:func:`pgviz.lm.std_normalization_weight`);
    no_signal {G: p^G + (1 − p)^G [M]}; prompts {label: success probability} marked on both panels.
    Returns the Figure.
    """
    p = np.asarray(p)
    fig, (ax_w, ax_n) = new_figure(2, width=10.0, height=3.9)
    inside = (p > 0.02) & (p < 0.98)
    ax_w.plot(p[inside], 1 / np.sqrt(p[inside] * (1 - p[inside])), color=COLORS["exact"], ls=":", lw=1.2,
              label=r"$1/\sqrt{p(1-p)}$ (G → ∞)")  # fmt: skip
    for (group_size, w), color in zip(weights.items(), CYCLE):
        ax_w.plot(p, w, color=color, lw=1.5, label=f"G = {group_size}")
        ax_n.plot(p, no_signal[group_size], color=color, lw=1.5, label=f"G = {group_size}")
    for ax in (ax_w, ax_n):
        for label, p_prompt in prompts.items():
            ax.axvline(p_prompt, color=COLORS["other"], lw=0.8, ls="--")
            ax.text(
                p_prompt, 0.02, f" {label}", transform=ax.get_xaxis_transform(), rotation=90, va="bottom", fontsize=8
            )
        ax.set_xlim(0, 1)
        ax.set_xlabel("success probability p of a prompt")
    ax_w.set_ylim(0, 4.2)
    ax_w.set_ylabel("weight w(p) on the prompt's ∇p")
    ax_w.set_title("GRPO's std normalization re-weights prompts")
    ax_w.legend(fontsize=8, loc="upper center")
    ax_n.set_ylim(0, 1.02)
    ax_n.set_ylabel(r"$P(\text{all rewards equal}) = p^G + (1-p)^G$")
    ax_n.set_title("Groups that carry no signal")
    ax_n.legend(fontsize=8, loc="upper center")
    return fig


def plot_estimator_comparison(group_sizes, cosines, norm_ratios, labels):
    """Each estimator's exact E[ĝ] against ∇J: cosine and norm ratio, against the group size G.

    Args: group_sizes [n]; cosines, norm_ratios: {name: [n]}; labels: {name: legend text}.
    Returns the Figure.
    """
    fig, (ax_c, ax_n) = new_figure(2, width=10.0, height=3.8)
    for order, name in enumerate(cosines):  # later estimators drawn smaller, so that equal curves stay visible
        marker = MARKERS.get(name, "o")
        size, width = 9 - 1.2 * order, 2.6 - 0.3 * order
        style = dict(
            color=COLORS.get(name, COLORS["other"]), marker=marker, ms=size, lw=width, label=labels.get(name, name)
        )
        ax_c.plot(group_sizes, cosines[name], **style)
        ax_n.plot(group_sizes, norm_ratios[name], **style)
    ax_c.set_ylabel(r"cosine of $\mathbb{E}[\hat g]$ with $\nabla J$")
    ax_c.set_title("Direction: 1 means the direction of ∇J")
    ax_n.set_ylabel(r"$|\mathbb{E}[\hat g]| \,/\, |\nabla J|$")
    ax_n.set_title("Length: a learning rate absorbs a constant")
    for ax in (ax_c, ax_n):
        ax.set_xlabel("group size G")
        ax.set_xticks(group_sizes)
    ax_n.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def plot_length_paths(paths, labels):
    """Mean length of wrong and of right answers against J along each estimator's expected ascent.

    Args: paths {name: {"J": [S], "wrong_length": [S], "right_length": [S]}} (:func:`pgviz.lm.expected_ascent`;
    the name ``"exact"`` is the true gradient); labels {name: legend text}. Returns the Figure.
    """
    fig, (ax_w, ax_r) = new_figure(2, width=10.0, height=3.8)
    for name, path in paths.items():
        color = COLORS.get(name, COLORS["other"])
        style = dict(color=color, ls="--", lw=1.4, zorder=3) if name == "exact" else dict(color=color, lw=2.2)
        ax_w.plot(path["J"], path["wrong_length"], label=labels.get(name, name), **style)
        ax_r.plot(path["J"], path["right_length"], label=labels.get(name, name), **style)
    ax_w.set_ylabel("mean length of wrong answers (tokens)")
    ax_w.set_title("Wrong answers")
    ax_r.set_ylabel("mean length of right answers (tokens)")
    ax_r.set_title("Right answers")
    for ax in (ax_w, ax_r):
        ax.set_xlabel("J = Σ over prompts of P(right)")
    ax_r.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def plot_group_convergence(num_groups, projection, projection_se, cosine, exact_projection, exact_cosine, label, color):
    """The running estimate from N sampled groups against N: its projection on ∇J and its cosine with ∇J.

    Args: num_groups [M] (N at which the running values are given), projection [M] (ĝ_N · ∇J / |∇J|²),
    projection_se [M], cosine [M] (of ĝ_N with ∇J), exact_projection, exact_cosine (of the exact
    E[ĝ]), label, color (the estimator's). Returns (fig, axes, artists): artists is a dict of
    what a widget moves ("projection", "band", "cosine", "own_projection", "own_cosine", and
    the N markers "marker_projection", "marker_cosine").
    """
    n = np.asarray(num_groups, dtype=float)
    fig, (ax_p, ax_c) = new_figure(2, width=10.0, height=4.0)
    band = ax_p.fill_between(n, projection - 2 * projection_se, projection + 2 * projection_se, color=color,
                             alpha=0.2, lw=0)  # fmt: skip
    (line_p,) = ax_p.plot(n, projection, color=color, lw=1.3, label=f"running {label}, ±2 SE")
    own_p = ax_p.axhline(exact_projection, color=color, ls="--", lw=1.2, label="its exact expectation")
    ax_p.axhline(1.0, color=COLORS["exact"], ls=":", lw=1.2, label="∇J")
    (line_c,) = ax_c.plot(n, cosine, color=color, lw=1.3, label=f"running {label}")
    own_c = ax_c.axhline(exact_cosine, color=color, ls="--", lw=1.2, label="its exact expectation")
    ax_c.axhline(1.0, color=COLORS["exact"], ls=":", lw=1.2, label="∇J")
    (marker_p,) = ax_p.plot([n[0]], [projection[0]], "o", ms=7, color=color, mec=COLORS["marker_edge"])
    (marker_c,) = ax_c.plot([n[0]], [cosine[0]], "o", ms=7, color=color, mec=COLORS["marker_edge"])
    ax_p.set_ylim(-0.5, 2.0)
    ax_c.set_ylim(-0.25, 1.1)
    for ax in (ax_p, ax_c):
        ax.set_xscale("log")
        ax.set_xlim(n[0], n[-1])
        ax.set_xlabel("number of sampled groups N (one per prompt each)")
    # one legend below the axes: nothing static is drawn over the moving curves (a widget redraws less)
    fig.legend(
        handles=[line_p, own_p, ax_p.get_lines()[2]], loc="outside lower center", ncols=3, fontsize=9, frameon=False
    )
    ax_p.set_ylabel(r"$\hat g_N \cdot \nabla J \,/\, |\nabla J|^2$")
    ax_p.set_title("Along ∇J: converges to its own expectation")
    ax_c.set_ylabel(r"cosine of $\hat g_N$ with $\nabla J$")
    ax_c.set_title("Direction")
    artists = dict(
        projection=line_p,
        band=band,
        cosine=line_c,
        own_projection=own_p,
        own_cosine=own_c,
        marker_projection=marker_p,
        marker_cosine=marker_c,
    )
    return fig, (ax_p, ax_c), artists


def plot_ppo_updates(steps, cosines, norm_ratios, clipped_fraction):
    """After k updates on the data of θ_old: the surrogate's expected gradient against ∇J(θ_k).

    Args: steps [S]; cosines, norm_ratios: {"clipped": [S], "unclipped": [S]} (cosine with and
    |·| / |∇J(θ_k)|); clipped_fraction [S] (share of tokens whose gradient the clip removes).
    Returns the Figure.
    """
    fig, (ax_c, ax_n, ax_f) = new_figure(3, width=11.0, height=3.6)
    for name in ("unclipped", "clipped"):
        style = dict(color=COLORS[name], marker="o", ms=3, lw=1.4, label=f"{name} surrogate")
        ax_c.plot(steps, cosines[name], **style)
        ax_n.plot(steps, norm_ratios[name], **style)
    ax_f.plot(steps, clipped_fraction, color=COLORS["clipped"], marker="o", ms=3, lw=1.4)
    ax_c.set_ylabel(r"cosine with $\nabla J(\theta_k)$")
    ax_c.set_title("Direction")
    ax_n.set_ylabel(r"$|\mathbb{E}\nabla L| \,/\, |\nabla J(\theta_k)|$")
    ax_n.set_title("Length")
    ax_f.set_ylabel("share of tokens clipped")
    ax_f.set_title("Clipping")
    ax_f.set_ylim(0, max(0.05, 1.15 * float(np.max(clipped_fraction))))
    for ax in (ax_c, ax_n, ax_f):
        ax.set_xlabel("update k on the same data")
    ax_c.legend(fontsize=8, loc="lower left")
    return fig


def plot_kl_variances(kl, relative_std, relative_bias):
    """Schulman's k1, k2, k3 as the KL grows: standard deviation and bias of one sample, over the KL.

    Args: kl [M] true KL(π ‖ π_ref); relative_std, relative_bias: {"k1": [M], "k2": [M], "k3": [M]}
    (std/KL and bias/KL of one completion per prompt; |bias| is drawn, values under 1e-9 are taken
    for rounding and left out). Returns the Figure.
    """
    fig, (ax_s, ax_b) = new_figure(2, width=10.0, height=3.8)
    for name in relative_std:
        ax_s.plot(kl, relative_std[name], color=COLORS[name], lw=1.6, marker="o", ms=3, label=name)
        bias = np.abs(np.asarray(relative_bias[name], dtype=float))
        shown = bias > 1e-9  # rounding noise of an unbiased estimator is not drawn
        if np.any(shown):
            ax_b.plot(kl, np.where(shown, bias, np.nan), color=COLORS[name], lw=1.6, marker="o", ms=3, label=name)
    for ax in (ax_s, ax_b):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\mathrm{KL}(\pi_\theta \,\|\, \pi_{ref})$")
        ax.legend(fontsize=8)
    ax_s.set_ylabel("std of one sample / KL")
    ax_s.set_title("Spread (one completion per prompt)")
    ax_b.set_ylabel("|bias| / KL")
    ax_b.set_title("Bias (k1 and k3 have none)")
    return fig
