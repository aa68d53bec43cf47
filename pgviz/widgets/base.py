"""The one pattern every widget app follows: a figure drawn once, redrawn in place, shown as PNG."""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from PIL import Image

# zlib level for the PNG sent to the browser. Level 1 encodes a 640x360 figure about 2.5x faster
# than matplotlib's default (6) for ~15% more bytes, which a local or Binder websocket carries in
# well under a millisecond.
PNG_COMPRESS_LEVEL = 1


class FigureApp:
    """Base of the widget apps: owns a figure, an ``Image`` widget showing it, and the controls.

    A subclass builds its figure and artists in ``__init__``, then calls ``self._finish(controls)``;
    it implements ``update()``, which recomputes (cheaply) and sets artist data in place. Any
    control change calls :meth:`refresh`, which runs ``update`` and re-renders the PNG.
    ``last_update_seconds`` holds the time of the last refresh (compute + draw + PNG encoding), and
    ``update_seconds`` every refresh's time, oldest first (the first is the initial draw), for the
    benchmarks and the browser test.

    Speed (the slider-to-figure budget is 25 ms in Python): the figure's layout engine
    (constrained layout) runs on the first draw only and the axes positions are then kept
    (``freeze_layout``; set it to ``False`` in a subclass whose tick labels or titles change width
    a lot), the Agg canvas is drawn once per refresh and its pixels are PNG-encoded directly
    (``savefig`` would draw again and compress harder).
    """

    fig = None
    freeze_layout = True

    def _finish(self, controls: list[widgets.Widget], message: widgets.Widget | None = None) -> None:
        self.controls = controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        self.message = message if message is not None else widgets.HTML("")
        self.update_seconds: list[float] = []
        for control in controls:
            control.observe(lambda change: self.refresh(), names="value")
        self.refresh()
        self.widget = widgets.VBox([widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap")),
                                    self.message, self.image])

    def update(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> None:
        """Recompute, redraw the figure in place and push the new PNG to the browser."""
        start = time.perf_counter()
        self.update()
        self.image.value = self.png_bytes()
        self.last_update_seconds = time.perf_counter() - start
        if not hasattr(self, "update_seconds"):
            self.update_seconds = []
        self.update_seconds.append(self.last_update_seconds)

    def png_bytes(self) -> bytes:
        """Draw the figure once on its Agg canvas and return it PNG-encoded."""
        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        canvas.draw()  # the first draw runs the layout engine
        engine = self.fig.get_layout_engine()
        if self.freeze_layout and engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
            # Keep the positions just computed; "none" leaves a placeholder engine that does nothing.
            self.fig.set_layout_engine("none")
        width, height = canvas.get_width_height(physical=True)
        pixels = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        pixels.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
