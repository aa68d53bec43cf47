"""pgviz: policy gradients and the score-function (log-derivative) trick, derived and checked.

Modules by concern, imports pointing one way:
validation, symbolic -> distributions -> derivations / costs / estimators / mdp / trajectories
-> plots -> widgets. The README's API section lists the public names.
"""

# --- symbolic core and distributions (notebook 01)
from pgviz.symbolic import eps, x
from pgviz.distributions import Bernoulli, Categorical, Distribution, ExpLinear, Exponential, Gaussian
from pgviz.derivations import (
    check_fisher_identity,
    check_score_mean_zero,
    fisher_information,
    log_derivative_trick,
)

# --- tabular MDPs, exact policy gradients, REINFORCE, the short corridor (notebooks 04-06)
from pgviz.mdp import (
    MDP,
    Episodes,
    enumerate_trajectories,
    enumeration_policy_gradient,
    enumeration_return,
    exact_policy_gradient,
    exact_return,
    reinforce_gradients,
    reinforce_learning_curves,
    rollout,
    short_corridor,
    softmax_policy,
    state_values,
)

# --- cost functions and Monte Carlo gradient estimators (notebooks 01-03)
from pgviz.costs import COSTS, cost, parse_cost
from pgviz.estimators import (
    confidence_interval,
    control_variate,
    estimate,
    exact_expectation,
    exact_gradient,
    exact_variance,
    optimal_baseline,
    pathwise,
    pathwise_on_noise,
    running_mean,
    running_standard_error,
    score_function,
    score_function_on_noise,
    standard_error,
)
