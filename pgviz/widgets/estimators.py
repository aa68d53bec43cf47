"""Widget apps for notebooks 01-03: a Monte Carlo gradient estimate converging on the exact gradient."""

from __future__ import annotations

import numbers

import ipywidgets as widgets
import numpy as np
import sympy as sp

from pgviz.costs import COSTS, cost, cost_latex, parse_cost
from pgviz.distributions import Distribution, check_rng
from pgviz.estimators import exact_gradient, pathwise, score_function
from pgviz.plots.estimators import ESTIMATOR_COLORS, ESTIMATOR_LABELS, plot_convergence
from pgviz.plots.style import COLORS
from pgviz.widgets.base import FigureApp

__all__ = ["ConvergenceApp", "convergence_data", "APP_ESTIMATORS", "APP_CONTROLS"]

APP_ESTIMATORS = ("score_function", "score_function_baseline", "pathwise")
APP_CONTROLS = ("num_samples", "theta", "param", "cost")
# Slider ranges for the parameters of the catalog's distributions (others: value -/+ 3).
PARAM_RANGES = {"mu": (-3.0, 3.0), "sigma": (0.2, 3.0), "rate": (0.2, 5.0), "logit": (-4.0, 4.0)}
GRID_POINTS = 240
# The N marker is drawn above the legend (zorder 5), so moving it redraws only the marker (blitting
# redraws everything stacked above a changing artist).
MOVING_ZORDER = 6
# The axes' empty left/right title texts (zorder 3) are re-marked stale by every draw, so blitting
# redraws all artists stacked above them; a legend below zorder 3 is left out of that redraw.
LEGEND_ZORDER = 2.9


def _terms(name: str, f, dist: Distribution, num_samples: int, seed: int) -> np.ndarray:
    """Per-sample terms [N, P] of one named estimator, on the samples of ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    if name == "score_function":
        return score_function(f, dist, num_samples, rng)
    if name == "score_function_baseline":
        return score_function(f, dist, num_samples, rng, baseline="optimal")
    return pathwise(f, dist, num_samples, rng)


def convergence_data(f, dist: Distribution, seed: int, param: int = 0, max_samples: int = 10**6,
                     estimators=("score_function",)) -> dict:
    """Everything a convergence figure shows, for gradient component ``param``.

    For each estimator: running sums of the per-sample terms and of their squares ([M] each, so
    the estimate and its standard error at any N are two lookups), and the running estimate and
    standard error on a log-spaced grid of N ([G]). All estimators use the samples of
    ``numpy.random.default_rng(seed)`` (common random numbers). Returns a dict with ``n_grid``
    [G], ``sums``/``squares`` {name: [M]}, ``running``/``running_se`` {name: [G]}, ``exact``.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if isinstance(max_samples, bool) or not isinstance(max_samples, numbers.Integral) or max_samples < 10:
        raise ValueError(f"max_samples must be an int >= 10, got {max_samples!r}")
    if isinstance(param, bool) or not isinstance(param, numbers.Integral) or not 0 <= param < dist.num_params:
        raise ValueError(f"param must be an index in [0, {dist.num_params}), got {param!r}")
    unknown = [e for e in estimators if e not in APP_ESTIMATORS]
    if unknown or not estimators:
        raise ValueError(f"estimators must be a non-empty subset of {APP_ESTIMATORS}, got {estimators!r}")
    n_grid = np.unique(np.geomspace(1, max_samples, GRID_POINTS).astype(int))  # [G]
    data = {"n_grid": n_grid, "sums": {}, "squares": {}, "running": {}, "running_se": {}}
    for name in estimators:
        terms = _terms(name, f, dist, max_samples, seed)[:, param]  # [M]
        if not np.all(np.isfinite(terms)):
            raise ValueError("f is not finite at some samples (e.g. log or sqrt of a negative number)")
        sums, squares = np.cumsum(terms), np.cumsum(terms**2)  # [M]
        data["sums"][name], data["squares"][name] = sums, squares
        data["running"][name], data["running_se"][name] = _mean_and_se(sums, squares, n_grid)
    data["exact"] = float(exact_gradient(f, dist)[param])
    return data


def _mean_and_se(sums: np.ndarray, squares: np.ndarray, n) -> tuple[np.ndarray, np.ndarray]:
    """The estimate and its standard error after the first n terms, from running sums."""
    n = np.asarray(n)
    mean = sums[n - 1] / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(squares[n - 1] / n - mean**2, 0.0) * n / np.maximum(n - 1, 1)
    return mean, np.sqrt(variance / n)


class ConvergenceApp(FigureApp):
    """Slide N (10 ... 10^6, log scale): the running Monte Carlo gradient estimate ± 2 SE lands on
    the exact gradient (notebooks 01 and 02; notebook 03 with the pathwise estimator).

    ``f``: a SymPy expression in x or text (parsed by :func:`pgviz.parse_cost`); ``dist``: a
    :class:`pgviz.Distribution`; ``rng``: draws the one seed all samples come from (so changing N
    never resamples, and every estimator sees the same samples). ``controls``: any of
    "num_samples" (the N slider), "theta" (one slider per parameter), "param" (which gradient
    component is shown), "cost" (a menu of the catalog and a text box for f). ``estimators``:
    any of "score_function", "score_function_baseline" (optimal constant baseline), "pathwise".
    The 10^6 per-sample terms are computed once per (theta, f, component); moving N only looks up
    running sums.
    """

    def __init__(self, f, dist: Distribution, rng: np.random.Generator, num_samples: int = 100,
                 max_samples: int = 10**6, param: int = 0, estimators=("score_function",),
                 controls=("num_samples",)):
        if not isinstance(dist, Distribution):
            raise TypeError(f"dist must be a pgviz Distribution, got {type(dist).__name__}")
        rng = check_rng(rng)
        if isinstance(controls, str):
            controls = (controls,)
        unknown = [c for c in controls if c not in APP_CONTROLS]
        if unknown:
            raise ValueError(f"controls must be a subset of {APP_CONTROLS}, got {unknown}")
        if isinstance(estimators, str):
            estimators = (estimators,)
        estimators = tuple(estimators)
        if "pathwise" in estimators and dist.reparameterization is None:
            raise TypeError(f"dist {type(dist).__name__} has no reparameterization: drop 'pathwise' from estimators")
        if isinstance(max_samples, bool) or not isinstance(max_samples, numbers.Integral) or max_samples < 10:
            raise ValueError(f"max_samples must be an int >= 10, got {max_samples!r}")
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) \
                or not 1 <= num_samples <= max_samples:
            raise ValueError(f"num_samples must be an int in [1, {max_samples}], got {num_samples!r}")
        if isinstance(f, str):
            f_text, f = f, parse_cost(f)
        elif isinstance(f, sp.Expr):
            f_text = str(f)
        else:
            raise TypeError(f"f must be a SymPy expression in pgviz.x or text, got {type(f).__name__}")
        self.f, self.dist, self.max_samples, self.estimators = f, dist, int(max_samples), estimators
        self.seed = int(rng.integers(2**62))
        self.param = param
        self.data = convergence_data(f, dist, self.seed, param, self.max_samples, estimators)
        self._key = self._state_key()

        param_labels = [sp.latex(s) for s in dist.param_symbols]
        self.fig, self.ax = plot_convergence(self.data["n_grid"], self.data["running"], self.data["running_se"],
                                             self.data["exact"], param_label=param_labels[param],
                                             cost_label=cost_latex(f))
        self.lines = {name: line for name, line in zip(estimators, self.ax.lines)}
        self.bands = {name: band for name, band in zip(estimators, self.ax.collections)}
        self.exact_line = self.ax.lines[len(estimators)]
        self.markers = {name: self.ax.errorbar([num_samples], [0.0], yerr=[0.0], fmt="o", ms=7, capsize=4,
                                               color=ESTIMATOR_COLORS[name], mec=COLORS["exact"], zorder=MOVING_ZORDER)
                        for name in estimators}
        self.vline = self.ax.axvline(num_samples, color=COLORS["highlight"], lw=1, zorder=MOVING_ZORDER)
        self.ax.get_legend().set_zorder(LEGEND_ZORDER)
        self._set_ylim()

        controls_list = []
        self.slider = widgets.FloatLogSlider(value=num_samples, base=10, min=0, max=np.log10(self.max_samples),
                                             step=0.02, description="N", readout_format=",.0f",
                                             continuous_update=True, layout=widgets.Layout(width="420px"))
        if "num_samples" in controls:
            controls_list.append(self.slider)
        self.theta_sliders = []
        for name, value in zip(dist.param_names, dist.param_vector):
            low, high = PARAM_RANGES.get(name, (value - 3.0, value + 3.0))
            low, high = min(low, value), max(high, value)
            self.theta_sliders.append(widgets.FloatSlider(value=value, min=low, max=high, step=0.05,
                                                          description=name, continuous_update=False))
        if "theta" in controls:
            controls_list += self.theta_sliders
        self.param_menu = widgets.Dropdown(options=[(f"∂/∂{n}", p) for p, n in enumerate(dist.param_names)],
                                           value=param, description="gradient", layout=widgets.Layout(width="180px"))
        if "param" in controls:
            controls_list.append(self.param_menu)
        presets = [(label if name == "linear" else f"{label}, k = {default:g}", str(cost(name, default)))
                   for name, (_, default, label) in COSTS.items()]
        self.cost_menu = widgets.Dropdown(options=[("(typed)", "")] + presets, value="", description="f menu",
                                          layout=widgets.Layout(width="240px"))
        self.cost_text = widgets.Text(value=f_text, description="f(x) =", continuous_update=False,
                                      layout=widgets.Layout(width="260px"))
        if "cost" in controls:
            self.cost_menu.observe(self._preset, names="value")
            controls_list += [self.cost_menu, self.cost_text]
        self.readout = widgets.HTML("")
        self.error = ""
        self._finish(controls_list, message=self.readout)

    # --- state ---------------------------------------------------------------------------------
    @property
    def num_samples(self) -> int:
        """The N the slider points at (rounded to an integer)."""
        return int(min(max(round(self.slider.value), 1), self.max_samples))

    def _state_key(self):
        return (str(self.f), tuple(self.dist.param_vector), self.param)

    def _preset(self, change) -> None:
        if change["new"]:
            self.cost_text.value = change["new"]

    def _read_controls(self) -> None:
        """Take f, theta and the component from the controls; a bad f leaves the old state."""
        self.error = ""
        try:
            f = parse_cost(self.cost_text.value)
        except ValueError as error:
            self.error = f"f not changed: {error}"
            f = self.f
        theta = [s.value for s in self.theta_sliders]
        try:
            dist = self.dist.with_params(theta)
        except (TypeError, ValueError) as error:
            self.error, dist = f"theta not changed: {error}", self.dist
        param = self.param_menu.value
        key = (str(f), tuple(dist.param_vector), param)
        if key == self._key:
            return
        try:
            data = convergence_data(f, dist, self.seed, param, self.max_samples, self.estimators)
        except (TypeError, ValueError) as error:
            self.error = f"not updated: {error}"
            return
        self.f, self.dist, self.param, self.data, self._key = f, dist, param, data, key
        self._redraw_curves()

    def _redraw_curves(self) -> None:
        data = self.data
        for name in self.estimators:
            color = ESTIMATOR_COLORS[name]
            self.lines[name].set_ydata(data["running"][name])
            self.bands[name].remove()
            low = data["running"][name] - 2 * data["running_se"][name]
            high = data["running"][name] + 2 * data["running_se"][name]
            self.bands[name] = self.ax.fill_between(data["n_grid"], low, high, color=color, alpha=0.18, lw=0)
        self.exact_line.set_ydata([data["exact"], data["exact"]])
        self.exact_line.set_label(f"exact = {data['exact']:+.4f}")
        label = sp.latex(self.dist.param_symbols[self.param])
        self.ax.set_ylabel(rf"estimate of $\partial\,\mathbb{{E}}[f]/\partial {label}$")
        self.ax.set_title(rf"Monte Carlo estimate of $\partial\,\mathbb{{E}}[{cost_latex(self.f)}]/\partial {label}$ converges")
        self.ax.legend(loc="upper right", fontsize=9).set_zorder(LEGEND_ZORDER)
        self._set_ylim()
        # New tick labels may be wider: lay the figure out again on this (full) redraw; the base
        # class freezes the layout again afterwards.
        self.fig.set_layout_engine("constrained")

    def _set_ylim(self) -> None:
        """Limits that hold every band from N = 10 on and the exact value."""
        data, start = self.data, np.searchsorted(self.data["n_grid"], 10)
        lows = [np.nanmin(data["running"][n][start:] - 2 * data["running_se"][n][start:]) for n in self.estimators]
        highs = [np.nanmax(data["running"][n][start:] + 2 * data["running_se"][n][start:]) for n in self.estimators]
        low, high = min(lows + [data["exact"]]), max(highs + [data["exact"]])
        pad = 0.08 * (high - low) + 1e-9
        self.ax.set_ylim(low - pad, high + pad)

    # --- FigureApp -----------------------------------------------------------------------------
    def current(self) -> dict:
        """{estimator name: (estimate, standard error)} at the slider's N."""
        n = self.num_samples
        return {name: tuple(float(v) for v in _mean_and_se(self.data["sums"][name], self.data["squares"][name], n))
                for name in self.estimators}

    def update(self) -> None:
        if hasattr(self, "controls"):
            self._read_controls()
        n = self.num_samples
        rows = []
        for name, (estimate, se) in self.current().items():
            line, caps, (bars,) = self.markers[name]
            low, high = estimate - 2 * se, estimate + 2 * se
            line.set_data([n], [estimate])
            caps[0].set_data([n], [low])
            caps[1].set_data([n], [high])
            bars.set_segments([[[n, low], [n, high]]])
            rows.append(f"{ESTIMATOR_LABELS[name]}: {estimate:+.4f} ± {2 * se:.4f}")
        self.vline.set_xdata([n, n])
        name = self.dist.param_names[self.param]
        text = f"N = {n:,}: ∂/∂{name} estimate " + "; ".join(rows) + f" (exact {self.data['exact']:+.4f})"
        if self.error:
            text += f"<br><span style='color:{COLORS['pathwise']}'>{self.error}</span>"
        self.readout.value = text
