"""The one pattern every widget app follows: a figure drawn once, redrawn in place, shown as PNG."""

from __future__ import annotations

import io
import time

import ipywidgets as widgets


class FigureApp:
    """Base of the widget apps: owns a figure, an ``Image`` widget showing it, and the controls.

    A subclass builds its figure and artists in ``__init__``, then calls ``self._finish(controls)``;
    it implements ``update()``, which recomputes (cheaply) and sets artist data in place. Any
    control change calls :meth:`refresh`, which runs ``update`` and re-renders the PNG.
    ``last_update_seconds`` holds the time of the last refresh (compute + draw), for the benchmark.
    """

    fig = None

    def _finish(self, controls: list[widgets.Widget], message: widgets.Widget | None = None) -> None:
        self.controls = controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        self.message = message if message is not None else widgets.HTML("")
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
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()
        self.last_update_seconds = time.perf_counter() - start

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
