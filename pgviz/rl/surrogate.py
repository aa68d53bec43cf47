"""The surrogate "loss" whose gradient descent is REINFORCE, its reductions and their exact expectations (notebook 05).

L(θ) = −Σ_i w_i Σ_t log π_θ(a_t|s_t) R(τ_i), with the weights w_i of a reduction ("sum", "mean",
"per_step", "per_trajectory"); :func:`averaged_gradient` gives E[−∇L] exactly over every batch.
"""

from __future__ import annotations

import itertools

import numpy as np

from pgviz.rl.enumeration import EnumeratedTrajectories, check_trajectories
from pgviz.rl.exact import exact_return
from pgviz.rl.mdp import MDP, check_features, check_mdp, check_theta
from pgviz.rl.policy import softmax_policy
from pgviz.rl.reinforce import reinforce_gradients
from pgviz.rl.rollout import Episodes, check_episodes, rollout
from pgviz.validation import check_choice, check_count, check_positive, check_rng

__all__ = [
    "REDUCTIONS",
    "reduction_weights",
    "surrogate_loss",
    "surrogate_loss_gradient",
    "averaged_gradient",
    "reinforce_training",
]


REDUCTIONS = ("sum", "mean", "per_step", "per_trajectory")


def reduction_weights(lengths, reduction: str) -> np.ndarray:
    """The weight w_i of each episode's Σ_t ∇log π R(τ_i) in the batch loss, for episode lengths
    T_i [..., N] (a batch of N on the last axis): [..., N].

    "sum" 1, "mean" 1/N, "per_step" 1/Σ_j T_j (a mean over every step of the batch),
    "per_trajectory" 1/(N T_i) (each episode's steps averaged, then the episodes).
    """
    reduction = check_choice(reduction, "reduction", REDUCTIONS)
    lengths = np.asarray(lengths, dtype=float)
    num = lengths.shape[-1]
    if reduction == "sum":
        return np.ones_like(lengths)
    if reduction == "mean":
        return np.full_like(lengths, 1.0 / num)
    if reduction == "per_step":
        return np.broadcast_to(1.0 / np.maximum(lengths.sum(axis=-1, keepdims=True), 1.0), lengths.shape)
    return 1.0 / (num * np.maximum(lengths, 1.0))


def surrogate_loss(theta, episodes: Episodes, features, reduction: str = "mean") -> float:
    """The "loss" whose gradient descent is REINFORCE: L(θ) = −Σ_i w_i Σ_t log π_θ(a_t|s_t) R(τ_i).

    The returns R(τ_i) are fixed numbers from the sampled episodes (no p(τ) appears: the sampling
    did the weighting). The weights w_i depend on ``reduction`` (notebook 05):
    ``"mean"`` 1/N (then −∇L = ĝ), ``"sum"`` 1, ``"per_step"`` 1/Σ_i T_i (PyTorch's ``.mean()``
    over all steps), ``"per_trajectory"`` 1/(N T_i). Its *value* is no measure of performance.

    Args:
        theta: [P]; episodes: from :func:`rollout`; features: [S, A, P]; reduction: as above.
    Returns:
        the loss, a float.
    """
    features = check_features(None, features)
    check_episodes(episodes, features)
    theta = check_theta(theta, features)
    weights = reduction_weights(episodes.lengths, reduction)  # [N]
    log_pi = np.log(softmax_policy(theta, features))[episodes.states, episodes.actions]  # [N, T]
    log_prob_tau = np.sum(log_pi * episodes.mask, axis=1)  # [N]
    return float(-np.sum(weights * log_prob_tau * episodes.returns))


def surrogate_loss_gradient(theta, episodes: Episodes, features, reduction: str = "mean") -> np.ndarray:
    """∇_θ of :func:`surrogate_loss`: −Σ_i w_i Σ_t ∇_θ log π_θ(a_t|s_t) R(τ_i), shape [P].

    With ``reduction="mean"`` this is exactly −ĝ (notebook 05 checks it by finite differences).
    """
    check_episodes(episodes)
    weights = reduction_weights(episodes.lengths, reduction)  # [N]
    return -weights @ reinforce_gradients(episodes, theta, features)


def averaged_gradient(
    trajectories: EnumeratedTrajectories, theta, features, reduction: str, batch_size: int
) -> np.ndarray:
    """The exact expectation of −∇L over every batch of ``batch_size`` trajectories (notebook 05).

    E[−∇_θ L] = Σ_{τ_1..τ_m} Π_j P(τ_j) Σ_j w_j Σ_t ∇_θ log π_θ(a_t|s_t) R(τ_j), with the weights of
    :func:`surrogate_loss`. ``"mean"`` gives ∇J, ``"sum"`` m ∇J (a scale), while ``"per_step"`` and
    ``"per_trajectory"`` weight short episodes more when lengths vary: a different direction.

    Args:
        trajectories: every trajectory (episodes that end surely within the horizon);
        theta: [P]; features: [S, A, P]; reduction: one of ``REDUCTIONS``; batch_size: m >= 1
        (K^m batches are enumerated).
    Returns:
        shape [P].
    """
    check_trajectories(trajectories)
    reduction = check_choice(reduction, "reduction", REDUCTIONS)
    batch_size = check_count(batch_size, "batch_size")
    if batch_size * np.log(max(len(trajectories), 1)) > np.log(1_000_000):  # K^m batches, compared in logs
        raise ValueError(f"batch_size={batch_size} would enumerate more than 1,000,000 batches")
    features = check_features(trajectories.mdp, features)
    pi = softmax_policy(theta, features)
    prob = trajectories.probabilities(pi)  # [K]
    per_trajectory = trajectories.scores(theta, features) * trajectories.returns[:, None]  # [K, P]
    index = np.array(list(itertools.product(range(len(trajectories)), repeat=batch_size)))  # [B, m]
    weights = reduction_weights(trajectories.lengths[index], reduction)  # [B, m]
    batch_prob = np.prod(prob[index], axis=1)  # [B]
    estimates = np.einsum("bm,bmp->bp", weights, per_trajectory[index])  # [B, P]
    return batch_prob @ estimates


def reinforce_training(
    mdp: MDP, features, theta0, alpha: float, batch_size: int, num_iterations: int, rng: np.random.Generator
) -> dict:
    """Plain batch REINFORCE: θ ← θ − α ∇L(θ), L the mean surrogate loss of ``batch_size`` episodes.

    Records, for every iteration, the loss value L(θ) on its batch and the exact return J(θ), to
    show that the loss value does not measure performance (notebook 05).

    Returns a dict with ``theta`` [I + 1, P], ``loss`` [I], ``J`` [I + 1], ``mean_return`` [I]
    (the batch's average return).
    """
    check_mdp(mdp)
    features = check_features(mdp, features)
    theta = check_theta(theta0, features).copy()
    alpha = check_positive(alpha, "alpha")
    batch_size = check_count(batch_size, "batch_size")
    num_iterations = check_count(num_iterations, "num_iterations")
    rng = check_rng(rng)
    thetas, losses, returns, mean_returns = [theta.copy()], [], [], []
    returns.append(exact_return(mdp, softmax_policy(theta, features)))
    for _ in range(num_iterations):
        episodes = rollout(mdp, softmax_policy(theta, features), batch_size, rng, 10_000)
        losses.append(surrogate_loss(theta, episodes, features))
        mean_returns.append(float(episodes.returns.mean()))
        theta = theta - alpha * surrogate_loss_gradient(theta, episodes, features)
        if not np.all(np.abs(theta) < 1e100):  # beyond this the policy is deterministic to machine precision
            raise ValueError(f"alpha = {alpha:g} is too large: |theta| passed 1e100 after {len(thetas)} updates")
        thetas.append(theta.copy())
        returns.append(exact_return(mdp, softmax_policy(theta, features)))
    return {
        "theta": np.array(thetas),
        "loss": np.array(losses),
        "J": np.array(returns),
        "mean_return": np.array(mean_returns),
    }
