"""The FigureApp base (pgviz/widgets/base.py): a control change redraws the one figure in place.

Truths checked: setting a slider's value runs ``update`` and pushes a new PNG whose pixels show
the new data (decoded, not compared as bytes); the PNG has the figure's pixel size; the layout is
computed by constrained layout once and then kept (axes positions equal those of a fresh figure
laid out once); the refresh times are recorded.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

from pgviz.plots.style import new_figure
from pgviz.widgets.base import FigureApp


class LineApp(FigureApp):
    """y = a * x on fixed axes: the line's pixels move when ``a`` changes."""

    def __init__(self, freeze_layout: bool = True):
        self.freeze_layout = freeze_layout
        self.x = np.linspace(0.0, 1.0, 50)  # [N]
        self.fig, ax = new_figure(width=4.0, height=3.0)
        (self.line,) = ax.plot(self.x, self.x, color="black", linewidth=3)
        ax.set(xlim=(0, 1), ylim=(-1, 1), title="y = a x", xlabel="x", ylabel="y")
        self.slider = widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.5, description="a")
        self.calls = 0
        self._finish([self.slider])

    def update(self) -> None:
        self.calls += 1
        self.line.set_ydata(self.slider.value * self.x)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_slider_change_refreshes_the_png():
    app = LineApp()
    first = app.image.value
    assert app.calls == 2 and len(app.update_seconds) == 1  # update() also ran to find movers
    app.slider.value = -1.0
    assert app.calls == 3 and len(app.update_seconds) == 2
    assert app.last_update_seconds == app.update_seconds[-1] > 0
    assert len(app.update_cpu_seconds) == 2 and all(t >= 0 for t in app.update_cpu_seconds)
    before, after = _pixels(first), _pixels(app.image.value)
    assert before.shape == after.shape == (300, 400, 3)  # 4 x 3 inches at 100 dpi
    # The line went from rising to falling: the top-left corner of the axes turns dark.
    assert (before != after).any(axis=2).sum() > 200


def test_same_state_gives_the_same_pixels():
    app = LineApp()
    first = _pixels(app.image.value)
    app.slider.value = 0.5
    app.slider.value = 1.0
    np.testing.assert_array_equal(_pixels(app.image.value), first)


@pytest.mark.parametrize("freeze", [True, False])
def test_layout_is_constrained_layout_computed_once(freeze):
    app = LineApp(freeze_layout=freeze)
    reference = LineApp(freeze_layout=False)  # constrained layout on every draw
    app.slider.value = 0.0
    reference.slider.value = 0.0
    np.testing.assert_allclose(app.fig.axes[0].get_position().bounds, reference.fig.axes[0].get_position().bounds)
    engine = type(app.fig.get_layout_engine()).__name__
    assert engine == ("PlaceHolderLayoutEngine" if freeze else "ConstrainedLayoutEngine")


def test_widget_holds_controls_message_and_image():
    app = LineApp()
    hbox, message, image = app.widget.children
    assert hbox.children == (app.slider,) and message is app.message and image is app.image


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
        self.label = right.text(0.0, 0.8, "a = 1.0", ha="center")
        self.hline = right.axhline(0.5, color="gray")
        right.set(xlim=(-1, 1), ylim=(-1, 1), title="points", xlabel="x", ylabel="y")
        self.right = right
        self.a = widgets.FloatSlider(value=1.0, min=-1.0, max=1.0, step=0.25, description="a")
        self.zoom = widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.5, description="zoom")
        self.show = widgets.Checkbox(value=True, description="show")
        self._finish([self.a, self.zoom, self.show])

    def update(self) -> None:
        a = self.a.value
        self.line.set_ydata(a * self.x)
        self.points.set_offsets(np.c_[self.x[::6], a * self.x[::6] ** 2])
        self.label.set_text(f"a = {a:.2f}")
        self.right.set_ylim(-self.zoom.value, self.zoom.value)
        self.hline.set_visible(self.show.value)


def _count_draws(app, monkeypatch) -> list:
    calls = []
    original = app.fig.canvas.draw
    monkeypatch.setattr(app.fig.canvas, "draw", lambda *a, **k: (calls.append(1), original(*a, **k)))
    return calls


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
    app = RichApp()  # _finish finds the artists update() changes
    app.a.value = 0.25  # the line's box leaves the legend: the legend goes back to the background
    calls = _count_draws(app, monkeypatch)
    for value in (0.0, -0.25, 0.125, -0.125):
        app.a.value = value
    assert calls == []
    app.zoom.value = 2.0  # new axis limits: the background is drawn again
    assert calls == [1]
    app.show.value = False  # a visibility change too
    assert calls == [1, 1]
    app.show.value = True
    calls.clear()
    app.a.value = 1.0  # the line's box now overlaps the legend, which is drawn over it from now on
    assert calls == [1]
    app.a.value = 0.75
    assert calls == [1]


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


def test_turning_blitting_off_later_keeps_every_artist():
    app, reference = RichApp(blit=True), RichApp(blit=False)
    app.a.value = reference.a.value = 0.5
    app.blit = False
    app.a.value = reference.a.value = -0.5
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_encode_png_decodes_to_the_same_pixels():
    """encode_png writes a valid PNG (Pillow decodes it) holding exactly the given RGBA pixels."""
    from pgviz.widgets.base import encode_png

    rgba = np.random.default_rng(0).integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(rgba)))
    assert decoded.mode == "RGBA" and decoded.size == (53, 37)
    np.testing.assert_array_equal(np.asarray(decoded), rgba)
    for bad in (rgba[..., :3], rgba.astype(float), np.zeros((0, 4, 4), np.uint8)):
        with pytest.raises(ValueError, match="rgba"):
            encode_png(bad)
    for level in (-1, 10, 1.5, True):
        with pytest.raises(ValueError, match="compress_level"):
            encode_png(rgba, compress_level=level)


def test_a_static_change_with_new_moving_data_costs_one_full_draw(monkeypatch):
    """A change to something that cannot move (an axes background) together with a data artist
    changing for the first time: that one full draw also takes the new artist out of the
    background, so when it changes again the refresh is a blit (as a notebook's first theta move
    after displaying the figure)."""
    app, reference = RichApp(), RichApp(blit=False)
    calls = _count_draws(app, monkeypatch)
    for target in (app, reference):
        target.right.patch.set_facecolor("0.95")
        target.hline.set_ydata([0.25, 0.25])  # update() never moves it: not found by _finish
        target.a.value = 0.5
    assert calls == [1]
    for target in (app, reference):
        target.hline.set_ydata([-0.25, -0.25])
        target.a.value = 0.25
    assert calls == [1]
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))


def test_a_title_is_not_clipped_to_its_axes():
    """A text outside its axes without a clip box (a title) has its full extent: it is found
    to overlap a changing artist drawn over it, and the blitted picture equals a full draw."""
    app, reference = RichApp(), RichApp(blit=False)
    for target in (app, reference):
        target.label.set_position((0.0, 1.08))  # the moving label, up into the title
        target.a.value = 0.5
        target.a.value = -0.5
    np.testing.assert_array_equal(_pixels(app.image.value), _pixels(reference.image.value))
