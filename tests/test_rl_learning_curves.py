"""pgviz.rl.learning_curves: Sutton & Barto's REINFORCE (with and without a learned baseline).

Truths used: the book's per-step loop written in plain NumPy (tests/rl_reference.py) on the same
random draws, which the compiled runs must equal; the corridor's J(p) = (2p - 4) / (p (1 - p))
for a learner that does not move; and, for the learned baseline with gamma < 1, the exact mean of
the discounted return G_t over visited steps of a one-state MDP (derived in
test_learned_baseline_is_the_mean_discounted_return), each within 5 standard errors.
"""

import numpy as np
import pytest
from rl_reference import reinforce_run

from pgviz import rl

THETA0 = np.array([-1.47, 1.47])  # pi(right) ~ 0.05, as in Zhang's reproduction
CORRIDOR, CORRIDOR_FEATURES = rl.short_corridor(), rl.corridor_features()


def assert_runs_equal(curves, runs, exact):
    """Every field of each run of configuration 0 equal to the reference runs (or to 1e-12 relative)."""
    for r, run in enumerate(runs):
        for field in ("total_reward", "policy", "theta", "w"):
            got, expected = getattr(curves, field)[0, r], run[field]
            if exact:
                np.testing.assert_array_equal(got, expected, err_msg=field)
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, err_msg=field)
        np.testing.assert_array_equal(curves.truncated[0, r], run["truncated"])
        assert curves.collapsed_at[0, r] == run["collapsed_at"]


@pytest.mark.parametrize("alpha_w", [None, 2**-6], ids=["plain", "baseline"])
@pytest.mark.parametrize("min_prob", [0.0, 0.05])
@pytest.mark.parametrize("theta0", [THETA0, np.zeros(2)], ids=["left", "even"])
def test_corridor_runs_equal_the_books_loop_step_by_step(theta0, min_prob, alpha_w):
    """Three runs of ten episodes, each the next stretch of one Generator, bit for bit equal to the
    plain loop (integer returns, 0/1 features: the same arithmetic in the same order)."""
    curves = rl.reinforce_learning_curves(
        CORRIDOR,
        CORRIDOR_FEATURES,
        theta0,
        [2**-9],
        num_runs=3,
        num_episodes=10,
        rng=np.random.default_rng(5),
        alphas_w=None if alpha_w is None else [alpha_w],
        min_prob=min_prob,
        progress=False,
    )
    rng = np.random.default_rng(5)
    runs = [
        reinforce_run(CORRIDOR, CORRIDOR_FEATURES, theta0, 2**-9, alpha_w or 0.0, 10, rng, min_prob=min_prob)
        for _ in range(3)
    ]
    assert_runs_equal(curves, runs, exact=True)
    assert np.isnan(curves.alphas_w[0]) == (alpha_w is None) and curves.min_prob == min_prob


def test_discounted_random_mdp_runs_equal_the_books_loop():
    """gamma = 0.8, real rewards and features: G_t summed forwards here, backwards in pgviz; the same
    numbers to 1e-12."""
    mdp = rl.random_mdp(np.random.default_rng(5), num_states=4, num_actions=3, gamma=0.8)
    features = np.random.default_rng(6).normal(size=(mdp.num_states, 3, 4))
    for alpha_w in (None, 0.05):
        curves = rl.reinforce_learning_curves(
            mdp,
            features,
            np.zeros(4),
            [0.1],
            3,
            10,
            np.random.default_rng(4),
            alphas_w=None if alpha_w is None else [alpha_w],
            progress=False,
        )
        rng = np.random.default_rng(4)
        runs = [reinforce_run(mdp, features, np.zeros(4), 0.1, alpha_w or 0.0, 10, rng) for _ in range(3)]
        assert_runs_equal(curves, runs, exact=False)


def test_learned_baseline_is_the_mean_discounted_return():
    """One state that ends the episode w.p. q each step, reward -1 per step, gamma = 0.9.

    From any visited step the remaining length L is geometric (memoryless), so
    E[G_t] = -E[1 - gamma^L] / (1 - gamma) = -1 / (1 - rho) = V, rho = gamma (1 - q): w must learn
    V = -5.26 for q = 0.1 (not the undiscounted -10, nor 0). With a constant step alpha_w, w at the
    end of a run is sum_j alpha_w (1 - alpha_w)^j G at the j-th step from the end, and a step j from
    the end has L = min(geometric, j + 1), which shifts E[G] by -V rho^(j + 1); so
    E[w] = V (1 - alpha_w rho / (1 - (1 - alpha_w) rho)) (w_0 = 0 is forgotten after 3000 steps).
    The policy does not matter here; theta barely moves (alpha = 1e-12).
    """
    q, gamma, alpha_w = 0.1, 0.9, 0.01
    leaving = [1 - q, q]  # stay, end
    mdp = rl.MDP(
        transitions=np.array([[leaving, leaving], [[0.0, 1.0], [0.0, 1.0]]]),
        rewards=np.array([[-1.0, -1.0], [0.0, 0.0]]),
        start=np.array([1.0, 0.0]),
        terminal=np.array([False, True]),
        gamma=gamma,
        actions=("a", "b"),
    )
    features = rl.corridor_features(2)
    curves = rl.reinforce_learning_curves(
        mdp, features, np.zeros(2), [1e-12], 50, 300, np.random.default_rng(0), alphas_w=[alpha_w], progress=False
    )
    rho = gamma * (1 - q)
    value = -1 / (1 - rho)
    expected = value * (1 - alpha_w * rho / (1 - (1 - alpha_w) * rho))
    w = curves.w[0]  # [R], one per independent run
    assert abs(w.mean() - expected) <= 5 * w.std(ddof=1) / np.sqrt(len(w)), (w.mean(), expected)
    np.testing.assert_allclose(curves.theta[0], 0.0, atol=1e-6)


def test_learner_that_does_not_move_samples_the_initial_return():
    """alpha tiny: theta stays put, so the mean total reward estimates J(initial policy) (within 5 SE)."""
    result = rl.reinforce_learning_curves(
        CORRIDOR,
        CORRIDOR_FEATURES,
        THETA0,
        [1e-12],
        num_runs=50,
        num_episodes=20,
        rng=np.random.default_rng(0),
        progress=False,
    )
    np.testing.assert_allclose(result.theta[0], np.tile(THETA0, (50, 1)), atol=1e-6)
    totals = result.total_reward.ravel()
    p = rl.softmax_policy(THETA0, CORRIDOR_FEATURES)[0, 1]
    exact = (2 * p - 4) / (p * (1 - p))
    assert abs(totals.mean() - exact) < 5 * totals.std(ddof=1) / np.sqrt(totals.size)


def test_probability_floor_keeps_policy_stochastic_and_learning_improves():
    """Zhang's floor: pi stays in [0.05, 0.95]; the last 20 episodes' mean reward beats the first
    20's, by more than 5 SE over 30 runs."""
    result = rl.reinforce_learning_curves(
        CORRIDOR,
        CORRIDOR_FEATURES,
        THETA0,
        [2**-9],
        num_runs=30,
        num_episodes=200,
        rng=np.random.default_rng(1),
        alphas_w=[2**-6],
        min_prob=0.05,
        progress=False,
    )
    p_right = result.policy[0, :, :, 1]
    assert p_right.min() >= 0.05 - 1e-12 and p_right.max() <= 0.95 + 1e-12
    difference = result.total_reward[0, :, -20:].mean(axis=1) - result.total_reward[0, :, :20].mean(axis=1)
    assert difference.mean() > 5 * difference.std(ddof=1) / np.sqrt(len(difference))


def test_large_step_without_limits_collapses_and_stopped_runs_are_nan():
    """alpha = 2^-9 without a baseline or a floor: some run's policy becomes nearly deterministic;
    it stops right after an episode cut at max_steps, and its rewards are NaN from there on."""
    result = rl.reinforce_learning_curves(
        CORRIDOR,
        CORRIDOR_FEATURES,
        THETA0,
        [2**-9],
        num_runs=20,
        num_episodes=60,
        rng=np.random.default_rng(3),
        progress=False,
    )
    collapsed = np.flatnonzero(result.collapsed_at[0] >= 0)
    assert len(collapsed) >= 1
    for run in collapsed:
        e = result.collapsed_at[0, run]
        assert result.truncated[0, run, e - 1]  # the episode before was cut at max_steps
        assert min(result.policy[0, run, e]) < 1e-3
        assert np.isnan(result.total_reward[0, run, e:]).all()
        assert not np.isnan(result.total_reward[0, run, :e]).any()
    assert np.all(result.collapsed_at[0, result.collapsed_at[0] < 0] == -1)


def test_learning_curves_reject_bad_arguments():
    rng = np.random.default_rng(0)
    args = (CORRIDOR, CORRIDOR_FEATURES, THETA0)
    with pytest.raises(ValueError, match="alphas must be"):
        rl.reinforce_learning_curves(*args, [-1.0], 2, 2, rng)
    with pytest.raises(ValueError, match="alphas_w must be"):
        rl.reinforce_learning_curves(*args, [0.1], 2, 2, rng, alphas_w=[0.1, 0.2])
    with pytest.raises(ValueError, match="num_runs must be an integer >= 1"):
        rl.reinforce_learning_curves(*args, [0.1], 0, 2, rng)
    with pytest.raises(ValueError, match="min_prob must be in"):
        rl.reinforce_learning_curves(*args, [0.1], 2, 2, rng, min_prob=0.6)
    with pytest.raises(ValueError, match="collapse_below must be in"):
        rl.reinforce_learning_curves(*args, [0.1], 2, 2, rng, collapse_below=0.5)
    with pytest.raises(TypeError, match="rng must be"):
        rl.reinforce_learning_curves(*args, [0.1], 2, 2, 42)
    with pytest.raises(TypeError, match="progress must be True or False"):
        rl.reinforce_learning_curves(*args, [0.1], 2, 2, rng, progress="yes")
    with pytest.raises(ValueError, match="theta must have shape"):
        rl.reinforce_learning_curves(CORRIDOR, CORRIDOR_FEATURES, np.zeros(3), [0.1], 2, 2, rng)
    starts_at_the_goal = rl.MDP(
        transitions=CORRIDOR.transitions,
        rewards=CORRIDOR.rewards,
        start=np.array([0.5, 0.0, 0.0, 0.5]),
        terminal=CORRIDOR.terminal,
        gamma=1.0,
        actions=CORRIDOR.actions,
    )
    with pytest.raises(ValueError, match="mdp.start must put no probability on terminal states"):
        rl.reinforce_learning_curves(starts_at_the_goal, CORRIDOR_FEATURES, THETA0, [0.1], 2, 2, rng)
