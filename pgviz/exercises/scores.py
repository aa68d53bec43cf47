"""Exercises of notebook 01: the score of a Bernoulli and of a softmax policy, and a bandit's exact gradient.

Each exact answer comes from pgviz's distributions, whose scores SymPy derives from their
log-densities (:class:`pgviz.Bernoulli`, :class:`pgviz.Categorical`), and from
:func:`pgviz.exact_gradient` (a sum over the actions). The known mistakes are computed beside it.
"""

from __future__ import annotations

import numpy as np

from pgviz.distributions import softmax
from pgviz.exercises.core import Case, Exercise, Mistake
from pgviz.expectations import exact_gradient
from pgviz.families import Bernoulli, Categorical

__all__ = ["EXERCISES", "BERNOULLI_SCORE", "SOFTMAX_SCORE", "BANDIT_GRADIENT"]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _bernoulli_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for logit in (0.4, -1.3, 2.1, 0.0):
        actions = rng.integers(0, 2, size=6).astype(float)
        actions[:2] = (0.0, 1.0)  # both actions on every input
        p = _sigmoid(logit)
        pi_a = np.where(actions == 1.0, p, 1.0 - p)
        answer = Bernoulli(logit).score(actions)[:, 0]  # [N], SymPy's d/dz log p(a; z)
        mistakes = {
            "sign": p - actions,
            "unnormalized": actions,
            "one_minus": actions - (1.0 - p),
            "grad_pi": pi_a * (actions - p),
            "logit": actions - logit,
        }
        cases.append(Case({"logit": logit, "actions": actions}, answer, mistakes))
    return cases


BERNOULLI_SCORE = Exercise(
    name="bernoulli_score",
    notebook=1,
    title="the score of a Bernoulli policy",
    signature="bernoulli_score(logit, actions)",
    hint="log π(a; z) = a·z − log(1 + e^z): differentiate it in z, one value per action.",
    make_cases=_bernoulli_cases,
    mistakes=(
        Mistake("sign", "the sign is flipped: d/dz log π(a) = a − σ(z); you returned σ(z) − a."),
        Mistake(
            "unnormalized",
            "you returned a, the score of exp(z·a) as written; the normalizer −log(1 + e^z) adds −σ(z): a − σ(z).",
        ),
        Mistake(
            "one_minus",
            "you subtracted 1 − σ(z), the probability of a = 0; subtract the mean of a, P(a = 1) = σ(z).",
        ),
        Mistake(
            "grad_pi",
            "you returned ∇π(a) = π(a)(a − σ(z)), the gradient of the probability; the score is "
            "∇log π(a) = ∇π(a)/π(a) = a − σ(z).",
        ),
        Mistake("logit", "you subtracted the logit z itself; subtract the probability σ(z) = 1/(1 + e^(−z))."),
    ),
    seed=101,
)


def _softmax_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for size, action in ((3, 2), (3, 0), (4, 1), (4, 3)):
        logits = np.round(rng.normal(size=size), 3)
        pi = softmax(logits)
        one_hot = np.eye(size)[action]
        answer = Categorical(logits).score([float(action)])[0]  # [K]
        mistakes = {
            "sign": pi - one_hot,
            "unnormalized": one_hot,
            "uniform": one_hot - 1.0 / size,
            "grad_pi": pi[action] * (one_hot - pi),
            "logits": one_hot - logits,
        }
        cases.append(Case({"logits": logits, "action": action}, answer, mistakes))
    return cases


SOFTMAX_SCORE = Exercise(
    name="softmax_score",
    notebook=1,
    title="the score of a softmax policy",
    signature="softmax_score(logits, action)",
    hint="log π(a) = z_a − log Σ_b e^(z_b): differentiate it in every z_j, a vector of length K.",
    make_cases=_softmax_cases,
    mistakes=(
        Mistake("sign", "the sign is flipped: ∇_z log π(a) = e_a − π; you returned π − e_a."),
        Mistake(
            "unnormalized",
            "you returned the one-hot vector e_a alone, the score of the unnormalized exp(z_a); "
            "the normalizer log Σ_b e^(z_b) subtracts the probabilities π.",
        ),
        Mistake("uniform", "you subtracted 1/K, the probabilities of a uniform policy; subtract π = softmax(z)."),
        Mistake(
            "grad_pi",
            "you returned ∇π(a) = π(a)(e_a − π), the gradient of the probability; divide by π(a) for ∇log π(a).",
        ),
        Mistake("logits", "you subtracted the logits z; subtract the probabilities softmax(z)."),
    ),
    seed=102,
)


def _bandit_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for size in (3, 3, 4, 5):
        logits = np.round(rng.normal(size=size), 3)
        returns = np.round(rng.uniform(-1.0, 3.0, size=size), 2)
        pi = softmax(logits)
        scores = np.eye(size) - pi  # [A, K]: row a is e_a − π
        answer = exact_gradient(lambda a, G=returns: G[np.asarray(a).astype(int)], Categorical(logits))
        mistakes = {
            "unweighted": returns @ scores,
            "uniform": returns @ scores / size,
            "zero": np.zeros(size),
            "sign": -(pi * returns) @ scores,
            "unnormalized": pi * returns,
        }
        cases.append(Case({"logits": logits, "returns": returns}, answer, mistakes))
    return cases


BANDIT_GRADIENT = Exercise(
    name="bandit_gradient",
    notebook=1,
    title="the exact gradient of a softmax bandit",
    signature="bandit_gradient(logits, returns)",
    hint="∇J = Σ_a π(a) G(a) ∇log π(a), with the softmax score of exercise 2: a sum over the actions.",
    make_cases=_bandit_cases,
    mistakes=(
        Mistake(
            "unweighted",
            "you summed G(a) ∇log π(a) over the actions without their probabilities: the gradient is the "
            "expectation Σ_a π(a) G(a) ∇log π(a).",
        ),
        Mistake(
            "uniform",
            "you averaged over the actions with weight 1/K; the expectation weights each action by π(a).",
        ),
        Mistake(
            "zero",
            "your answer is 0: that is E[G]·E[∇log π], and E[∇log π] = 0. The gradient is E[G ∇log π], which is "
            "not E[G]·E[∇log π]: the two factors are correlated.",
        ),
        Mistake("sign", "the sign is flipped: ∇J points towards the actions with returns above J."),
        Mistake(
            "unnormalized",
            "you used e_a as the score (the unnormalized exp(z_a)); the softmax score is e_a − π, which "
            "subtracts J·π: the answer is π(a)(G(a) − J).",
        ),
    ),
    seed=103,
)

EXERCISES = (BERNOULLI_SCORE, SOFTMAX_SCORE, BANDIT_GRADIENT)
