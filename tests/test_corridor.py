"""The short corridor (Sutton & Barto, Example 13.1) and the vectorized REINFORCE learner."""

import numpy as np
import pytest

import pgviz
from pgviz import rl
from pgviz.progress import Progress
from pgviz.widgets.rl import GradientConvergenceApp, convergence_data

THETA0 = np.array([-1.47, 1.47])  # π(right) ≈ 0.05, as in Zhang's reproduction


def test_corridor_layout_and_optimum():
    corridor = rl.short_corridor()
    assert corridor.actions == ("left", "right") and corridor.num_states == 4
    # switched actions in the second state
    assert corridor.transitions[1, 1, 0] == 1 and corridor.transitions[1, 0, 2] == 1
    p_star = 2 - np.sqrt(2)
    pi = np.tile([1 - p_star, p_star], (4, 1))
    assert abs(rl.exact_return(corridor, pi) + 6 + 4 * np.sqrt(2)) < 1e-9
    # the exact gradient vanishes at the optimum
    theta_star = np.array([np.log(p_star / (1 - p_star)), 0.0])
    assert np.max(np.abs(rl.exact_policy_gradient(corridor, theta_star, rl.corridor_features()))) < 1e-9


def test_learner_with_zero_step_keeps_theta_and_samples_the_initial_return():
    """α tiny: θ stays put, so the mean total reward estimates J(initial policy) (within 5 SE)."""
    corridor, features = rl.short_corridor(), rl.corridor_features()
    rng = np.random.default_rng(0)
    result = rl.reinforce_learning_curves(
        corridor, features, THETA0, [1e-12], num_runs=50, num_episodes=20, rng=rng, progress=False
    )
    np.testing.assert_allclose(result.theta[0], np.tile(THETA0, (50, 1)), atol=1e-6)
    totals = result.total_reward.ravel()
    p = rl.softmax_policy(THETA0, features)[0, 1]
    exact = (2 * p - 4) / (p * (1 - p))
    assert abs(totals.mean() - exact) < 5 * totals.std(ddof=1) / np.sqrt(totals.size)


def test_single_run_matches_a_plain_loop_with_the_same_episode():
    """The lockstep update equals the book's per-step loop on a recorded episode."""
    corridor, features = rl.short_corridor(), rl.corridor_features()
    rng = np.random.default_rng(5)
    alpha, alpha_w = 2**-9, 2**-6
    result = rl.reinforce_learning_curves(
        corridor,
        features,
        THETA0,
        [alpha],
        num_runs=1,
        num_episodes=1,
        rng=np.random.default_rng(5),
        alphas_w=[alpha_w],
        progress=False,
    )
    # replay: same generator stream -> same start draw, then one uniform per step for the action
    rng.random(1)
    theta, w, state, steps = THETA0.copy(), 0.0, 0, []
    while state != 3:
        pi = rl.softmax_policy(theta, features)[state]
        action = int(rng.random(1)[0] >= pi[0])
        steps.append((state, action))
        state = int(np.argmax(corridor.transitions[state, action]))
    T = len(steps)
    assert result.total_reward[0, 0, 0] == -T
    for t, (s, a) in enumerate(steps):
        G = -(T - t)
        delta = G - w
        w += alpha_w * delta
        pi = rl.softmax_policy(theta, features)[s]
        theta = theta + alpha * delta * (features[s, a] - pi @ features[s])
    np.testing.assert_allclose(result.theta[0, 0], theta, atol=1e-12)
    assert result.w[0, 0] == pytest.approx(w, abs=1e-12)


def test_probability_floor_keeps_policy_stochastic_and_learning_improves():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    result = rl.reinforce_learning_curves(
        corridor,
        features,
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
    first, last = result.total_reward[0, :, :20].mean(axis=1), result.total_reward[0, :, -20:].mean(axis=1)
    difference = last - first  # per run
    assert difference.mean() > 5 * difference.std(ddof=1) / np.sqrt(len(difference))


def test_learning_curves_reject_bad_arguments():
    corridor, features = rl.short_corridor(), rl.corridor_features()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="alphas must be"):
        rl.reinforce_learning_curves(corridor, features, THETA0, [-1.0], 2, 2, rng)
    with pytest.raises(ValueError, match="alphas_w must be"):
        rl.reinforce_learning_curves(corridor, features, THETA0, [0.1], 2, 2, rng, alphas_w=[0.1, 0.2])
    with pytest.raises(ValueError, match="num_runs must be an integer >= 1"):
        rl.reinforce_learning_curves(corridor, features, THETA0, [0.1], 0, 2, rng)
    with pytest.raises(ValueError, match="min_prob must be in"):
        rl.reinforce_learning_curves(corridor, features, THETA0, [0.1], 2, 2, rng, min_prob=0.6)
    with pytest.raises(TypeError, match="rng must be"):
        rl.reinforce_learning_curves(corridor, features, THETA0, [0.1], 2, 2, 42)
    with pytest.raises(ValueError, match="theta must have shape"):
        rl.reinforce_learning_curves(corridor, features, np.zeros(3), [0.1], 2, 2, rng)


def test_progress_is_silent_outside_a_kernel_and_validates():
    with Progress(total=3, description="x") as bar:
        bar.update(2)
        bar.update(5)
    assert bar.count == 3 and bar.widget is None
    shown = Progress(total=4, show=True)
    shown.update()
    assert shown.widget is not None and shown._bar.value == 1
    with pytest.raises(ValueError, match="total must be an integer >= 1"):
        Progress(total=0)
    with pytest.raises(TypeError, match="total must be an integer"):
        Progress(total=2.0)


def test_gradient_convergence_app_slider_moves_markers_to_running_mean():
    mdp, features = rl.tiny_mdp(), rl.tiny_features()
    theta = np.array([0.5, -0.5, 0.2])
    app = GradientConvergenceApp(mdp, theta, features, np.random.default_rng(0), max_m=400, m=10)
    app.slider.value = 300
    data = convergence_data(mdp, theta, features, 400, np.random.default_rng(0))
    line = app.markers[0][0]
    assert line.get_xdata()[0] == 300
    assert line.get_ydata()[0] == pytest.approx(data["estimates"][299, 0])
    assert "m = 300" in app.readout.value
    # the final running mean is within 5 SE of the exact gradient
    assert np.all(np.abs(data["estimates"][-1] - data["exact"]) <= 5 * data["standard_errors"][-1])
    with pytest.raises(ValueError, match="m must be an integer in"):
        GradientConvergenceApp(mdp, theta, features, np.random.default_rng(0), max_m=50, m=60)
    with pytest.raises(ValueError, match="max_m must be an integer >= 2"):
        convergence_data(mdp, theta, features, 1, np.random.default_rng(0))


def test_large_step_without_limits_collapses_and_stopped_runs_are_nan():
    """α = 2^-9 without a baseline or limits: some run's policy becomes nearly deterministic."""
    corridor, features = rl.short_corridor(), rl.corridor_features()
    result = rl.reinforce_learning_curves(
        corridor, features, THETA0, [2**-9], num_runs=20, num_episodes=60, rng=np.random.default_rng(3), progress=False
    )
    collapsed = np.flatnonzero(result.collapsed_at[0] >= 0)
    assert len(collapsed) >= 1
    for run in collapsed:
        e = result.collapsed_at[0, run]
        assert result.truncated[0, run, e - 1]  # the episode before was cut at max_steps
        assert min(result.policy[0, run, e]) < 1e-3
        assert np.isnan(result.total_reward[0, run, e:]).all()
        assert not np.isnan(result.total_reward[0, run, :e]).any()
