"""pgviz.lm: policy gradients for a language model small enough to list every completion (notebooks 07, 08).

Modules by concern, imports pointing one way (lower first):
``space`` (every completion of a prompt; the table of probabilities and scores) -> ``model``
(``TinyLM``: tabular softmax logits per prefix, built on :func:`pgviz.distributions.softmax`) ->
``rewards`` (0/1 correctness, length-dependent rewards) -> ``estimators`` (group estimators as
weights on scores, one signature; ``GROUP_ESTIMATORS``) -> ``groups`` (sums over groups by
multisets of classes) -> ``exact`` (∇J, exact E[ĝ] and Var[ĝ], GRPO's prompt weight) ->
``sampling`` (seeded Monte Carlo groups), ``lengths`` (length drift, expected ascent), ``kl``
(k1, k2, k3), ``ppo`` (importance ratios, the clipped surrogate). From the rest of the package the
wing uses only ``validation``, ``statistics`` and ``distributions`` (its softmax); ``plots.lm`` and
``widgets.lm`` build on it, never the other way.

The names below are the wing's public API; ``from pgviz import lm`` then ``lm.TinyLM()``.
"""

from pgviz.lm.space import EOS, SequenceSpace, SequenceTree, sequence_tree
from pgviz.lm.model import TinyLM, finite_difference, log_softmax, skilled_logits
from pgviz.lm.rewards import correctness, length_penalized, soft_overlong_punishment
from pgviz.lm.estimators import (
    DDOF,
    EPS,
    GROUP_ESTIMATORS,
    SCALE_REWARDS,
    GroupEstimator,
    dapo,
    dr_grpo,
    get_estimator,
    grpo,
    mean_baseline,
    reinforce,
    rloo,
)
from pgviz.lm.exact import (
    agreement,
    conditional_expectation,
    estimate_variance,
    exact_gradient,
    expected_estimate,
    expected_reward,
    no_signal_probability,
    std_normalization_weight,
)
from pgviz.lm.sampling import group_estimates, running_agreement, sample_estimates, sample_groups
from pgviz.lm.lengths import expected_ascent, length_drift
from pgviz.lm.kl import (
    KL_ESTIMATORS,
    KL_LEVELS,
    KLEstimates,
    kl_estimators,
    kl_penalized_rewards,
    kl_to_go_gradient,
    kl_values,
    log_ratios,
)
from pgviz.lm.ppo import CLIP, clipped_surrogate, expected_surrogate, importance_ratios, ppo_updates
