"""Exercises of notebook 04: log P(τ) of a trajectory, its gradient, and the policy gradient as a sum
over every trajectory.

The exact answers come from trajectory enumeration (:func:`pgviz.rl.enumerate_trajectories`: P(τ)
and ∇θ log P(τ) of every trajectory) and from the policy gradient theorem by two linear solves
(:func:`pgviz.rl.exact_policy_gradient`), on random MDPs drawn with the seeded Generator.
"""

from __future__ import annotations

import numpy as np

import pgviz.rl as rl
from pgviz.exercises.core import Case, Exercise, Mistake

__all__ = ["EXERCISES", "TRAJECTORY_LOG_PROBABILITY", "TRAJECTORY_SCORE", "ENUMERATION_GRADIENT"]


def _random_problem(rng: np.random.Generator, num_states: int = 3, num_actions: int = 2):
    """A random MDP, random features [S, A, 3] and θ [3], and every trajectory of horizon 3."""
    mdp = rl.random_mdp(rng, num_states=num_states, num_actions=num_actions, gamma=0.9, terminate=0.3)
    features = np.round(rng.normal(size=(mdp.num_states, mdp.num_actions, 3)), 2)
    theta = np.round(rng.normal(size=3), 2)
    return mdp, features, theta, rl.enumerate_trajectories(mdp, 3)


def _picked(rng: np.random.Generator, trajectories, count: int = 4, min_length: int = 1):
    """``count`` distinct trajectories with at least ``min_length`` actions, as (k, states [T+1], actions [T])."""
    eligible = np.flatnonzero(trajectories.lengths >= min_length)
    for k in rng.choice(eligible, size=count, replace=False):
        length = trajectories.lengths[k]
        yield int(k), trajectories.states[k, : length + 1].copy(), trajectories.actions[k, :length].copy()


def _log_probability_cases(rng: np.random.Generator) -> list[Case]:
    mdp, features, theta, trajectories = _random_problem(rng)
    pi = rl.softmax_policy(theta, features)  # [S, A]
    cases = []
    for k, states, actions in _picked(rng, trajectories, min_length=2):
        log_start = np.log(mdp.start[states[0]])
        log_policy = np.log(pi[states[:-1], actions]).sum()
        log_dynamics = np.log(mdp.transitions[states[:-1], actions, states[1:]]).sum()
        answer = np.log(trajectories.probabilities(pi)[k])  # enumeration: μ(s0) Π π P
        mistakes = {
            "no_start": log_policy + log_dynamics,
            "no_dynamics": log_start + log_policy,
            "policy_only": log_policy,
            "probability": np.exp(answer),
        }
        args = {"start": mdp.start, "transitions": mdp.transitions, "pi": pi, "states": states, "actions": actions}
        cases.append(Case(args, np.asarray(answer), mistakes))
    return cases


TRAJECTORY_LOG_PROBABILITY = Exercise(
    name="trajectory_log_probability",
    notebook=4,
    title="log P(τ) of one trajectory",
    signature="trajectory_log_probability(start, transitions, pi, states, actions)",
    hint="log P(τ) = log μ(s_0) + Σ_t [log π(a_t|s_t) + log P(s_{t+1}|s_t, a_t)] for t = 0 … T − 1; "
    "states holds T + 1 entries, actions T.",
    make_cases=_log_probability_cases,
    mistakes=(
        Mistake("no_start", "log μ(s_0), the start distribution's term, is missing (here μ(s_0) < 1)."),
        Mistake(
            "no_dynamics",
            "the dynamics' terms Σ_t log P(s_{t+1}|s_t, a_t) are missing: they do not depend on θ, so they "
            "drop out of ∇θ log P(τ), but they are part of log P(τ).",
        ),
        Mistake(
            "policy_only",
            "you returned Σ_t log π(a_t|s_t) alone; log P(τ) also holds log μ(s_0) and the dynamics "
            "Σ_t log P(s_{t+1}|s_t, a_t) (they drop out of the gradient, not out of log P).",
        ),
        Mistake("probability", "you returned P(τ) itself; the exercise asks for its logarithm."),
    ),
    seed=401,
)


def _trajectory_score_cases(rng: np.random.Generator) -> list[Case]:
    mdp, features, theta, trajectories = _random_problem(rng, num_actions=3)
    pi = rl.softmax_policy(theta, features)  # [S, A]
    scores = trajectories.scores(theta, features)  # [K, P]: Σ_t ∇ log π(a_t|s_t)
    cases = []
    for k, states, actions in _picked(rng, trajectories, min_length=2):
        s = states[:-1]
        taken = features[s, actions]  # [T, P]
        expected = np.einsum("ta,tap->tp", pi[s], features[s])  # [T, P]
        mistakes = {
            "features_only": taken.sum(axis=0),
            "sign": -scores[k],
            "mean_over_steps": scores[k] / len(actions),
            "last_step": (taken - expected)[-1],
            "first_step": (taken - expected)[0],
        }
        args = {"theta": theta, "features": features, "states": states, "actions": actions}
        cases.append(Case(args, scores[k], mistakes))
    return cases


TRAJECTORY_SCORE = Exercise(
    name="trajectory_score",
    notebook=4,
    title="∇θ log P(τ) of one trajectory",
    signature="trajectory_score(theta, features, states, actions)",
    hint="∇θ log P(τ) = Σ_t [x(s_t, a_t) − Σ_b π(b|s_t) x(s_t, b)] with π(·|s) = softmax(features[s] @ theta), "
    "t = 0 … T − 1; the dynamics drop out.",
    make_cases=_trajectory_score_cases,
    mistakes=(
        Mistake(
            "features_only",
            "you summed the features x(s_t, a_t) alone: the softmax score subtracts their expectation "
            "Σ_b π(b|s_t) x(s_t, b) at every step.",
        ),
        Mistake("sign", "the sign is flipped: each step adds x(s_t, a_t) − E_π[x(s_t, ·)]."),
        Mistake(
            "mean_over_steps",
            "you divided by the number of steps: log P(τ) is a sum over the steps, so is its gradient.",
        ),
        Mistake("last_step", "only the last step's score is there: sum the scores of every step t = 0 … T − 1."),
        Mistake("first_step", "only the first step's score is there: sum the scores of every step t = 0 … T − 1."),
    ),
    seed=402,
)


def _enumeration_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for gamma, detour in ((0.9, 0.5), (1.0, 0.3), (0.7, 0.8), (0.95, 0.0)):
        mdp, features = rl.tiny_mdp(gamma, detour), np.round(rng.normal(size=(4, 2, 3)), 2)
        theta = np.round(rng.normal(size=3), 2)
        trajectories = rl.enumerate_trajectories(mdp, 3)  # every episode ends within 3 steps
        probabilities = trajectories.probabilities(rl.softmax_policy(theta, features))  # [K]
        returns, scores = trajectories.returns, trajectories.scores(theta, features)  # [K], [K, P]
        answer = rl.exact_policy_gradient(mdp, theta, features)  # the theorem, by two linear solves
        mistakes = {
            "unweighted": returns @ scores,
            "uniform": returns @ scores / len(returns),
            "zero": np.zeros(3),
            "sign": -answer,
        }
        cases.append(Case({"probabilities": probabilities, "returns": returns, "scores": scores}, answer, mistakes))
    return cases


ENUMERATION_GRADIENT = Exercise(
    name="enumeration_gradient",
    notebook=4,
    title="the policy gradient as a sum over every trajectory",
    signature="enumeration_gradient(probabilities, returns, scores)",
    hint="∇J = Σ_τ P(τ) R(τ) ∇log P(τ): weight each trajectory's score (a row of scores) by its probability "
    "times its return, and sum over the K trajectories.",
    make_cases=_enumeration_cases,
    mistakes=(
        Mistake("unweighted", "the probabilities P(τ) are missing: ∇J is the expectation Σ_τ P(τ) R(τ) ∇log P(τ)."),
        Mistake("uniform", "you averaged over the trajectories with weight 1/K; weight each by its probability P(τ)."),
        Mistake(
            "zero",
            "your answer is 0: Σ_τ P(τ) ∇log P(τ) = ∇Σ_τ P(τ) = 0. Either R(τ) is missing, or it was averaged "
            "separately: E[R ∇log P] is not E[R]·E[∇log P].",
        ),
        Mistake("sign", "the sign is flipped: the sum is +Σ_τ P(τ) R(τ) ∇log P(τ)."),
    ),
    seed=403,
)

EXERCISES = (TRAJECTORY_LOG_PROBABILITY, TRAJECTORY_SCORE, ENUMERATION_GRADIENT)
