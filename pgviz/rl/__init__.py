"""pgviz.rl: tabular MDPs with exact answers, and the policy-gradient algorithms on them (notebooks 04-06).

Modules by concern, imports pointing one way (lower first):
``mdp`` (the MDP and its argument checks) -> ``examples`` (short corridor, tiny, chain, random),
``policy`` (the softmax policy and its score) -> ``exact`` (values, returns, visits, the exact
policy gradient), ``rollout`` (one step function; episodes) -> ``enumeration`` (every trajectory)
-> ``reinforce`` (REINFORCE estimates and their statistics), ``learning_curves`` (the book's
REINFORCE loop) -> ``surrogate`` (losses, reductions, their exact expectations) -> ``derivation``
(SymPy derivations on trajectories); ``theorem`` (the chain ∇ΣP R = … = ΣP ∇log P R, each line
computed), ``practice`` (what popular REINFORCE code estimates: per-step weights, step budgets)
-> ``moments`` (exact bias and variance by enumeration), ``optim`` (SGD and Adam in NumPy),
``collapse`` (one episode's updates in the loop against one batched update; the floored score).

The names below are the wing's public API; ``from pgviz import rl`` then ``rl.tiny_mdp()``.
"""

from pgviz.rl.mdp import MDP
from pgviz.rl.examples import chain_mdp, corridor_features, random_mdp, short_corridor, tiny_features, tiny_mdp
from pgviz.rl.policy import floor_probabilities, policy_score, softmax_policy
from pgviz.rl.exact import (
    action_values,
    discounted_visits,
    exact_policy_gradient,
    exact_return,
    expected_length,
    finite_difference_gradient,
    state_values,
)
from pgviz.rl.rollout import Episodes, generate_episode, rollout, step
from pgviz.rl.enumeration import (
    EnumeratedTrajectories,
    enumerate_trajectories,
    enumeration_policy_gradient,
    enumeration_return,
    match_trajectories,
    trajectory_labels,
)
from pgviz.rl.reinforce import VARIANTS, estimator_statistics, reinforce_gradients
from pgviz.rl.learning_curves import LearningCurves, compile_loops, reinforce, reinforce_learning_curves
from pgviz.rl.surrogate import (
    REDUCTIONS,
    averaged_gradient,
    reduction_weights,
    reinforce_training,
    surrogate_loss,
    surrogate_loss_gradient,
)
from pgviz.rl.theorem import CHAIN, chain_values, log_probability_gradients
from pgviz.rl.practice import (
    FLOAT32_EPS,
    WEIGHTINGS,
    as_episodes,
    expected_update,
    gradient_agreement,
    reward_to_go,
    step_budget_expectation,
    step_weights,
    stopped_batch_expectation,
    weighted_scores,
)
from pgviz.rl.moments import (
    NO_GAMMA_T,
    estimator_moments,
    exact_moments,
    past_reward_terms,
    undiscounted_visits_gradient,
)
from pgviz.rl import optim
from pgviz.rl.collapse import floored_policy, floored_score, replay_episode
