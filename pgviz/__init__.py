"""pgviz: policy gradients and the score-function (log-derivative) trick, derived and checked.

Modules by concern, imports pointing one way (lower first):
``validation``, ``symbolic``, ``compiled``, ``statistics`` -> ``distributions`` -> ``families``,
``costs`` -> ``parser``, ``derivations``, ``quadrature`` -> ``expectations`` -> ``estimators`` -> ``studies``, ``convergence``; the RL wing
``rl/`` beside the estimators (it uses validation, compiled, statistics and the softmax of
distributions); then ``plots/`` -> ``widgets/``. The README's API section lists the public names.
"""

# --- symbolic core and distributions (notebook 01)
from pgviz.symbolic import eps, x
from pgviz.distributions import Distribution, softmax
from pgviz.families import Bernoulli, Categorical, ExpLinear, Exponential, Gaussian
from pgviz.derivations import (
    check_fisher_identity,
    check_score_mean_zero,
    fisher_information,
    log_derivative_trick,
)

# --- cost functions, exact expectations, Monte Carlo gradient estimators (notebooks 01-03)
from pgviz.costs import COSTS, cost
from pgviz.parser import parse_cost
from pgviz.expectations import exact_expectation, exact_gradient, optimal_baseline
from pgviz.estimators import ESTIMATORS, pathwise, pathwise_on_noise, pathwise_terms
from pgviz.estimators import score_function, score_function_on_noise, score_function_terms
from pgviz.statistics import (
    confidence_interval,
    control_variate,
    estimate,
    running_mean,
    running_standard_error,
    standard_error,
)
from pgviz.studies import exact_variance

# --- tabular MDPs, exact policy gradients, REINFORCE, the short corridor (notebooks 04-06)
from pgviz import rl
from pgviz import lm
