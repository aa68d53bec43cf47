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
    assert app.calls == 1 and len(app.update_seconds) == 1
    app.slider.value = -1.0
    assert app.calls == 2 and len(app.update_seconds) == 2
    assert app.last_update_seconds == app.update_seconds[-1] > 0
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
    np.testing.assert_allclose(app.fig.axes[0].get_position().bounds,
                               reference.fig.axes[0].get_position().bounds)
    engine = type(app.fig.get_layout_engine()).__name__
    assert engine == ("PlaceHolderLayoutEngine" if freeze else "ConstrainedLayoutEngine")


def test_widget_holds_controls_message_and_image():
    app = LineApp()
    hbox, message, image = app.widget.children
    assert hbox.children == (app.slider,) and message is app.message and image is app.image
