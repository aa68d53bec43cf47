"""pgviz.rl: tabular MDPs with exact answers, and the policy-gradient algorithms on them (notebooks 04-06).

Modules by concern, imports pointing one way (lower first):
``mdp`` (the MDP and its argument checks) -> ``examples`` (short corridor, tiny, chain, random),
``policy`` (the softmax policy and its score) -> ``exact`` (values, returns, visits, the exact
policy gradient), ``rollout`` (one step function; episodes) -> ``enumeration`` (every trajectory)
-> ``reinforce`` (REINFORCE estimates and their statistics), ``learning_curves`` (the book's
REINFORCE loop) -> ``surrogate`` (losses, reductions, their exact expectations) -> ``derivation``
(SymPy derivations on trajectories).

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
