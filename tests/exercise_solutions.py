"""Reference solutions of pgviz's exercises, and each known mistake written as a learner would write it.

Kept in tests/, outside the package: a learner importing pgviz does not get the answers. Each
notebook shows its solution in a collapsed block; ``tests/test_exercises_notebooks.py`` checks that
the text shown there is the source of the function here. ``SOLUTIONS[name]`` is the reference
solution of the exercise ``name``; ``MISTAKES[name][key]`` the wrong variant the checker should
name by ``key``.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------------------- notebook 01


def bernoulli_score(logit, actions):
    p_one = 1.0 / (1.0 + np.exp(-logit))  # σ(z) = P(a = 1)
    return actions - p_one


def softmax_score(logits, action):
    pi = np.exp(logits - logits.max())
    pi /= pi.sum()  # softmax(z)
    return np.eye(len(logits))[action] - pi


def bandit_gradient(logits, returns):
    pi = np.exp(logits - logits.max())
    pi /= pi.sum()
    scores = np.eye(len(logits)) - pi  # row a: ∇log π(a) = e_a − π
    return (pi * returns) @ scores  # Σ_a π(a) G(a) ∇log π(a)


# ----------------------------------------------------------------------------------------- notebook 02


def score_function_estimate(f, mu, sigma, samples):
    d = samples - mu
    score = np.stack([d / sigma**2, (d**2 - sigma**2) / sigma**3], axis=1)  # [N, 2]
    return np.mean(f(samples)[:, None] * score, axis=0)


def standard_error(terms):
    return terms.std(axis=0, ddof=1) / np.sqrt(len(terms))


def leave_one_out_estimate(f_values, scores):
    num = len(f_values)
    baselines = (f_values.sum() - f_values) / (num - 1)  # b_i: the mean of the others
    return np.mean((f_values - baselines)[:, None] * scores, axis=0)


# ----------------------------------------------------------------------------------------- notebook 03


def linear_gaussian_score(w0, w1, log_sigma, states, actions):
    mu, sigma = w0 + w1 * states, np.exp(log_sigma)
    eps = (actions - mu) / sigma
    return np.stack([eps / sigma, states * eps / sigma, eps**2 - 1], axis=1)


def pathwise_estimate(f, df, mu, sigma, eps):
    x = mu + sigma * eps
    return np.array([np.mean(df(x)), np.mean(df(x) * eps)])  # ∂x/∂μ = 1, ∂x/∂σ = ε


# ----------------------------------------------------------------------------------------- notebook 04


def trajectory_log_probability(start, transitions, pi, states, actions):
    s, s_next = states[:-1], states[1:]
    return np.log(start[states[0]]) + np.sum(np.log(pi[s, actions]) + np.log(transitions[s, actions, s_next]))


def trajectory_score(theta, features, states, actions):
    total = np.zeros_like(theta)
    for s, a in zip(states[:-1], actions):
        logits = features[s] @ theta
        pi = np.exp(logits - logits.max())
        pi /= pi.sum()
        total += features[s, a] - pi @ features[s]
    return total


def enumeration_gradient(probabilities, returns, scores):
    return (probabilities * returns) @ scores


# ----------------------------------------------------------------------------------------- notebook 05


def surrogate_loss(log_pi, mask, returns):
    log_prob_tau = np.sum(log_pi * mask, axis=1)  # log π part of log P(τ_i)
    return -np.mean(returns * log_prob_tau)


def standardized_returns(returns_to_go):
    g = returns_to_go
    return (g - g.mean()) / (g.std(ddof=1) + np.finfo(np.float32).eps)


# ----------------------------------------------------------------------------------------- notebook 06


def reward_to_go(rewards, gamma):
    G = np.zeros(len(rewards))
    following = 0.0
    for t in reversed(range(len(rewards))):
        following = rewards[t] + gamma * following
        G[t] = following
    return G


def episode_gradient(rewards, states, scores, baseline, gamma):
    G, following = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):  # the reward-to-go of exercise 1
        following = rewards[t] + gamma * following
        G[t] = following
    discount = gamma ** np.arange(len(rewards))
    return (discount * (G - baseline[states])) @ scores


# ----------------------------------------------------------------------------------------- notebook 07


def rloo_advantages(rewards):
    size = rewards.shape[-1]
    others = (rewards.sum(axis=-1, keepdims=True) - rewards) / (size - 1)
    return rewards - others


def grpo_advantages(rewards):
    mean = rewards.mean(axis=-1, keepdims=True)
    std = rewards.std(axis=-1, ddof=1, keepdims=True)
    return (rewards - mean) / (std + 1e-4)


def grpo_weights(advantages, lengths, max_length):
    size = advantages.shape[-1]
    return advantages / (size * lengths)


# ----------------------------------------------------------------------------------------- notebook 08


def k3_estimate(log_ratio):
    return np.expm1(log_ratio) - log_ratio  # (r − 1) − log r


def k3_loss_gradient(probabilities, log_ratio, scores):
    r = np.exp(log_ratio)
    return (probabilities * (1 - r)) @ scores


def clipped_objective(ratios, weights, mask, clip):
    w = weights[:, None]
    terms = np.minimum(ratios * w, np.clip(ratios, 1 - clip, 1 + clip) * w)
    return np.sum(terms * mask)


SOLUTIONS = {
    f.__name__: f
    for f in (
        bernoulli_score,
        softmax_score,
        bandit_gradient,
        score_function_estimate,
        standard_error,
        leave_one_out_estimate,
        linear_gaussian_score,
        pathwise_estimate,
        trajectory_log_probability,
        trajectory_score,
        enumeration_gradient,
        surrogate_loss,
        standardized_returns,
        reward_to_go,
        episode_gradient,
        rloo_advantages,
        grpo_advantages,
        grpo_weights,
        k3_estimate,
        k3_loss_gradient,
        clipped_objective,
    )
}


# ----------------------------------------------------------------------------------------- the known mistakes


def _softmax(logits):
    pi = np.exp(logits - logits.max())
    return pi / pi.sum()


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _gaussian_terms(f, mu, sigma, samples, mu_part, sigma_part):
    d = samples - mu
    return np.mean(f(samples)[:, None] * np.stack([mu_part(d), sigma_part(d)], axis=1), axis=0)


def _clipped_sum(ratios, weights, mask, clip, combine, use_mask=True):
    w = weights[:, None]
    terms = combine(ratios * w, np.clip(ratios, 1 - clip, 1 + clip) * w)
    return np.sum(terms * mask) if use_mask else np.sum(terms)


MISTAKES = {
    "bernoulli_score": {
        "sign": lambda logit, actions: _sigmoid(logit) - actions,
        "unnormalized": lambda logit, actions: actions * 1.0,
        "one_minus": lambda logit, actions: actions - (1 - _sigmoid(logit)),
        "grad_pi": lambda logit, actions: (
            np.where(actions == 1, _sigmoid(logit), 1 - _sigmoid(logit)) * (actions - _sigmoid(logit))
        ),
        "logit": lambda logit, actions: actions - logit,
    },
    "softmax_score": {
        "sign": lambda logits, action: _softmax(logits) - np.eye(len(logits))[action],
        "unnormalized": lambda logits, action: np.eye(len(logits))[action],
        "uniform": lambda logits, action: np.eye(len(logits))[action] - 1 / len(logits),
        "grad_pi": lambda logits, action: _softmax(logits)[action] * (np.eye(len(logits))[action] - _softmax(logits)),
        "logits": lambda logits, action: np.eye(len(logits))[action] - logits,
    },
    "bandit_gradient": {
        "unweighted": lambda logits, returns: returns @ (np.eye(len(logits)) - _softmax(logits)),
        "uniform": lambda logits, returns: returns @ (np.eye(len(logits)) - _softmax(logits)) / len(logits),
        "zero": lambda logits, returns: (
            (_softmax(logits) @ returns) * (_softmax(logits) @ (np.eye(len(logits)) - _softmax(logits)))
        ),  # E[G]·E[score]
        "sign": lambda logits, returns: -bandit_gradient(logits, returns),
        "unnormalized": lambda logits, returns: _softmax(logits) * returns,
    },
    "score_function_estimate": {
        "mu_sigma": lambda f, mu, sigma, x: _gaussian_terms(
            f, mu, sigma, x, lambda d: d / sigma, lambda d: (d**2 - sigma**2) / sigma**3
        ),
        "no_minus": lambda f, mu, sigma, x: _gaussian_terms(
            f, mu, sigma, x, lambda d: d / sigma**2, lambda d: d**2 / sigma**3
        ),
        "log_sigma": lambda f, mu, sigma, x: _gaussian_terms(
            f, mu, sigma, x, lambda d: d / sigma**2, lambda d: d**2 / sigma**2 - 1
        ),
        "sum": lambda f, mu, sigma, x: len(x) * score_function_estimate(f, mu, sigma, x),
        "sign": lambda f, mu, sigma, x: -score_function_estimate(f, mu, sigma, x),
        "no_f": lambda f, mu, sigma, x: score_function_estimate(lambda v: np.ones_like(v), mu, sigma, x),
    },
    "standard_error": {
        "ddof0": lambda terms: terms.std(axis=0) / np.sqrt(len(terms)),
        "no_sqrt_n": lambda terms: terms.std(axis=0, ddof=1),
        "variance": lambda terms: terms.var(axis=0, ddof=1) / len(terms),
        "over_n": lambda terms: terms.std(axis=0, ddof=1) / len(terms),
    },
    "leave_one_out_estimate": {
        "same_batch": lambda f, s: np.mean((f - f.mean())[:, None] * s, axis=0),
        "no_baseline": lambda f, s: np.mean(f[:, None] * s, axis=0),
        "sum": lambda f, s: len(f) * leave_one_out_estimate(f, s),
        "sign": lambda f, s: -leave_one_out_estimate(f, s),
        "over_n": lambda f, s: np.mean((f - (f.sum() - f) / len(f))[:, None] * s, axis=0),
    },
    "linear_gaussian_score": {
        "sigma_once": lambda w0, w1, ls, s, a: (
            linear_gaussian_score(w0, w1, ls, s, a) * np.array([np.exp(ls), np.exp(ls), 1.0])
        ),
        "no_state": lambda w0, w1, ls, s, a: np.stack(
            [
                (a - w0 - w1 * s) / np.exp(2 * ls),
                (a - w0 - w1 * s) / np.exp(2 * ls),
                ((a - w0 - w1 * s) / np.exp(ls)) ** 2 - 1,
            ],
            axis=1,
        ),
        "d_sigma": lambda w0, w1, ls, s, a: linear_gaussian_score(w0, w1, ls, s, a) / np.array([1.0, 1.0, np.exp(ls)]),
        "no_minus_one": lambda w0, w1, ls, s, a: linear_gaussian_score(w0, w1, ls, s, a) + np.array([0.0, 0.0, 1.0]),
        "sign": lambda w0, w1, ls, s, a: -linear_gaussian_score(w0, w1, ls, s, a),
    },
    "pathwise_estimate": {
        "no_eps": lambda f, df, mu, sigma, eps: np.array([np.mean(df(mu + sigma * eps))] * 2),
        "sigma_factor": lambda f, df, mu, sigma, eps: np.mean(df(mu + sigma * eps)) * np.array([1.0, sigma]),
        "at_noise": lambda f, df, mu, sigma, eps: np.array([np.mean(df(eps)), np.mean(df(eps) * eps)]),
        "score_function": lambda f, df, mu, sigma, eps: score_function_estimate(f, mu, sigma, mu + sigma * eps),
        "f_not_df": lambda f, df, mu, sigma, eps: pathwise_estimate(f, f, mu, sigma, eps),
        "sum": lambda f, df, mu, sigma, eps: len(eps) * pathwise_estimate(f, df, mu, sigma, eps),
        "sign": lambda f, df, mu, sigma, eps: -pathwise_estimate(f, df, mu, sigma, eps),
    },
    "trajectory_log_probability": {
        "no_start": lambda mu, P, pi, s, a: trajectory_log_probability(np.ones_like(mu), P, pi, s, a),
        "no_dynamics": lambda mu, P, pi, s, a: trajectory_log_probability(mu, np.ones_like(P), pi, s, a),
        "policy_only": lambda mu, P, pi, s, a: np.sum(np.log(pi[s[:-1], a])),
        "probability": lambda mu, P, pi, s, a: np.exp(trajectory_log_probability(mu, P, pi, s, a)),
    },
    "trajectory_score": {
        "features_only": lambda theta, x, s, a: x[s[:-1], a].sum(axis=0),
        "sign": lambda theta, x, s, a: -trajectory_score(theta, x, s, a),
        "mean_over_steps": lambda theta, x, s, a: trajectory_score(theta, x, s, a) / len(a),
        "last_step": lambda theta, x, s, a: trajectory_score(theta, x, s[-2:], a[-1:]),
        "first_step": lambda theta, x, s, a: trajectory_score(theta, x, s[:2], a[:1]),
    },
    "enumeration_gradient": {
        "unweighted": lambda p, R, s: R @ s,
        "uniform": lambda p, R, s: R @ s / len(R),
        "zero": lambda p, R, s: (p @ R) * (p @ s),  # E[R]·E[∇log P]
        "sign": lambda p, R, s: -(p * R) @ s,
    },
    "surrogate_loss": {
        "no_minus": lambda log_pi, mask, R: -surrogate_loss(log_pi, mask, R),
        "sum": lambda log_pi, mask, R: -np.sum(R * np.sum(log_pi * mask, axis=1)),
        "per_step": lambda log_pi, mask, R: -np.sum(R[:, None] * log_pi * mask) / mask.sum(),
        "per_trajectory": lambda log_pi, mask, R: -np.mean(R * np.sum(log_pi * mask, axis=1) / mask.sum(axis=1)),
        "unmasked": lambda log_pi, mask, R: -np.mean(R * log_pi.sum(axis=1)),
        "unmasked_mean": lambda log_pi, mask, R: -np.mean(R[:, None] * log_pi),
    },
    "standardized_returns": {
        "ddof0": lambda g: (g - g.mean()) / (g.std() + np.finfo(np.float32).eps),
        "not_centred": lambda g: g / (g.std(ddof=1) + np.finfo(np.float32).eps),
        "not_scaled": lambda g: g - g.mean(),
        "sign": lambda g: -standardized_returns(g),
    },
    "reward_to_go": {
        "no_gamma": lambda r, gamma: reward_to_go(r, 1.0),
        "whole_return": lambda r, gamma: np.full(len(r), reward_to_go(r, gamma)[0]),
        "past": lambda r, gamma: np.cumsum(gamma ** np.arange(len(r)) * r),
        "from_start": lambda r, gamma: np.cumsum((gamma ** np.arange(len(r)) * r)[::-1])[::-1],
        "next_step": lambda r, gamma: reward_to_go(r, gamma) - r,
    },
    "episode_gradient": {
        "no_gamma_t": lambda r, s, x, b, gamma: (reward_to_go(r, gamma) - b[s]) @ x,
        "no_baseline": lambda r, s, x, b, gamma: episode_gradient(r, s, x, np.zeros_like(b), gamma),
        "whole_return": lambda r, s, x, b, gamma: (reward_to_go(r, gamma)[0] - b[s[0]]) * x.sum(axis=0),
        "gamma_on_return": lambda r, s, x, b, gamma: (gamma ** np.arange(len(r)) * reward_to_go(r, gamma) - b[s]) @ x,
        "sign": lambda r, s, x, b, gamma: -episode_gradient(r, s, x, b, gamma),
    },
    "rloo_advantages": {
        "self_included": lambda R: R - R.mean(axis=-1, keepdims=True),
        "no_baseline": lambda R: R * 1.0,
        "sign": lambda R: -rloo_advantages(R),
        "over_g": lambda R: R - (R.sum(axis=-1, keepdims=True) - R) / R.shape[-1],
        "scaled": lambda R: rloo_advantages(R) / (R.std(axis=-1, ddof=1, keepdims=True) + 1e-4),
    },
    "grpo_advantages": {
        "ddof0": lambda R: (R - R.mean(axis=-1, keepdims=True)) / (R.std(axis=-1, keepdims=True) + 1e-4),
        "no_eps": lambda R: (R - R.mean(axis=-1, keepdims=True)) / R.std(axis=-1, ddof=1, keepdims=True),
        "no_std": lambda R: R - R.mean(axis=-1, keepdims=True),
        "batch_std": lambda R: (R - R.mean(axis=-1, keepdims=True)) / (R.std(ddof=1) + 1e-4),
        "sign": lambda R: -grpo_advantages(R),
    },
    "grpo_weights": {
        "dapo": lambda A, L, T: A / L.sum(axis=-1, keepdims=True),
        "dr_grpo": lambda A, L, T: A / (A.shape[-1] * T),
        "no_length": lambda A, L, T: A / A.shape[-1],
        "no_group": lambda A, L, T: A / L,
    },
    "k3_estimate": {
        "k1": lambda log_r: -log_r,
        "k2": lambda log_r: log_r**2 / 2,
        "inverted": lambda log_r: np.exp(-log_r) - 1 + log_r,
        "no_minus_one": lambda log_r: np.exp(log_r) - log_r,
        "sign": lambda log_r: log_r - np.expm1(log_r),
    },
    "k3_loss_gradient": {
        "sign": lambda p, log_r, s: -k3_loss_gradient(p, log_r, s),
        "k1": lambda p, log_r, s: p @ s,
        "k2": lambda p, log_r, s: (p * -log_r) @ s,
        "reward": lambda p, log_r, s: (p * k3_estimate(log_r)) @ s,
        "unweighted": lambda p, log_r, s: (1 - np.exp(log_r)) @ s,
    },
    "clipped_objective": {
        "no_clip": lambda rho, w, mask, clip: np.sum(rho * w[:, None] * mask),
        "clip_only": lambda rho, w, mask, clip: np.sum(np.clip(rho, 1 - clip, 1 + clip) * w[:, None] * mask),
        "max": lambda rho, w, mask, clip: _clipped_sum(rho, w, mask, clip, np.maximum),
        "unmasked": lambda rho, w, mask, clip: _clipped_sum(rho, w, mask, clip, np.minimum, use_mask=False),
        "sign": lambda rho, w, mask, clip: -clipped_objective(rho, w, mask, clip),
    },
}
