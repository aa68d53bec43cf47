"""pgviz.widgets.rl: the GradientConvergenceApp of notebook 04 shows the running REINFORCE estimate.

Truths used: pgviz.rl.reinforce.running_estimates on the app's seed (the same episodes), and the
exact policy gradient, which the final running mean of 400 episodes must be within 5 SE of.
"""

import numpy as np
import pytest

from pgviz import rl
from pgviz.rl.reinforce import running_estimates
from pgviz.widgets.rl import GradientConvergenceApp

THETA = np.array([0.5, -0.5, 0.2])


def test_gradient_convergence_app_slider_moves_markers_to_running_mean():
    mdp, features = rl.tiny_mdp(), rl.tiny_features()
    app = GradientConvergenceApp(mdp, THETA, features, np.random.default_rng(0), max_m=400, m=10)
    data = running_estimates(mdp, THETA, features, 400, np.random.default_rng(0))
    app.slider.value = 300
    for p, container in enumerate(app.markers):
        line, caps, _ = container
        assert line.get_xdata()[0] == 300
        assert line.get_ydata()[0] == pytest.approx(data["estimates"][299, p])
        low, high = caps[0].get_ydata()[0], caps[1].get_ydata()[0]
        assert (high - low) / 4 == pytest.approx(data["standard_errors"][299, p])  # ± 2 SE
    assert "m = 300" in app.readout.value
    app.slider.value = 1  # one episode: its estimate, no standard error
    assert app.markers[0][0].get_ydata()[0] == pytest.approx(data["estimates"][0, 0])
    assert "m = 1" in app.readout.value
    assert np.all(np.abs(data["estimates"][-1] - data["exact"]) <= 5 * data["standard_errors"][-1])
    np.testing.assert_allclose(data["exact"], rl.exact_policy_gradient(mdp, THETA, features))
    with pytest.raises(ValueError, match="m must be an integer"):
        GradientConvergenceApp(mdp, THETA, features, np.random.default_rng(0), max_m=50, m=60)
