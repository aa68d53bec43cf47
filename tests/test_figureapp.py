"""The FigureApp base (pgviz/widgets/base.py): a control change redraws the one figure in place.

Truths checked: setting a slider's value runs ``update`` and pushes a new PNG whose pixels show
the new data (decoded, not compared as bytes); the PNG has the figure's pixel size; the layout is
that of constrained layout run once (and once more when a subclass asks); the refresh times are
wall clock and CPU time; a blitted picture equals a full draw pixel for pixel, for toy apps and
over seeded walks of every widget app the notebooks build (01-04); moving only the artists
declared as moving draws no background, and moving only the last group draws only it; the
figure saved as a notebook's static cell shows it equals the widget's picture.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

import pgviz
from pgviz import rl
from pgviz.plots.style import new_figure
from pgviz.widgets.base import FigureApp, encode_png
from pgviz.widgets.estimators import ConvergenceApp
from pgviz.widgets.rl import GradientConvergenceApp


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _count_draws(app, monkeypatch) -> list:
    """Record every full canvas draw (the background) of the app."""
    calls = []
    original = app.fig.canvas.draw
    monkeypatch.setattr(app.fig.canvas, "draw", lambda *a, **k: (calls.append(1), original(*a, **k)))
    return calls


class LineApp(FigureApp):
    """y = a * x on fixed axes: the line's pixels move when ``a`` changes."""

    def __init__(self, title: str = "y = a x", sleep: float = 0.0, spin: float = 0.0):
        self.x = np.linspace(0.0, 1.0, 50)  # [N]
        self.sleep, self.spin = sleep, spin  # seconds of waiting / of CPU work in update()
        self.fig, self.ax = new_figure(width=4.0, height=3.0)
        (self.line,) = self.ax.plot(self.x, self.x, color="black", linewidth=3)
        self.ax.set(xlim=(0, 1), ylim=(-1, 1), title=title, xlabel="x", ylabel="y")
        self.slider = widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.5, description="a")
        self.calls = 0
        super().__init__(self.fig, [self.slider], moving=[[self.line]])

    def update(self) -> None:
        self.calls += 1
        time.sleep(self.sleep)
        start = time.thread_time()
        while time.thread_time() - start < self.spin:
            pass
        self.line.set_ydata(self.slider.value * self.x)


def test_slider_change_refreshes_the_png():
    app = LineApp()
    first = app.image.value
    assert app.calls == 1 and len(app.update_seconds) == len(app.update_cpu_seconds) == 1
    app.slider.value = -1.0
    assert app.calls == 2 and len(app.update_seconds) == len(app.update_cpu_seconds) == 2
    assert app.last_update_seconds == app.update_seconds[-1] > 0
    before, after = _pixels(first), _pixels(app.image.value)
    assert before.shape == after.shape == (300, 400, 3)  # 4 x 3 inches at 100 dpi
    # The line went from rising to falling: the top-left corner of the axes turns dark.
    assert (before != after).any(axis=2).sum() > 200


def test_refresh_times_are_wall_clock_and_cpu_time():
    """update() waits 50 ms, then works 30 ms of CPU: the wall clock holds both, the CPU time
    the work but not the wait."""
    app = LineApp(sleep=0.05, spin=0.03)
    app.slider.value = 0.5
    wall, cpu = app.update_seconds[-1], app.update_cpu_seconds[-1]
    assert wall >= 0.08
    assert 0.03 <= cpu <= wall - 0.05 + 1e-3


def test_same_state_gives_the_same_pixels():
    app = LineApp()
    first = _pixels(app.image.value)
    app.slider.value = 0.5
    app.slider.value = 1.0
    np.testing.assert_array_equal(_pixels(app.image.value), first)


def test_nothing_changed_gives_the_last_png_without_drawing(monkeypatch):
    app = LineApp()
    app.slider.value = 0.5
    calls = _count_draws(app, monkeypatch)
    png = app.png_bytes()
    assert png == bytes(app.image.value) and app.png_bytes() is png and calls == []  # not encoded again


def test_layout_is_constrained_layout_computed_once():
    """The axes keep the position constrained layout gives the same figure drawn once by
    matplotlib; a subclass that sets the layout engine again (after a taller title) gets the
    layout a fresh app with that title has."""
    app = LineApp()
    app.slider.value = 0.0
    fig, ax = new_figure(width=4.0, height=3.0)
    ax.plot(np.linspace(0, 1, 50), np.zeros(50), linewidth=3)
    ax.set(xlim=(0, 1), ylim=(-1, 1), title="y = a x", xlabel="x", ylabel="y")
    fig.canvas.draw()
    np.testing.assert_allclose(app.ax.get_position().bounds, ax.get_position().bounds)
    assert type(app.fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    tall = "a title\nof two lines"
    app.ax.set_title(tall)
    app.fig.set_layout_engine("constrained")
    app.slider.value = 0.5
    reference = LineApp(title=tall)
    reference.slider.value = 0.5
    np.testing.assert_allclose(app.ax.get_position().bounds, reference.ax.get_position().bounds)
    assert app.ax.get_position().height < ax.get_position().height  # room made for the title
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_widget_holds_controls_message_and_image():
    app = LineApp()
    hbox, message, image = app.widget.children
    assert hbox.children == (app.slider,) and message is app.message and image is app.image


def test_moving_artists_must_belong_to_the_figure():
    fig, _ = new_figure()
    _, other_ax = new_figure()
    (stray,) = other_ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="moving"):
        FigureApp(fig, [], moving=[[stray]])


class RichApp(FigureApp):
    """Two axes: a moving line under a legend, a moving scatter and text, a zoom, a toggle."""

    def __init__(self, blit: bool = True):
        self.blit = blit
        self.x = np.linspace(-1.0, 1.0, 60)  # [N]
        self.fig, (left, right) = new_figure(2, width=6.0, height=3.0)
        (self.line,) = left.plot(self.x, self.x, label="a x", linewidth=2)
        left.plot(self.x, 0 * self.x, label="zero")
        left.legend(loc="upper left")
        left.set(xlim=(-1, 1), ylim=(-1, 1), title="line", xlabel="x", ylabel="y")
        self.points = right.scatter(self.x[::6], self.x[::6] ** 2, s=30)
        self.label = right.text(0.0, 0.8, "a = 1.0", ha="center")  # not clipped: may go anywhere
        self.hline = right.axhline(0.5, color="gray")
        right.set(xlim=(-1, 1), ylim=(-1, 1), title="points", xlabel="x", ylabel="y")
        self.right = right
        self.a = widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.25, description="a")
        self.zoom = widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.5, description="zoom")
        self.show = widgets.Checkbox(value=True, description="show")
        super().__init__(self.fig, [self.a, self.zoom, self.show], moving=[[self.line, self.points, self.label]])

    def update(self) -> None:
        a = self.a.value
        self.line.set_ydata(a * self.x)
        self.points.set_offsets(np.c_[self.x[::6], a * self.x[::6] ** 2])
        self.label.set_text(f"a = {a:.2f}")
        self.right.set_ylim(-self.zoom.value, self.zoom.value)  # the same limits mostly
        self.hline.set_visible(self.show.value)


@pytest.mark.parametrize(
    "state",
    [
        {"a": -0.5},
        {"a": 0.25, "zoom": 2.0},
        {"a": 0.75, "show": False},
        {"show": False, "zoom": 0.5},
    ],
)
def test_blitted_picture_equals_a_full_draw(state):
    blitted, reference = RichApp(blit=True), RichApp(blit=False)
    for value in (0.5, -1.0, 0.0):  # move a around first, so the blit path is in use
        blitted.a.value = value
    for app in (blitted, reference):
        for name, value in state.items():
            getattr(app, name).value = value
        app.a.value = 0.25  # a last change that only moves artists
    np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))


def test_moving_only_data_skips_the_full_draw(monkeypatch):
    app = RichApp()
    calls = _count_draws(app, monkeypatch)
    for value in (0.25, 0.0, -0.25, 1.0, -1.0):  # the line passes under the legend too
        app.a.value = value
    assert calls == []
    app.zoom.value = 2.0  # new axis limits: the background is drawn again
    assert calls == [1]
    app.show.value = False  # a visibility change too
    assert calls == [1, 1]
    app.a.value = 0.5
    assert calls == [1, 1]


def test_static_artists_are_drawn_over_the_moving_ones_only_where_they_meet():
    """Left: the zero line and the legend (inside the axes, drawn after the line) and the spines
    are drawn again; its title is not. Right: the label is not clipped, so everything drawn after
    it is drawn again."""
    app = RichApp()
    left, right = app.fig.axes
    static = [a for a in app._over if a not in (app.line, app.points, app.label)]
    assert left.lines[1] in static and left.get_legend() in static
    assert left.spines["left"] in static and left.title not in static
    assert app.hline in static and right.title in static


def test_removed_artist_disappears():
    app = RichApp()
    app.a.value = 0.5
    app.a.value = 0.0
    app.line.remove()
    app.a.value = 0.25
    reference = RichApp(blit=False)
    reference.line.remove()
    reference.a.value = 0.25
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_random_walk_of_controls_matches_full_draws():
    """30 seeded random control changes: after each, the blitted picture equals a full draw."""
    rng = np.random.default_rng(5)
    blitted, reference = RichApp(blit=True), RichApp(blit=False)
    for _ in range(30):
        name = rng.choice(["a", "a", "a", "zoom", "show"])
        value = {
            "a": float(rng.choice(np.arange(-1.0, 1.01, 0.25))),
            "zoom": float(rng.choice([0.5, 1.0, 1.5, 2.0])),
            "show": bool(rng.integers(2)),
        }[name]
        for app in (blitted, reference):
            getattr(app, name).value = value
        np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))


def test_turning_blitting_off_and_on_later_keeps_every_artist():
    app, reference = RichApp(blit=True), RichApp(blit=False)
    app.a.value = reference.a.value = 0.5
    app.blit = False
    app.a.value = reference.a.value = -0.5
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))
    app.blit = True
    app.a.value = reference.a.value = 0.75
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_a_static_change_costs_one_full_draw(monkeypatch):
    """A change to an artist not declared moving (an axes background, a line update() never
    moves) redraws the whole figure once; the next data move is a blit again."""
    app, reference = RichApp(), RichApp(blit=False)
    calls = _count_draws(app, monkeypatch)
    for target in (app, reference):
        target.right.patch.set_facecolor("0.95")
        target.hline.set_ydata([0.25, 0.25])
        target.a.value = 0.5
    assert calls == [1]
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))
    for target in (app, reference):
        target.a.value = 0.25
    assert calls == [1]
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_a_title_is_not_clipped_to_its_axes():
    """A text outside its axes without a clip box (a title) is drawn again over an unclipped
    moving text that reaches it: the blitted picture equals a full draw."""
    app, reference = RichApp(), RichApp(blit=False)
    for target in (app, reference):
        target.label.set_position((0.0, 1.08))  # the moving label, up into the title
        target.a.value = 0.5
        target.a.value = -0.5
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_encode_png_decodes_to_the_same_pixels():
    """encode_png writes a valid PNG (Pillow decodes it) holding exactly the given RGBA pixels."""
    rgba = np.random.default_rng(0).integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(rgba)))
    assert decoded.mode == "RGBA" and decoded.size == (53, 37)
    np.testing.assert_array_equal(np.asarray(decoded), rgba)
    for bad in (rgba[..., :3], rgba.astype(float), np.zeros((0, 4, 4), np.uint8)):
        with pytest.raises(ValueError, match="rgba"):
            encode_png(bad)
    for level, error in ((-1, ValueError), (10, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="compress_level"):
            encode_png(rgba, compress_level=level)


# --- the notebooks' apps ---------------------------------------------------------------------------
# Each builds an app as its notebook does (fewer samples, for speed) twice: blitted and drawing
# everything on every refresh. After each step of a seeded walk over its controls the two
# pictures are equal.

GAUSSIAN = pgviz.Gaussian(1.0, 1.0)
NOTEBOOK_APPS = {
    "01": dict(f=pgviz.x**2, dist=pgviz.Gaussian(1.0, 0.5), seed=1, controls=("num_samples",)),
    "02": dict(f="(x - 2)**2", dist=GAUSSIAN, seed=2, controls=("num_samples", "theta", "param", "cost")),
    "02 step": dict(
        f="step(x - 2)",
        dist=GAUSSIAN,
        seed=2,
        num_samples=1000,
        estimators=("score_function", "pathwise"),
        controls=("num_samples", "param"),
    ),
    "03": dict(
        f="exp(-(x - 2)**2)",
        dist=GAUSSIAN,
        seed=3,
        estimators=("score_function", "score_function_baseline", "pathwise"),
        controls=("num_samples", "theta", "param", "cost"),
    ),
}


def _convergence_app(config: dict, blit: bool) -> ConvergenceApp:
    config = dict(config)
    app_class = ConvergenceApp if blit else type("FullDraws", (ConvergenceApp,), {"blit": False})
    dist, seed = config.pop("dist"), config.pop("seed")
    return app_class(config.pop("f"), dist, np.random.default_rng(seed), max_samples=20_000, **config)


def _walk_step(app, control: str, rng_value: float) -> None:
    """One control change, the same for both apps: rng_value in [0, 1) picks the new value."""
    if control == "N":
        app.slider.value = 10 ** (rng_value * np.log10(app.max_samples))
    elif control == "param":
        app.param_menu.value = 1 - app.param_menu.value
    elif control == "cost":
        app.cost_text.value = ["(x - 1)**2", "exp(-(x - 2)**2)", "step(x)", "log(x)"][int(4 * rng_value)]
    else:  # a theta slider: mostly one step (the y limits stay), sometimes a jump
        slider = app.theta_sliders[0 if control == "mu" else 1]
        step = slider.step if rng_value < 0.8 else 20 * slider.step
        slider.value = round(min(slider.value + step, slider.max), 2)


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_APPS))
def test_notebook_convergence_app_blits_equal_full_draws(notebook):
    config = NOTEBOOK_APPS[notebook]
    blitted, reference = _convergence_app(config, True), _convergence_app(config, False)
    np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))
    controls = ["N", "N", "N"]
    controls += ["mu", "mu", "sigma"] if "theta" in config["controls"] else []
    controls += ["param"] if "param" in config["controls"] else []
    controls += ["cost"] if "cost" in config["controls"] else []
    rng = np.random.default_rng(int(notebook[:2]))
    for _ in range(16):
        control, value = str(rng.choice(controls)), float(rng.uniform())
        for app in (blitted, reference):
            _walk_step(app, control, value)
        np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))


def test_notebook_04_gradient_app_blits_equal_full_draws():
    mdp, features, theta = rl.tiny_mdp(gamma=0.9), rl.tiny_features(), np.array([0.5, -0.5, 0.2])
    blitted = GradientConvergenceApp(mdp, theta, features, np.random.default_rng(2), max_m=2000, m=10)
    full_draws = type("FullDraws", (GradientConvergenceApp,), {"blit": False})
    reference = full_draws(mdp, theta, features, np.random.default_rng(2), max_m=2000, m=10)
    rng = np.random.default_rng(4)
    for m in [*rng.integers(1, 2001, size=10), 2000, 1]:  # the ends too: markers on the spines
        blitted.slider.value = reference.slider.value = int(m)
        np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))


def test_notebook_apps_draw_only_their_spines_over_the_data():
    """The one kind of static artist a notebook app draws over its moving ones: the axes' two
    visible spines, which the curves and markers touch. Titles, tick labels and the legends
    (below the axes) stay in the cached background."""
    apps = [
        _convergence_app(NOTEBOOK_APPS["03"], True),
        GradientConvergenceApp(rl.tiny_mdp(), np.zeros(3), rl.tiny_features(), np.random.default_rng(0), max_m=50),
    ]
    for app in apps:
        moving = {id(artist) for group in app.moving for artist in group}
        static = [artist for artist in app._over if id(artist) not in moving]
        assert static == [app.ax.spines["left"], app.ax.spines["bottom"]]


def test_moving_n_redraws_only_the_markers(monkeypatch):
    """ConvergenceApp's moving groups: curves, then markers. After a theta step the N slider
    draws no band again (its cached picture holds them); a theta step draws each band once."""
    app = _convergence_app(NOTEBOOK_APPS["02"], True)
    draws = []
    for band in app.bands.values():
        original = band.draw
        monkeypatch.setattr(band, "draw", lambda renderer, original=original: (draws.append(1), original(renderer)))
    app.theta_sliders[0].value += app.theta_sliders[0].step
    assert draws == [1]
    for n in (30, 3000, 20_000):
        app.slider.value = n
    assert draws == [1]


def test_the_saved_figure_equals_the_widget_picture():
    """The static figure a notebook shows before the widget (``app.fig``, saved as PNG) has every
    artist, the animated ones too, and equals the widget's picture; the widget keeps equal to a
    full draw after the figure was saved."""
    blitted = _convergence_app(NOTEBOOK_APPS["01"], True)
    reference = _convergence_app(NOTEBOOK_APPS["01"], False)
    for app in (blitted, reference):
        app.slider.value = 3000
    saved = io.BytesIO()
    blitted.fig.savefig(saved, format="png")
    np.testing.assert_array_equal(_pixels(saved.getvalue()), _pixels(blitted.image.value))
    for app in (blitted, reference):
        app.slider.value = 30
    np.testing.assert_array_equal(_pixels(blitted.image.value), _pixels(reference.image.value))
