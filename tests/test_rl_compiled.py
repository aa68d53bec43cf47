"""The RL wing's compiled loops compute what their Python source says.

pgviz.compiled compiles rollout's episode loop and the book's REINFORCE with numba; with the
environment variable NUMBA_DISABLE_JIT=1 the very same functions run as plain Python. This file,
run as a script in a subprocess with that variable set, computes :func:`cases` in pure Python;
the test computes them compiled in-process, on the same seeds, and the two must agree: every
step, action, episode length, truncation flag and collapse episode identically, every float to
1e-12 relative.

Why not every float bit for bit: compiled code calls the C library's exp, NumPy its own, and the
two differ in the last bit for about 5% of arguments (a sum of rewards may also be added in
another order). REINFORCE without a baseline amplifies a difference in theta by about
(1 + alpha |G| Var[x]) per step, so the learning-curve cases use the book's small step sizes
(2^-9, 2^-10), which keep the differences near 1e-15; larger ones (2^-6 over 30 episodes) grow
them past 1e-11.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numba
import numpy as np
import pytest

from pgviz import rl

THETA0 = np.array([-1.47, 1.47])  # pi(right) ~ 0.05 on the corridor, as in Zhang's reproduction


def cases() -> dict[str, np.ndarray]:
    """Rollouts and learning curves of several MDPs, flattened to named arrays."""
    out = {}
    corridor, corridor_features = rl.short_corridor(), rl.corridor_features()
    random = rl.random_mdp(np.random.default_rng(5), num_states=4, num_actions=3, gamma=0.8)
    random_features = np.random.default_rng(6).normal(size=(random.num_states, 3, 4))
    chain = rl.chain_mdp(num_states=4, gamma=0.9, slip=0.2)
    # --- rollouts: (mdp, pi, episodes, max_steps)
    rollouts = {
        "tiny": (rl.tiny_mdp(), np.full((4, 2), 0.5), 50, 10_000),
        "random": (random, rl.softmax_policy(np.ones(4), random_features), 50, 10_000),
        "chain": (chain, np.tile([0.4, 0.6], (chain.num_states, 1)), 20, 10_000),
        "corridor_cut": (corridor, np.tile([0.3, 0.7], (4, 1)), 30, 6),  # some episodes cut at 6 steps
    }
    for name, (mdp, pi, num_episodes, max_steps) in rollouts.items():
        episodes = rl.rollout(mdp, pi, num_episodes, np.random.default_rng(7), max_steps)
        for field in ("states", "actions", "rewards", "lengths", "truncated"):
            out[f"rollout/{name}/{field}"] = getattr(episodes, field)
    # --- learning curves, 3 runs x 30 episodes; the second configuration of each learns a baseline
    corridor_run = dict(mdp=corridor, features=corridor_features, num_runs=3, num_episodes=30)
    curves = {
        "corridor_floor": dict(
            corridor_run, theta0=np.zeros(2), alphas=[2**-9, 2**-10], alphas_w=[None, 2**-6], min_prob=0.05
        ),
        "corridor_book": dict(corridor_run, theta0=np.zeros(2), alphas=[2**-9, 2**-10], alphas_w=[None, 2**-6]),
        "corridor_collapse": dict(
            corridor_run, theta0=THETA0, alphas=[2**-9], num_episodes=8, max_steps=20, collapse_below=0.1
        ),
        "random_discounted": dict(
            mdp=random,
            features=random_features,
            theta0=np.zeros(4),
            alphas=[0.1, 0.05],
            alphas_w=[None, 0.05],
            num_runs=3,
            num_episodes=30,
        ),
    }
    for name, arguments in curves.items():
        result = rl.reinforce_learning_curves(rng=np.random.default_rng(8), progress=False, **arguments)
        for field in ("total_reward", "policy", "truncated", "theta", "w", "collapsed_at"):
            out[f"curves/{name}/{field}"] = getattr(result, field)
    return out


EXACT_FIELDS = ("states", "actions", "lengths", "truncated", "collapsed_at")


@pytest.fixture(scope="module")
def pure_python(tmp_path_factory) -> dict[str, np.ndarray]:
    """:func:`cases` computed in a subprocess with NUMBA_DISABLE_JIT=1 (numba compiles nothing)."""
    path = tmp_path_factory.mktemp("pure_python") / "cases.npz"
    environment = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, __file__, str(path)], env=environment, check=True, timeout=300)
    with np.load(path) as stored:
        return dict(stored)


def ran_compiled() -> bool:
    """Whether the loops are numba's compiled dispatchers here (not plain Python functions)."""
    return isinstance(rl.reinforce, numba.core.registry.CPUDispatcher) and isinstance(
        rl.generate_episode, numba.core.registry.CPUDispatcher
    )


def test_compiled_rollouts_and_learning_curves_equal_their_pure_python_run(pure_python):
    assert ran_compiled() and not pure_python.pop("ran_compiled")
    compiled = cases()
    assert set(compiled) == set(pure_python)
    assert any(compiled["rollout/corridor_cut/truncated"]) and not all(compiled["rollout/corridor_cut/truncated"])
    assert np.all(compiled["curves/corridor_collapse/collapsed_at"] >= 0)  # the collapse rule is exercised
    for name, value in compiled.items():
        if name.rsplit("/", 1)[1] in EXACT_FIELDS:
            np.testing.assert_array_equal(value, pure_python[name], err_msg=name)
        else:
            np.testing.assert_allclose(value, pure_python[name], rtol=1e-12, atol=1e-15, err_msg=name)


if __name__ == "__main__":  # the pure-Python run: python tests/test_rl_compiled.py OUT.npz
    np.savez(pathlib.Path(sys.argv[1]), ran_compiled=ran_compiled(), **cases())
