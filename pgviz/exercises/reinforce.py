"""Exercises of notebooks 05 and 06: the REINFORCE loss with its sign and reduction, pytorch/examples'
standardized returns, the discounted reward-to-go and Sutton & Barto's per-episode update.

The exact answers come from the RL wing on episodes sampled with the seeded Generator: the
surrogate loss and its reductions (:func:`pgviz.rl.surrogate_loss`), :func:`pgviz.rl.reward_to_go`,
:func:`pgviz.rl.step_weights` and :func:`pgviz.rl.reinforce_gradients` with the exact state values
as baseline (:func:`pgviz.rl.state_values`).
"""

from __future__ import annotations

import numpy as np

import pgviz.rl as rl
from pgviz.exercises.core import Case, Exercise, Mistake

__all__ = ["EXERCISES", "SURROGATE_LOSS", "STANDARDIZED_RETURNS", "REWARD_TO_GO", "EPISODE_GRADIENT"]


def _corridor_batch(rng: np.random.Generator, theta, num_episodes: int):
    mdp, features = rl.short_corridor(), rl.corridor_features()
    return rl.rollout(mdp, rl.softmax_policy(theta, features), num_episodes, rng, 200), features


def _surrogate_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for theta, num in (((0.3, -0.2), 4), ((-0.5, 0.4), 5), ((1.0, 0.0), 3), ((0.0, 0.2), 6)):
        theta = np.array(theta)
        episodes, features = _corridor_batch(rng, theta, num)
        log_pi = np.log(rl.softmax_policy(theta, features))[episodes.states, episodes.actions]  # [N, T]
        mask, returns = episodes.mask, episodes.returns
        mistakes = {r: rl.surrogate_loss(theta, episodes, features, r) for r in ("sum", "per_step", "per_trajectory")}
        answer = rl.surrogate_loss(theta, episodes, features, "mean")
        mistakes |= {
            "no_minus": -answer,
            "unmasked": -np.mean(returns * log_pi.sum(axis=1)),
            "unmasked_mean": -np.mean(returns[:, None] * log_pi),
        }
        cases.append(Case({"log_pi": log_pi, "mask": mask, "returns": returns}, np.asarray(answer), mistakes))
    return cases


SURROGATE_LOSS = Exercise(
    name="surrogate_loss",
    notebook=5,
    title="the REINFORCE loss with its sign and reduction",
    signature="surrogate_loss(log_pi, mask, returns)",
    hint="its gradient must be −ĝ = −(1/N) Σ_i R_i Σ_t ∇log π(a_t|s_t) over the real steps: which function of "
    "log_pi has it? Mind the padding.",
    make_cases=_surrogate_cases,
    mistakes=(
        Mistake(
            "no_minus",
            "the sign: optimizers descend, so the loss is −(1/N) Σ_i R_i Σ_t log π; descending yours would "
            "lower the return.",
        ),
        Mistake("sum", "you summed over the episodes: N times the mean loss. Divide by the number of episodes N."),
        Mistake(
            "per_step",
            "you divided by the number of steps Σ_i T_i (what .mean() over all steps does), not by the number of "
            "episodes N: the scale then depends on how long the sampled episodes were.",
        ),
        Mistake(
            "per_trajectory",
            "you averaged each episode's log-probabilities over its own T_i steps: that weights short episodes "
            "more. Sum over each episode's steps, then average over episodes.",
        ),
        Mistake("unmasked", "the padding after each episode's end was counted: multiply log_pi by the mask."),
        Mistake(
            "unmasked_mean",
            "you took the mean over the whole padded [N, T] array: it counts the padding and divides by N·T.",
        ),
    ),
    seed=501,
)


def _episodes_with(rng: np.random.Generator, gamma: float, min_length: int):
    """Episodes of a random MDP (normal rewards) with at least ``min_length`` steps."""
    mdp = rl.random_mdp(rng, num_states=4, num_actions=3, gamma=gamma, terminate=0.2)
    features = np.round(rng.normal(size=(mdp.num_states, mdp.num_actions, 3)), 2)
    theta = np.round(rng.normal(size=3), 2)
    pi = rl.softmax_policy(theta, features)
    episodes = rl.rollout(mdp, pi, 12, rng, 30)
    rows = np.flatnonzero(episodes.lengths >= min_length)[:4]
    return mdp, features, theta, pi, episodes, rows


def _standardized_cases(rng: np.random.Generator) -> list[Case]:
    _, _, _, _, episodes, rows = _episodes_with(rng, 0.9, 3)
    G, weights = rl.reward_to_go(episodes), rl.step_weights(episodes, "standardized_reward_to_go")  # [N, T]
    cases = []
    for i in rows:
        g = G[i, : episodes.lengths[i]]
        sd1 = g.std(ddof=1) + rl.FLOAT32_EPS
        mistakes = {
            "ddof0": (g - g.mean()) / (g.std() + rl.FLOAT32_EPS),
            "not_centred": g / sd1,
            "not_scaled": g - g.mean(),
            "sign": -(g - g.mean()) / sd1,
        }
        cases.append(Case({"returns_to_go": g.copy()}, weights[i, : episodes.lengths[i]], mistakes))
    return cases


STANDARDIZED_RETURNS = Exercise(
    name="standardized_returns",
    notebook=5,
    title="the standardized returns of pytorch/examples' reinforce.py",
    signature="standardized_returns(returns_to_go)",
    hint="(G_t − mean G)/(std G + ε) over the episode's steps, with the standard deviation torch.std computes "
    "and ε = np.finfo(np.float32).eps.",
    make_cases=_standardized_cases,
    mistakes=(
        Mistake(
            "ddof0", "np.std divides by T (ddof=0); torch.std, which the PyTorch code calls, divides by T − 1: ddof=1."
        ),
        Mistake("not_centred", "the mean was not subtracted: (G_t − mean G)/(std G + ε)."),
        Mistake("not_scaled", "the returns were centred but not divided by their standard deviation (+ ε)."),
        Mistake("sign", "the sign is flipped: (G_t − mean G), not (mean G − G_t)."),
    ),
    seed=502,
    rtol=1e-6,
)


def _reward_to_go_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for gamma in (0.9, 0.5, 0.99, 0.8):
        _, _, _, _, episodes, rows = _episodes_with(rng, 0.8, 3)
        i, length = rows[0], episodes.lengths[rows[0]]
        rewards = episodes.rewards[i, :length].copy()
        answer = rl.reward_to_go(episodes, gamma)[i, :length]
        discount = gamma ** np.arange(length)
        mistakes = {
            "no_gamma": np.cumsum(rewards[::-1])[::-1],
            "whole_return": np.full(length, answer[0]),
            "past": np.cumsum(discount * rewards),
            "from_start": discount * answer,
            "next_step": answer - rewards,
        }
        cases.append(Case({"rewards": rewards, "gamma": gamma}, answer, mistakes))
    return cases


REWARD_TO_GO = Exercise(
    name="reward_to_go",
    notebook=6,
    title="the discounted reward-to-go",
    signature="reward_to_go(rewards, gamma)",
    hint="G_t = r_t + γ·G_{t+1}, computed from the last step backwards (after the end G = 0): one value per step.",
    make_cases=_reward_to_go_cases,
    mistakes=(
        Mistake("no_gamma", "γ is missing: G_t = Σ_{k≥t} γ^(k−t) r_k."),
        Mistake(
            "whole_return",
            "you returned the whole return G_0 at every step; the reward-to-go starts at step t (past rewards drop out).",
        ),
        Mistake("past", "you summed the rewards up to step t (the past); the reward-to-go sums from t to the end."),
        Mistake(
            "from_start",
            "you discounted from the episode's start (γ^k, not γ^(k−t)): that is γ^t G_t; G_t restarts the discount at t.",
        ),
        Mistake("next_step", "the reward of step t itself is missing: G_t = r_t + γ G_{t+1}."),
    ),
    seed=601,
)


def _episode_gradient_cases(rng: np.random.Generator) -> list[Case]:
    mdp, features, theta, pi, episodes, rows = _episodes_with(rng, 0.8, 3)
    baseline = rl.state_values(mdp, pi)  # [S], exact V_π: depends on the state only
    table = rl.policy_score(theta, features)  # [S, A, P]
    exact = rl.reinforce_gradients(episodes, theta, features, baseline=baseline, reward_to_go=True)  # [N, P]
    whole = rl.reinforce_gradients(episodes, theta, features, baseline=baseline)
    plain = rl.reinforce_gradients(episodes, theta, features, reward_to_go=True)
    G = rl.reward_to_go(episodes)
    cases = []
    for i in rows:
        length = episodes.lengths[i]
        states, actions = episodes.states[i, :length], episodes.actions[i, :length]
        scores, g = table[states, actions], G[i, :length]  # [T, P], [T]
        discount = episodes.gamma ** np.arange(length)
        mistakes = {
            "no_gamma_t": (g - baseline[states]) @ scores,
            "no_baseline": plain[i],
            "whole_return": whole[i],
            "gamma_on_return": (discount * g - baseline[states]) @ scores,
            "sign": -exact[i],
        }
        args = {
            "rewards": episodes.rewards[i, :length].copy(),
            "states": states.copy(),
            "scores": scores,
            "baseline": baseline,
            "gamma": episodes.gamma,
        }
        cases.append(Case(args, exact[i], mistakes))
    return cases


EPISODE_GRADIENT = Exercise(
    name="episode_gradient",
    notebook=6,
    title="one episode's REINFORCE gradient with reward-to-go and a baseline",
    signature="episode_gradient(rewards, states, scores, baseline, gamma)",
    hint="Σ_t γ^t (G_t − b(s_t)) ∇log π(a_t|s_t), with G_t the reward-to-go, b(s_t) = baseline[states[t]] "
    "and ∇log π(a_t|s_t) = scores[t].",
    make_cases=_episode_gradient_cases,
    mistakes=(
        Mistake(
            "no_gamma_t",
            "γ^t is missing: Sutton & Barto's update is γ^t (G_t − b(s_t)) ∇log π; without it the estimate is "
            "biased when γ < 1 (notebooks 05 and 06 measure by how much).",
        ),
        Mistake("no_baseline", "the baseline b(s_t) was not subtracted (still unbiased, but noisier)."),
        Mistake(
            "whole_return",
            "every step is weighted by the whole return R(τ) − b(s_0): unbiased but noisier; use the reward-to-go G_t.",
        ),
        Mistake(
            "gamma_on_return", "you subtracted b(s_t) from γ^t G_t: multiply the difference (G_t − b(s_t)) by γ^t."
        ),
        Mistake("sign", "the sign is flipped: this is the ascent direction ĝ, not the gradient of the loss."),
    ),
    seed=602,
)

EXERCISES = (SURROGATE_LOSS, STANDARDIZED_RETURNS, REWARD_TO_GO, EPISODE_GRADIENT)
