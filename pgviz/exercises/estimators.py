"""Exercises of notebooks 02 and 03: Monte Carlo gradient estimators, their standard error, baselines,
the score of a state-dependent Gaussian policy and the pathwise estimator.

The exact answers on the given samples come from pgviz's own estimators and statistics
(:func:`pgviz.score_function_terms`, :func:`pgviz.pathwise_terms`, :func:`pgviz.standard_error`,
:func:`pgviz.baselines.estimated_baseline_terms`, :class:`pgviz.continuous.LinearGaussianPolicy`),
each tested against closed forms; the known mistakes are computed beside them.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.baselines import estimated_baseline_terms
from pgviz.continuous import LinearGaussianPolicy
from pgviz.costs import cost_values
from pgviz.estimators import pathwise_terms, score_function_terms
from pgviz.exercises.core import Case, Exercise, Mistake, Named
from pgviz.families import Exponential, Gaussian
from pgviz.statistics import standard_error
from pgviz.symbolic import numpy_function, x

__all__ = ["EXERCISES", "SCORE_FUNCTION_ESTIMATE", "STANDARD_ERROR", "LEAVE_ONE_OUT_ESTIMATE"]
__all__ += ["LINEAR_GAUSSIAN_SCORE", "PATHWISE_ESTIMATE"]


def _cost(expr: sp.Expr, name: str = "f") -> Named:
    """A cost the learner can call on an array, named by its formula."""
    return Named(numpy_function(expr, (x,)), f"{name}(x) = {expr}")


def _gaussian_score(samples, mu, sigma) -> np.ndarray:
    """((x − μ)/σ², ((x − μ)² − σ²)/σ³): [N, 2]."""
    d = samples - mu
    return np.stack([d / sigma**2, (d**2 - sigma**2) / sigma**3], axis=-1)


def _score_function_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for expr, mu, sigma, num in (
        ((x - 2) ** 2, 1.0, 0.5, 8),
        (sp.cos(3 * x), -0.5, 2.0, 12),
        (sp.exp(-(x**2)), 0.3, 1.5, 10),
        (sp.Heaviside(x - 1), 1.2, 0.8, 9),
    ):
        dist = Gaussian(mu, sigma)
        samples = dist.sample(num, rng)  # [N]
        f = cost_values(expr, samples)[:, None]  # [N, 1]
        d = (samples - mu)[:, None]
        answer = score_function_terms(expr, dist, samples).mean(axis=0)  # [2]
        mistakes = {
            "mu_sigma": np.mean(f * d / sigma, axis=0).repeat(2),
            "no_minus": np.mean(f * d**2 / sigma**3, axis=0).repeat(2),
            "log_sigma": np.mean(f * (d**2 / sigma**2 - 1), axis=0).repeat(2),
            "sum": num * answer,
            "sign": -answer,
            "no_f": _gaussian_score(samples, mu, sigma).mean(axis=0),
        }
        cases.append(Case({"f": _cost(expr), "mu": mu, "sigma": sigma, "samples": samples}, answer, mistakes))
    return cases


SCORE_FUNCTION_ESTIMATE = Exercise(
    name="score_function_estimate",
    notebook=2,
    title="the score-function estimate for a Gaussian",
    signature="score_function_estimate(f, mu, sigma, samples)",
    hint="the score is the gradient in (μ, σ) of log p = −(x − μ)²/(2σ²) − log σ + const; average f(x_i) times it: two numbers.",
    make_cases=_score_function_cases,
    mistakes=(
        Mistake("mu_sigma", "d/dmu: the score is (x − μ)/σ², σ squared; you divided by σ once.", (0,)),
        Mistake("no_minus", "d/dsigma: the score is ((x − μ)² − σ²)/σ³; the −1/σ from −log σ is missing.", (1,)),
        Mistake("log_sigma", "d/dsigma: you computed d/dlog σ = σ·d/dσ; divide it by σ.", (1,)),
        Mistake("sum", "you summed the N terms; the estimate is their mean (divide by N)."),
        Mistake("sign", "the sign is flipped: the terms are +f(x)·∇log p(x)."),
        Mistake("no_f", "you averaged the score alone (it has mean 0); multiply each score by f(x_i)."),
    ),
    seed=201,
    entry_names=("d/dmu", "d/dsigma"),
)


def _standard_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for num, params in ((5, 1), (8, 2), (20, 3), (6, 2)):
        terms = rng.normal(size=(num, params)) * rng.uniform(0.5, 3.0, size=params) + rng.normal(size=params)
        answer = standard_error(terms)  # [P]
        sd0, sd1 = terms.std(axis=0), terms.std(axis=0, ddof=1)
        mistakes = {
            "ddof0": sd0 / np.sqrt(num),
            "no_sqrt_n": sd1,
            "variance": sd1**2 / num,
            "over_n": sd1 / num,
        }
        cases.append(Case({"terms": terms}, answer, mistakes))
    return cases


STANDARD_ERROR = Exercise(
    name="standard_error",
    notebook=2,
    title="the standard error of an estimate",
    signature="standard_error(terms)",
    hint="per column of terms [N, P]: the sample standard deviation (ddof=1) divided by √N.",
    make_cases=_standard_error_cases,
    mistakes=(
        Mistake(
            "ddof0",
            "np.std divides by N (ddof=0); the unbiased sample variance divides by N − 1: np.std(terms, axis=0, ddof=1).",
        ),
        Mistake("no_sqrt_n", "that is the standard deviation of one term; the estimate's SE divides it by √N."),
        Mistake("variance", "you returned s²/N, the squared standard error: take its square root."),
        Mistake("over_n", "divide the standard deviation by √N, not by N."),
    ),
    seed=202,
)


def _leave_one_out_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for dist, expr, num in (
        (Gaussian(1.0, 1.0), (x - 2) ** 2, 6),
        (Gaussian(-0.5, 2.0), sp.cos(x), 10),
        (Exponential(1.5), x**2, 8),
        (Gaussian(0.2, 0.7), sp.exp(x / 2), 5),
    ):
        seed = int(rng.integers(2**32))
        samples = dist.sample(num, np.random.default_rng(seed))  # the samples estimated_baseline_terms draws
        f_values, scores = cost_values(expr, samples), dist.score(samples)  # [N], [N, P]
        answer = estimated_baseline_terms(expr, dist, num, np.random.default_rng(seed), "leave_one_out").mean(0)
        same = estimated_baseline_terms(expr, dist, num, np.random.default_rng(seed), "same_batch").mean(0)
        by_n = (f_values - (f_values.sum() - f_values) / num)[:, None] * scores
        mistakes = {
            "same_batch": same,
            "no_baseline": (f_values[:, None] * scores).mean(0),
            "sum": num * answer,
            "sign": -answer,
            "over_n": by_n.mean(0),
        }
        cases.append(Case({"f_values": f_values, "scores": scores}, answer, mistakes))
    return cases


LEAVE_ONE_OUT_ESTIMATE = Exercise(
    name="leave_one_out_estimate",
    notebook=2,
    title="the estimate with a leave-one-out baseline",
    signature="leave_one_out_estimate(f_values, scores)",
    hint="b_i = (Σ_j f_j − f_i)/(N − 1), the mean of the other values; return the mean over i of (f_i − b_i)·scores[i].",
    make_cases=_leave_one_out_cases,
    mistakes=(
        Mistake(
            "same_batch",
            "your baseline is the mean of all N values, f(x_i) included, so it depends on x_i: the estimate is "
            "(N − 1)/N times the leave-one-out one, biased by −∇/N. Leave f_i out of b_i.",
        ),
        Mistake("no_baseline", "no baseline was subtracted: that is the plain estimator (unbiased, but noisier)."),
        Mistake("sum", "you summed over the samples; the estimate is the mean (divide by N)."),
        Mistake("sign", "the sign is flipped: the terms are (f_i − b_i)·s_i."),
        Mistake("over_n", "the mean of the other N − 1 values divides their sum by N − 1, not by N."),
    ),
    seed=203,
)


def _linear_gaussian_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for w0, w1, log_sigma in ((0.5, 0.5, np.log(0.8)), (-1.0, 2.0, np.log(1.5)), (0.2, -0.7, -1.0), (1.0, 1.0, 0.5)):
        policy = LinearGaussianPolicy(w0, w1, log_sigma)
        states = rng.uniform(-1.0, 1.0, size=5)
        actions = policy.sample(states, rng)
        answer = policy.score(states, actions)  # [N, 3], the chain rule by SymPy
        sigma, d = policy.sigma, actions - policy.mean(states)
        eps2 = (d / sigma) ** 2
        mistakes = {
            "sigma_once": np.stack([d / sigma, states * d / sigma, eps2 - 1], axis=-1),
            "no_state": np.stack([d / sigma**2, d / sigma**2, eps2 - 1], axis=-1),
            "d_sigma": np.stack([d / sigma**2, states * d / sigma**2, (d**2 - sigma**2) / sigma**3], axis=-1),
            "no_minus_one": np.stack([d / sigma**2, states * d / sigma**2, eps2], axis=-1),
            "sign": -answer,
        }
        args = {"w0": w0, "w1": w1, "log_sigma": float(log_sigma), "states": states, "actions": actions}
        cases.append(Case(args, answer, mistakes))
    return cases


LINEAR_GAUSSIAN_SCORE = Exercise(
    name="linear_gaussian_score",
    notebook=3,
    title="the score of a state-dependent Gaussian policy",
    signature="linear_gaussian_score(w0, w1, log_sigma, states, actions)",
    hint="μ = w0 + w1·s and σ = exp(log_sigma): the Gaussian's score in (μ, σ) times ∂μ/∂w0 = 1, ∂μ/∂w1 = s "
    "and ∂σ/∂log σ = σ (the chain rule): an [N, 3] array.",
    make_cases=_linear_gaussian_cases,
    mistakes=(
        Mistake(
            "sigma_once", "d/dw0, d/dw1: the Gaussian's score in μ is (a − μ)/σ², σ squared; you divided by σ.", (0, 1)
        ),
        Mistake("no_state", "d/dw1: the chain rule multiplies by ∂μ/∂w1 = s; the state factor is missing.", (1,)),
        Mistake(
            "d_sigma",
            "d/dlog_sigma: you returned d/dσ; the chain rule multiplies it by ∂σ/∂log σ = σ, giving ε² − 1.",
            (2,),
        ),
        Mistake(
            "no_minus_one", "d/dlog_sigma: it is ε² − 1 with ε = (a − μ)/σ; the −1 (from −log σ) is missing.", (2,)
        ),
        Mistake("sign", "the sign is flipped in every column: the score is ∇ log π, not ∇(−log π)."),
    ),
    seed=301,
    entry_names=("d/dw0", "d/dw1", "d/dlog_sigma"),
)


def _pathwise_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for expr, mu, sigma in (
        (sp.exp(-((x - 2) ** 2)), 1.0, 1.0),
        ((x - 1) ** 2, 0.5, 2.0),
        (sp.cos(2 * x), -0.3, 0.6),
        (x**3 / 3, 0.8, 1.4),
    ):
        dist = Gaussian(mu, sigma)
        eps = dist.sample_noise(7, rng)  # [N]
        samples = mu + sigma * eps
        df = numpy_function(sp.diff(expr, x), (x,))
        fx, dfx = cost_values(expr, samples), df(samples)
        answer = pathwise_terms(expr, dist, eps).mean(axis=0)  # [2]
        mistakes = {
            "no_eps": np.full(2, dfx.mean()),
            "sigma_factor": np.full(2, sigma * dfx.mean()),
            "at_noise": np.mean(df(eps)[:, None] * np.stack([np.ones_like(eps), eps], axis=-1), axis=0),
            "score_function": score_function_terms(expr, dist, samples).mean(axis=0),
            "f_not_df": np.mean(fx[:, None] * np.stack([np.ones_like(eps), eps], axis=-1), axis=0),
            "sum": len(eps) * answer,
            "sign": -answer,
        }
        args = {"f": _cost(expr), "df": _cost(sp.diff(expr, x), "df"), "mu": mu, "sigma": sigma, "eps": eps}
        cases.append(Case(args, answer, mistakes))
    return cases


PATHWISE_ESTIMATE = Exercise(
    name="pathwise_estimate",
    notebook=3,
    title="the pathwise estimate for a Gaussian",
    signature="pathwise_estimate(f, df, mu, sigma, eps)",
    hint="x = μ + σ·ε: average f′(x) times ∂x/∂θ over the noise, for θ = μ and θ = σ: two numbers.",
    make_cases=_pathwise_cases,
    mistakes=(
        Mistake("no_eps", "d/dsigma: x = μ + σε, so ∂x/∂σ = ε; multiply f′(x) by ε.", (1,)),
        Mistake("sigma_factor", "d/dsigma: ∂x/∂σ is ε, not σ.", (1,)),
        Mistake("at_noise", "f′ belongs at the sample x = μ + σε, not at the noise ε."),
        Mistake(
            "score_function",
            "that is the score-function estimate on the same samples, f(x)·∇log π(x); the pathwise estimator "
            "differentiates f instead: f′(x)·∂x/∂θ.",
        ),
        Mistake("f_not_df", "you used f(x) where its derivative f′(x) = df(x) belongs."),
        Mistake("sum", "you summed the terms; the estimate is their mean."),
        Mistake("sign", "the sign is flipped: the terms are +f′(x)·∂x/∂θ."),
    ),
    seed=302,
    entry_names=("d/dmu", "d/dsigma"),
)

EXERCISES = (SCORE_FUNCTION_ESTIMATE, STANDARD_ERROR, LEAVE_ONE_OUT_ESTIMATE, LINEAR_GAUSSIAN_SCORE, PATHWISE_ESTIMATE)
