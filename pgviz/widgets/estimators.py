"""Widget apps for notebooks 01-03: a Monte Carlo gradient estimate converging on the exact gradient."""

from __future__ import annotations

import asyncio

import ipywidgets as widgets
import numpy as np
import sympy as sp

from pgviz.convergence import convergence_data, draw_noise, running_at
from pgviz.costs import COSTS, check_cost, cost, cost_latex, cost_text
from pgviz.distributions import Distribution, check_distribution
from pgviz.estimators import ESTIMATORS
from pgviz.parser import parse_cost
from pgviz.plots.estimators import plot_convergence
from pgviz.plots.style import COLORS
from pgviz.validation import check_count, check_real_array, check_rng
from pgviz.widgets.base import FigureApp

__all__ = ["ConvergenceApp", "APP_CONTROLS"]

APP_CONTROLS = ("num_samples", "theta", "param", "cost")
# Slider ranges for the parameters of the catalog's distributions (others: value -/+ 3).
PARAM_RANGES = {"mu": (-3.0, 3.0), "sigma": (0.2, 3.0), "rate": (0.2, 5.0), "logit": (-4.0, 4.0)}
# y limits: they stay while the bands (from N = 10 on) and the exact value, padded by YLIM_PAD of
# their range, fit and fill YLIM_MIN_FILL of them, so small theta moves redraw only the curves
# against a fixed scale; new limits get YLIM_PAD_NEW, so that the next small move fits too.
YLIM_PAD, YLIM_PAD_NEW, YLIM_MIN_FILL = 0.04, 0.15, 0.5


class ConvergenceApp(FigureApp):
    """Slide N (10 ... 10^6, log scale): the running Monte Carlo gradient estimate ± 2 SE lands on
    the exact gradient (notebooks 01 and 02; notebook 03 with the pathwise estimator).

    ``f``: a SymPy expression in x or text (parsed by :func:`pgviz.parse_cost`); ``dist``: a
    :class:`pgviz.Distribution`; ``rng``: draws the one seed all samples come from (so changing N
    never resamples, and every estimator sees the same samples). ``controls``: any of
    "num_samples" (the N slider), "theta" (one slider per parameter), "param" (which gradient
    component is shown), "cost" (a menu of the catalog and a text box for f). ``estimators``:
    any of "score_function", "score_function_baseline" (optimal constant baseline), "pathwise".
    The 10^6 per-sample terms are computed once per (theta, f, component), on noise drawn once
    (moving theta moves the samples x = g(eps; theta), it does not draw new ones); moving N only
    looks up sums; the y limits stay for small theta moves (YLIM_MIN_FILL). Moving artists (see
    :class:`pgviz.widgets.base.FigureApp`): the curves, then the markers at N.
    """

    def __init__(
        self,
        f,
        dist: Distribution,
        rng: np.random.Generator,
        num_samples: int = 100,
        max_samples: int = 10**6,
        param: int = 0,
        estimators=("score_function",),
        controls=("num_samples",),
    ):
        dist, rng = check_distribution(dist), check_rng(rng)
        controls = (controls,) if isinstance(controls, str) else tuple(controls)
        unknown = [c for c in controls if c not in APP_CONTROLS]
        if unknown:
            raise ValueError(f"controls must be a subset of {APP_CONTROLS}, got {unknown}")
        estimators = (estimators,) if isinstance(estimators, str) else tuple(estimators)
        if "pathwise" in estimators and dist.reparameterization is None:
            raise TypeError(f"dist {type(dist).__name__} has no reparameterization: drop 'pathwise' from estimators")
        max_samples = check_count(max_samples, "max_samples", 10)
        num_samples = check_count(num_samples, "num_samples", 1, max_samples)
        if isinstance(f, str):
            f_text, f = f, parse_cost(f)
        else:
            f = check_cost(f, allow_callable=False)  # finite and real, in x only
            f_text = cost_text(f)
        self.f, self.dist, self.max_samples, self.estimators = f, dist, max_samples, estimators
        self._parsed_text, self._parsed = f_text, f
        self._last_num_samples = num_samples
        self._precomputed = None  # (key, data) of the next theta step, see precompute_theta
        self.seed = int(rng.integers(2**62))
        self.param = param
        self.noise = draw_noise(dist, self.seed, self.max_samples)  # [M] or None: the draws every theta shares
        self.data = self._data_at(f, dist, param)
        self._key = (str(f), tuple(dist.param_vector), param)

        numbers = [self.data[key] for key in ("n_grid", "running", "running_se", "exact")]
        labels = dict(param_label=sp.latex(dist.param_symbols[param]), cost_label=cost_latex(f))
        self.fig, self.ax = plot_convergence(*numbers, **labels)
        self.lines = {name: line for name, line in zip(estimators, self.ax.lines)}
        self.bands = {name: band for name, band in zip(estimators, self.ax.collections)}
        self.exact_line, self.exact_text = self.ax.lines[len(estimators)], self.ax.texts[0]
        style = dict(fmt="o", ms=7, capsize=4, mec=COLORS["marker_edge"], zorder=3)
        self.markers = {
            name: self.ax.errorbar([num_samples], [0.0], yerr=[0.0], color=COLORS[name], **style) for name in estimators
        }
        self.vline = self.ax.axvline(num_samples, color=COLORS["highlight"], lw=1, zorder=3)
        self._tick_label_width = 0  # the widest y tick label the layout was made for
        self._set_ylim(keep=False)

        self.slider = widgets.FloatLogSlider(
            value=num_samples,
            base=10,
            min=0,
            max=np.log10(self.max_samples),
            step=0.02,
            description="N",
            readout_format=",.0f",
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        )
        self.theta_sliders = []
        for name, value in zip(dist.param_names, dist.param_vector):
            low, high = PARAM_RANGES.get(name, (value - 3.0, value + 3.0))
            low, high = min(low, value), max(high, value)
            self.theta_sliders.append(
                widgets.FloatSlider(value=value, min=low, max=high, step=0.05, description=name, continuous_update=True)
            )
        self.param_menu = widgets.Dropdown(
            options=[(f"∂/∂{n}", p) for p, n in enumerate(dist.param_names)],
            value=param,
            description="gradient",
            layout=widgets.Layout(width="180px"),
        )
        presets = [
            (label if name == "linear" else f"{label}, k = {default:g}", cost_text(cost(name, default)))
            for name, (_, default, label) in COSTS.items()
        ]
        self.cost_menu = widgets.Dropdown(
            options=[("(typed)", "")] + presets, value="", description="f menu", layout=widgets.Layout(width="240px")
        )
        self.cost_text = widgets.Text(
            value=f_text, description="f(x) =", continuous_update=False, layout=widgets.Layout(width="260px")
        )
        if "cost" in controls:
            self.cost_menu.observe(self._preset, names="value")
        self.readout = widgets.HTML("")
        self.error = ""
        curves = [*self.bands.values(), *self.lines.values(), self.exact_line, self.exact_text]
        markers = [artist for container in self.markers.values() for artist in container.get_children()]
        groups = [[self.slider], self.theta_sliders, [self.param_menu], [self.cost_menu, self.cost_text]]
        controls = [w for name, group in zip(APP_CONTROLS, groups) if name in controls for w in group]
        super().__init__(self.fig, controls, moving=[curves, markers + [self.vline]], message=self.readout)

    # --- state ---------------------------------------------------------------------------------
    @property
    def num_samples(self) -> int:
        """The N the slider points at (rounded to an integer); the last good N while the slider
        holds something that is not a finite number (set from code: the app says so)."""
        value = self.slider.value
        if np.isfinite(value):
            self._last_num_samples = int(min(max(round(value), 1), self.max_samples))
        return self._last_num_samples

    def _data_at(self, f, dist: Distribution, param: int) -> dict:
        """The figure's numbers (:func:`pgviz.convergence.convergence_data`) on the app's samples."""
        return convergence_data(f, dist, self.seed, param, self.max_samples, self.estimators, self.noise)

    def _preset(self, change) -> None:
        if change["new"]:
            self.cost_text.value = change["new"]

    def _read_controls(self) -> None:
        """Take f, theta and the component from the controls; a bad f leaves the old state."""
        self.error = "" if np.isfinite(self.slider.value) else f"N not changed: {self.slider.value} is not a number"
        text = self.cost_text.value
        if text != self._parsed_text:  # parse once per entry, not on every slider move
            try:
                self._parsed = parse_cost(text)
            except ValueError as error:
                self._parsed = error
            self._parsed_text = text
        if isinstance(self._parsed, ValueError):
            self.error, f = f"f not changed: {self._parsed}", self.f
        else:
            f = self._parsed
        # The sliders' values to 10 decimals (a slider step can leave 1.1000000000000005), so a
        # value reached by the slider and the same value precomputed give the same numbers.
        theta = [round(s.value, 10) for s in self.theta_sliders]
        try:
            dist = self.dist.with_params(theta)
        except (TypeError, ValueError) as error:
            self.error, dist = f"theta not changed: {error}", self.dist
        param = self.param_menu.value
        key = (str(f), tuple(dist.param_vector), param)
        if key == self._key:
            return
        if self._precomputed is not None and self._precomputed[0] == key:
            data = self._precomputed[1]
        else:
            try:
                data = self._data_at(f, dist, param)
            except (TypeError, ValueError) as error:
                self.error = f"not updated: {error}"
                return
        relabel = (str(f), param) != (str(self.f), self.param)
        previous = self.dist.param_vector
        self.f, self.dist, self.param, self.data, self._key = f, dist, param, data, key
        self._redraw_curves(relabel)
        if relabel:
            self._precomputed = None  # made for the old f or component
        else:
            self._schedule_next_step(previous, dist.param_vector)

    # --- the next theta step, computed while the reader looks -------------------------------
    def precompute_theta(self, theta) -> None:
        """Compute, and keep, the figure's data at ``theta`` ([P] real numbers, the sliders'
        order) for the current f and component, so that moving the sliders there needs no
        computation. One such set is kept. TypeError/ValueError for a theta that is not P numbers
        in the distribution's domain; a theta where f is not finite at some sample is skipped
        (moving there shows the message)."""
        if isinstance(theta, (str, bytes)) or np.ndim(theta) != 1:
            raise TypeError(f"theta must be a sequence of {self.dist.num_params} real numbers, got {theta!r}")
        theta = [round(float(v), 10) for v in check_real_array(theta, "theta")]  # as _read_controls rounds
        dist = self.dist.with_params(theta)  # raises for a wrong length or a value outside the domain
        key = (str(self.f), tuple(dist.param_vector), self.param)
        if key == self._key or (self._precomputed is not None and self._precomputed[0] == key):
            return
        try:
            data = self._data_at(self.f, dist, self.param)
        except (TypeError, ValueError):
            return
        self._precomputed = (key, data)

    def _schedule_next_step(self, previous: np.ndarray, theta: np.ndarray) -> None:
        """After a move of one slider by one step (an arrow key, a slow drag), compute the next
        step in the same direction once the kernel is idle (asyncio's running loop: in a Jupyter
        kernel; elsewhere nothing runs between updates, so nothing is scheduled)."""
        moved = np.flatnonzero(previous != theta)
        if moved.size != 1:
            return
        slider, index = self.theta_sliders[moved[0]], moved[0]
        step = theta[index] - previous[index]
        following = round(theta[index] + step, 10)
        if abs(abs(step) - slider.step) > 1e-9 or not slider.min <= following <= slider.max:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        target = theta.copy()
        target[index] = following
        loop.call_soon(self.precompute_theta, target)

    def _redraw_curves(self, relabel: bool) -> None:
        """Curves, bands and exact value in place; axis labels and title when f or the component
        changed (``relabel``)."""
        data = self.data
        for name in self.estimators:
            running, se = data["running"][name], data["running_se"][name]
            self.lines[name].set_ydata(running)
            self.bands[name].set_data(data["n_grid"], running - 2 * se, running + 2 * se)
        self.exact_line.set_ydata([data["exact"], data["exact"]])
        self.exact_text.set_y(data["exact"])
        self.exact_text.set_text(f"exact {data['exact']:+.4f} ")
        if relabel:
            label = sp.latex(self.dist.param_symbols[self.param])
            self.ax.set_ylabel(rf"estimate of $\partial\,\mathbb{{E}}[f]/\partial {label}$")
            self.ax.set_title(
                rf"Monte Carlo estimate of $\partial\,\mathbb{{E}}[{cost_latex(self.f)}]/\partial {label}$ converges"
            )
            self.fig.set_layout_engine("constrained")  # new text sizes: lay out again on this draw
        self._set_ylim(keep=not relabel)

    def _set_ylim(self, keep: bool = True) -> None:
        """Limits that hold every band from N = 10 on and the exact value; with ``keep``, the
        current ones while those fit and fill at least YLIM_MIN_FILL of them (see YLIM_PAD)."""
        data, start = self.data, np.searchsorted(self.data["n_grid"], 10)
        lows = [np.nanmin(data["running"][n][start:] - 2 * data["running_se"][n][start:]) for n in self.estimators]
        highs = [np.nanmax(data["running"][n][start:] + 2 * data["running_se"][n][start:]) for n in self.estimators]
        low, high = min(lows + [data["exact"]]), max(highs + [data["exact"]])
        span = high - low + 1e-9
        current_low, current_high = self.ax.get_ylim()
        fits = current_low <= low - YLIM_PAD * span and high + YLIM_PAD * span <= current_high
        fills = (1 + 2 * YLIM_PAD) * span >= YLIM_MIN_FILL * (current_high - current_low)
        if keep and fits and fills:
            return
        self.ax.set_ylim(low - YLIM_PAD_NEW * span, high + YLIM_PAD_NEW * span)
        # Tick labels wider than those the layout was made for: lay the figure out again.
        axis = self.ax.yaxis
        width = max(len(t) for t in axis.major.formatter.format_ticks(axis.major.locator()))
        if width > self._tick_label_width:
            self._tick_label_width = width
            self.fig.set_layout_engine("constrained")

    # --- FigureApp -----------------------------------------------------------------------------
    def current(self) -> dict:
        """{estimator name: (estimate, standard error)} at the slider's N."""
        n = self.num_samples
        return {name: running_at(self.data, name, n) for name in self.estimators}

    def update(self) -> None:
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
            spread = f"± {2 * se:.4f}" if np.isfinite(se) else "(no SE from one sample)"
            rows.append(f"{ESTIMATORS[name].label}: {estimate:+.4f} {spread}")
        self.vline.set_xdata([n, n])
        name = self.dist.param_names[self.param]
        text = f"N = {n:,}: ∂/∂{name} estimate " + "; ".join(rows) + f" (exact {self.data['exact']:+.4f})"
        if self.error:
            text += f"<br><span style='color:{COLORS['warning']}'>{self.error}</span>"
        self.readout.value = text
