"""REINFORCE as Sutton & Barto print it, and its learning curves (Figures 13.1 and 13.2; notebook 06).

:func:`reinforce` is the book's algorithm (2nd ed., Sections 13.3 and 13.4, "REINFORCE: Monte-Carlo
Policy-Gradient Control (episodic)" and its version with a baseline), one run, top to bottom:

    Loop for each episode:
        Generate an episode S_0, A_0, R_1, ..., S_{T-1}, A_{T-1}, R_T, following π(·|·, θ)
        Loop for each step of the episode t = 0, 1, ..., T − 1:
            G ← Σ_{k=t+1}^{T} γ^{k−t−1} R_k
            δ ← G − v̂(S_t, w)
            w ← w + α^w δ ∇v̂(S_t, w)
            θ ← θ + α^θ γ^t δ ∇ ln π(A_t|S_t, θ)

(without a baseline, α^w = 0 and v̂ = w = 0, so δ = G). It is compiled with numba
(:mod:`pgviz.compiled`): the loop a learner reads is the one that runs. The returns are computed
backwards, G_t = R_{t+1} + γ G_{t+1}, which is exact for every γ. :func:`reinforce_learning_curves`
runs it for several step sizes, many runs each, one run after the other on one random stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pgviz.compiled import jit
from pgviz.progress import Progress
from pgviz.rl.mdp import MDP, check_features, check_mdp, check_theta
from pgviz.rl.policy import action_probabilities, action_score, floor_probabilities
from pgviz.rl.rollout import generate_episode
from pgviz.validation import check_bool, check_count, check_in_range, check_real_array, check_rng

__all__ = ["LearningCurves", "reinforce", "reinforce_learning_curves", "compile_loops"]


@jit
def policy_table(theta, features, min_prob):
    """π_θ(·|s) for every state [S, A], floored at ``min_prob`` when it is > 0."""
    pi = np.empty(features.shape[:2])
    for s in range(features.shape[0]):
        pi[s] = action_probabilities(theta, features[s])
    return floor_probabilities(pi, min_prob) if min_prob > 0 else pi


@jit
def reinforce(mdp, features, theta0, alpha, alpha_w, num_episodes, rng, max_steps, min_prob, collapse_below):
    """One run of REINFORCE (Sutton & Barto 13.3), with a learned baseline v̂(s, w) = w when alpha_w > 0 (13.4).

    ``mdp`` is :attr:`MDP.arrays`; features [S, A, P]; theta0 [P]. ``min_prob`` > 0 floors π
    (for acting and in the score); a run that collapses stops (see reinforce_learning_curves).
    Returns per episode: total reward [E], π(·|s_0) at its start [E, A], cut [E] (NaN/False after
    a stop); then θ [P] and w at the end, and the episode at which the run stopped (−1: never).
    """
    gamma = mdp[4]
    theta, w = theta0.copy(), 0.0
    total_reward, start_policy = np.full(num_episodes, np.nan), np.full((num_episodes, features.shape[1]), np.nan)
    truncated = np.zeros(num_episodes, np.bool_)
    states, actions = np.empty(max_steps, np.int64), np.empty(max_steps, np.int64)
    rewards, G = np.empty(max_steps), np.empty(max_steps)  # R_{t+1} and G_t of the current episode
    s_0 = np.argmax(mdp[0])  # the (most likely) start state, whose policy is recorded
    for episode in range(num_episodes):
        pi = policy_table(theta, features, min_prob)  # π(·|·, θ), fixed while the episode is generated
        start_policy[episode] = pi[s_0]
        if episode > 0 and truncated[episode - 1] and pi[s_0].min() < collapse_below:
            return total_reward, start_policy, truncated, theta, w, episode  # collapsed: stop here
        T, truncated[episode] = generate_episode(mdp, pi, max_steps, rng, states, actions, rewards)
        total_reward[episode] = rewards[:T].sum()
        G_next = 0.0
        for t in range(T - 1, -1, -1):  # G_t = R_{t+1} + γ G_{t+1}
            G_next = rewards[t] + gamma * G_next
            G[t] = G_next
        for t in range(T):
            delta = G[t] - w  # δ ← G − v̂(S_t, w)
            w += alpha_w * delta  # w ← w + α^w δ ∇v̂(S_t, w), with ∇v̂ = 1
            pi_s = action_probabilities(theta, features[states[t]])  # π(·|S_t, θ), θ as it is now
            if min_prob > 0:
                pi_s = floor_probabilities(pi_s, min_prob)
            theta += alpha * gamma**t * delta * action_score(features[states[t]], actions[t], pi_s)
    return total_reward, start_policy, truncated, theta, w, -1


#: The most episodes one call runs in all (C x R x E; a few minutes when every episode is long) and
#: the longest episode a run may have (its step buffers are allocated once per run).
MAX_EPISODES = 10**7
MAX_EPISODE_STEPS = 10**7


@dataclass(frozen=True, eq=False)
class LearningCurves:
    """Results of :func:`reinforce_learning_curves` (C configurations, R runs, E episodes).

    Attributes: total_reward [C, R, E] (undiscounted Σ_t r_t of each episode), policy [C, R, E, A]
    (π(·|s_0) at the start of each episode, s_0 the most likely start state), truncated [C, R, E] (episode cut at ``max_steps``),
    theta [C, R, P] and w [C, R] at the end, collapsed_at [C, R] (episode at which a run was
    stopped as collapsed, −1 if never; its total_reward and policy from then on are NaN),
    alphas [C], alphas_w [C] (NaN: no baseline), min_prob.
    """

    total_reward: np.ndarray
    policy: np.ndarray
    truncated: np.ndarray
    theta: np.ndarray
    w: np.ndarray
    collapsed_at: np.ndarray
    alphas: np.ndarray
    alphas_w: np.ndarray
    min_prob: float


def reinforce_learning_curves(
    mdp: MDP,
    features,
    theta0,
    alphas,
    num_runs: int,
    num_episodes: int,
    rng: np.random.Generator,
    alphas_w=None,
    max_steps: int = 1000,
    collapse_below: float | None = 1e-3,
    min_prob: float = 0.0,
    progress: bool | None = None,
) -> LearningCurves:
    """:func:`reinforce` for C step sizes, ``num_runs`` runs each (Sutton & Barto, Figs. 13.1, 13.2).

    Each run starts from ``theta0`` and w = 0 (θ = [−1.47, 1.47] makes π(right) ≈ 0.05 on the
    corridor, ε-greedy left, as in ShangtongZhang/reinforcement-learning-an-introduction,
    ``chapter13/short_corridor.py``). The runs are simulated one after the other, each on the next
    stretch of ``rng``'s stream, so the result depends only on the seed.

    By default (``min_prob = 0``, the book's algorithm) π is *not* floored: a run may collapse to a
    (nearly) deterministic policy whose episodes never end, which ``max_steps`` cuts. Collapse: a
    run whose policy gives some action a probability below ``collapse_below`` at the start of an
    episode, right after an episode was cut at ``max_steps``, is stopped there: ``collapsed_at``
    records the episode, and its ``total_reward`` and ``policy`` from then on are NaN. (Some such
    runs would recover after many cut episodes, each costing ``max_steps`` steps.) With
    ``collapse_below=None`` no run is stopped: every run plays all its episodes, cut ones
    included, so averages over runs count the collapsed ones (notebook 06).

    Args:
        mdp: the MDP (every start state non-terminal); features: [S, A, P]; theta0: initial θ [P].
        alphas: step sizes α (or α^θ) of the C configurations, shape [C].
        num_runs: R independent runs per configuration; num_episodes: E episodes per run.
        rng: the random Generator.
        alphas_w: None (no baseline anywhere) or [C] baseline step sizes, None/NaN meaning none.
        max_steps: episode cap.
        collapse_below: probability below which a run counts as collapsed (see above), or None:
            never stop a run.
        min_prob: 0 (the book's algorithm) or a floor ε on every action probability, used for
            acting and in the score x(a) − Σ_b π(b) x(b), as in Zhang's code (ε = 0.05 there):
            π is clipped to [ε, 1 − (A − 1)ε] and renormalized. The floored score is not the
            gradient of log π of any policy.
        progress: show a progress bar (default: only inside a notebook kernel).
    Returns:
        :class:`LearningCurves`.
    """
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta0 = check_theta(theta0, features)
    alphas = check_real_array(alphas, "alphas", ndim=1)
    if len(alphas) < 1 or np.any(alphas <= 0):
        raise ValueError("alphas must be a 1-d list of positive step sizes")
    if alphas_w is None:
        alphas_w = np.full(len(alphas), np.nan)
    else:
        alphas_w = check_real_array([np.nan if a is None else a for a in alphas_w], "alphas_w", ndim=1, finite=False)
        given = alphas_w[~np.isnan(alphas_w)]
        if alphas_w.shape != alphas.shape or not np.all(np.isfinite(given)) or np.any(given <= 0):
            raise ValueError("alphas_w must be None or one positive step size (or None/NaN) per alpha")
    num_runs = check_count(num_runs, "num_runs", 1, MAX_EPISODES)
    num_episodes = check_count(num_episodes, "num_episodes", 1, MAX_EPISODES)
    rng = check_rng(rng)
    max_steps = check_count(max_steps, "max_steps", 1, MAX_EPISODE_STEPS)
    if len(alphas) * num_runs * num_episodes > MAX_EPISODES:
        raise ValueError(
            f"len(alphas) x num_runs x num_episodes = {len(alphas) * num_runs * num_episodes:,} episodes; "
            f"the learning curves run at most {MAX_EPISODES:,} (minutes of work and {MAX_EPISODES // 10**6 * 48} "
            "MB of records at the most)"
        )
    if collapse_below is None:  # π is never below 0: the stop rule never fires
        collapse_below = 0.0
    collapse_below = check_in_range(collapse_below, "collapse_below", 0.0, 0.5, high_open=True)
    min_prob = check_in_range(min_prob, "min_prob", 0.0, 1 / mdp.num_actions, high_open=True)
    if progress is not None:
        check_bool(progress, "progress")
    if np.any(mdp.start[mdp.terminal] > 0):
        raise ValueError("mdp.start must put no probability on terminal states for learning curves")

    shape = (len(alphas), num_runs)
    total_reward = np.empty(shape + (num_episodes,))
    policy = np.empty(shape + (num_episodes, mdp.num_actions))
    truncated = np.empty(shape + (num_episodes,), dtype=bool)
    theta, w, collapsed_at = np.empty(shape + (len(theta0),)), np.empty(shape), np.empty(shape, dtype=int)
    bar = None if progress is False else Progress(total=len(alphas) * num_runs, description="runs", show=progress)
    for c, (alpha, alpha_w) in enumerate(zip(alphas, np.nan_to_num(alphas_w, nan=0.0))):
        for r in range(num_runs):
            run = reinforce(
                mdp.arrays, features, theta0, alpha, alpha_w, num_episodes, rng, max_steps, min_prob, collapse_below
            )
            total_reward[c, r], policy[c, r], truncated[c, r], theta[c, r], w[c, r], collapsed_at[c, r] = run
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    return LearningCurves(total_reward, policy, truncated, theta, w, collapsed_at, alphas, alphas_w, float(min_prob))


def compile_loops() -> None:
    """Compile (or load from numba's cache) every compiled loop of the wing, on a tiny problem.

    ``make setup`` and Binder's ``postBuild`` call it once after installing, so that no notebook
    cell pays numba's compile time (about 15 s on a 2-core machine); later kernels load the cached
    machine code in well under a second.
    """
    from pgviz.rl.examples import short_corridor, tiny_features, tiny_mdp
    from pgviz.rl.policy import softmax_policy
    from pgviz.rl.rollout import rollout

    rng = np.random.default_rng(0)
    corridor, features = short_corridor(), np.zeros((4, 2, 2))
    features[:, 1, 0] = features[:, 0, 1] = 1.0
    for min_prob in (0.0, 0.05):
        reinforce_learning_curves(corridor, features, np.zeros(2), [0.01], 1, 2, rng, min_prob=min_prob, progress=False)
    rollout(tiny_mdp(), softmax_policy(np.zeros(3), tiny_features()), 2, rng)
    from pgviz.rl.collapse import replay_episode  # the loop of one episode, notebook 06

    for min_prob in (0.0, 0.05):
        replay_episode(np.zeros(2), features, [0, 1], [1, 0], [-1.0, -1.0], 0.01, 1.0, min_prob)
