"""Time S. Zhang's short-corridor reproduction and pgviz on the same work, side by side, in one run.

    python benchmarks/compare_peer.py PATH/TO/chapter13/short_corridor.py

The peer file comes from ShangtongZhang/reinforcement-learning-an-introduction (a checkout in a
temporary folder outside this repository; none of its code is part of pgviz). Its figure_13_1 and
figure_13_2 run five configurations, 100 trials x 1000 episodes each; this script runs exactly
those (its ``trial`` with its agents, without the plotting) and then pgviz's REINFORCE on the same
five configurations (``bench_mdp.peer_work``), and prints both wall-clock times and their ratio.
It also prints each side's mean total reward over the last 100 episodes per configuration, as a
check that the two did the same work. (The peer's corridor gives reward 0 on the step into the
goal, the book and pgviz -1, so its returns are 1 higher.)
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import time
import types

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load_peer(path: pathlib.Path):
    """Import the peer's module from its file; tqdm (imported there for progress bars the timed
    functions do not use) is replaced by a stand-in when it is not installed."""
    if importlib.util.find_spec("tqdm") is None:
        sys.modules["tqdm"] = types.SimpleNamespace(tqdm=lambda iterable, **_: iterable)
    spec = importlib.util.spec_from_file_location("peer_short_corridor", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_peer(peer, configurations) -> tuple[float, list[float]]:
    np.random.seed(0)  # noqa: NPY002 - the peer draws from NumPy's global state; seeding it is the one way
    start = time.perf_counter()
    last_100 = []
    for alpha, alpha_w in configurations:
        if alpha_w is None:
            make = lambda: peer.ReinforceAgent(alpha=alpha, gamma=1)  # noqa: E731, B023
        else:
            make = lambda: peer.ReinforceBaselineAgent(alpha=alpha, gamma=1, alpha_w=alpha_w)  # noqa: E731, B023
        rewards = np.array([peer.trial(1000, make) for _ in range(100)])  # [100, 1000]
        last_100.append(float(rewards[:, -100:].mean()))
    return time.perf_counter() - start, last_100


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not pathlib.Path(argv[0]).is_file():
        print(__doc__)
        return 2
    from bench_mdp import PEER_CONFIGURATIONS, peer_work

    peer = load_peer(pathlib.Path(argv[0]))
    peer_work(seed=1)  # compile pgviz's loop (or load numba's cache) before timing
    peer_seconds, peer_last = run_peer(peer, PEER_CONFIGURATIONS)
    start = time.perf_counter()
    curves = peer_work(seed=0)
    pgviz_seconds = time.perf_counter() - start
    pgviz_last = curves.total_reward[:, :, -100:].mean(axis=(1, 2))
    print("configuration (alpha, alpha_w)   peer last-100 mean   pgviz last-100 mean")
    for (alpha, alpha_w), a, b in zip(PEER_CONFIGURATIONS, peer_last, pgviz_last):
        print(f"  {alpha:g}, {alpha_w}".ljust(34) + f"{a:12.2f}{b:21.2f}")
    print(f"peer:  {peer_seconds:8.1f} s")
    print(f"pgviz: {pgviz_seconds:8.2f} s")
    print(f"ratio: {peer_seconds / pgviz_seconds:8.0f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
