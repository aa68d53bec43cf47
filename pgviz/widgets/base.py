"""The one pattern every widget app follows: a figure drawn once, redrawn in place, shown as PNG."""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.legend import Legend
from matplotlib.spines import Spine
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
    benchmarks and the browser test; ``update_cpu_seconds`` the same refreshes' CPU time of the
    calling thread (what the work costs, whatever else the machine is doing).

    Speed (the budget is 25 ms per refresh in Python), with no work asked of the subclass:

    - The layout engine (constrained layout) runs on the first draw only; the axes positions are
      then kept (``freeze_layout = False`` in a subclass recomputes it on every draw).
    - Blitting: the artists that ``update()`` changes are found from matplotlib's own ``stale``
      flags. From the second change on they are drawn over a cached picture of everything else
      (axes, ticks, labels, legend), which is what most of the drawing time goes to. Whenever
      something else changes - axis limits or scales, an artist added or removed, a legend, a
      spine, a figure-level text - the whole figure is drawn again. Everything drawn above a
      changing artist (by zorder, e.g. a legend) is drawn again over it, so the picture is the
      one a full draw would give (tests/test_figureapp.py compares pixels). ``blit = False`` in a
      subclass turns this off. ``_finish`` puts grid lines and ticks
      below all data (``ax.set_axisbelow(True)``), so the axis is never redrawn on a blit.
    - One Agg draw per refresh, its pixels PNG-encoded directly at a fast compression level
      (``savefig`` would draw again and compress harder).
    """

    fig = None
    freeze_layout = True
    blit = True

    def _finish(self, controls: list[widgets.Widget], message: widgets.Widget | None = None) -> None:
        self.controls = controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        self.message = message if message is not None else widgets.HTML("")
        self.update_seconds: list[float] = []
        self.update_cpu_seconds: list[float] = []
        for ax in self.fig.axes:
            # Grid and ticks under every data artist (scatter, bars and fills too), so that a
            # changing artist never has the axis drawn over it: blitting then skips the axis.
            ax.set_axisbelow(True)
        for control in controls:
            control.observe(lambda change: self.refresh(), names="value")
        self.refresh()
        self.widget = widgets.VBox([widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap")),
                                    self.message, self.image])

    def update(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> None:
        """Recompute, redraw the figure in place and push the new PNG to the browser."""
        start, start_cpu = time.perf_counter(), time.thread_time()
        self.update()
        self.image.value = self.png_bytes()
        self.last_update_seconds = time.perf_counter() - start
        if not hasattr(self, "update_seconds"):
            self.update_seconds, self.update_cpu_seconds = [], []
        self.update_seconds.append(self.last_update_seconds)
        self.update_cpu_seconds.append(time.thread_time() - start_cpu)

    # --- drawing ---------------------------------------------------------------------------------

    def png_bytes(self) -> bytes:
        """Draw what changed since the last call and return the whole figure PNG-encoded."""
        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        if not (self.blit and self.freeze_layout and self._blit(canvas)):
            self._full_draw(canvas)
        width, height = canvas.get_width_height(physical=True)
        pixels = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        pixels.save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
        return buffer.getvalue()

    def _children(self):
        """(axes or None, artist) for every direct child of the figure's axes and of the figure."""
        for ax in self.fig.axes:
            for child in ax.get_children():
                yield ax, child
        for child in self.fig.get_children():
            if child not in self.fig.axes:
                yield None, child

    def _signature(self) -> tuple:
        """What the cached background depends on beyond the artists' own ``stale`` flags.

        The axes' limits, scales, children and their visibility, and for each axis its label and
        tick locator/formatter objects (an axis is marked stale by any ``set_xlim``, even to the
        same limits, so its own flag is not used). Not covered: ``tick_params`` changed inside
        ``update()`` - set ``blit = False`` for that.
        """
        return tuple((tuple(ax.viewLim.bounds), ax.get_xscale(), ax.get_yscale(), ax.axison,
                      ax.get_frame_on(), tuple((id(c), c.get_visible()) for c in ax.get_children()),
                      tuple((axis.label.get_text(), axis.label.get_visible(),
                             id(axis.major.locator), id(axis.major.formatter),
                             id(axis.minor.locator), id(axis.minor.formatter))
                            for axis in (ax.xaxis, ax.yaxis)))
                     for ax in self.fig.axes) + (
            tuple((id(c), c.get_visible()) for c in self.fig.get_children()), self.fig.bbox.bounds)

    @staticmethod
    def _drawn(ax, artist) -> bool:
        """Whether a full draw draws this artist (stale flags of undrawn ones never clear)."""
        if not artist.get_visible():
            return False  # a visibility change alters the signature instead
        if ax is not None and isinstance(artist, Axis):
            return ax.axison
        if ax is not None and isinstance(artist, Spine):
            return ax.axison and ax.get_frame_on()
        return True

    @staticmethod
    def _can_move(ax, artist) -> bool:
        """Artists that may be drawn over the background: an axes' data artists and texts."""
        return ax is not None and artist is not ax.patch and \
            not isinstance(artist, (Axis, Spine, Legend))

    def _overlay(self) -> list:
        """(axes or None, artist) to draw over the background, in matplotlib's drawing order.

        For each axes holding a changing artist: every artist drawn at or after the first changing
        one (sorted by zorder, as ``Axes.draw`` does); then the figure's own texts and legends.
        Drawing them fresh over a background that lacks them gives the pixels of a full draw.
        """
        moving = {id(artist) for _, artist in self._moving}
        overlay = []
        for ax in self.fig.axes:
            children = sorted((c for c in ax.get_children()
                               if c is not ax.patch and self._drawn(ax, c)),
                              key=lambda c: c.get_zorder())
            first = next((i for i, c in enumerate(children) if id(c) in moving), None)
            if first is not None:
                overlay += [(ax, c) for c in children[first:]]
        if overlay:
            overlay += [(None, c) for c in sorted(self.fig.get_children(), key=lambda c: c.get_zorder())
                        if c not in self.fig.axes and c is not self.fig.patch and c.get_zorder() > 0
                        and c.get_visible()]
        return overlay

    def _full_draw(self, canvas) -> None:
        blit = self.blit and self.freeze_layout
        # Artists removed from their axes are no longer drawn.
        self._moving = [(ax, a) for ax, a in getattr(self, "_moving", []) if a.axes is ax]
        moving = {id(artist) for _, artist in self._moving}
        for _, artist in getattr(self, "_overlay_artists", []):
            if id(artist) not in moving:
                artist.set_animated(False)
        self._overlay_artists = self._overlay() if blit else []
        for _, artist in self._overlay_artists:
            artist.set_animated(True)  # left out of canvas.draw, so out of the background
        canvas.draw()  # the first draw runs the layout engine
        engine = self.fig.get_layout_engine()
        if self.freeze_layout and engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
            # Keep the positions just computed; "none" leaves a placeholder engine that does nothing.
            self.fig.set_layout_engine("none")
        if blit:
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._drawn_signature = self._signature()
            self._draw_overlay()

    def _draw_overlay(self) -> None:
        for ax, artist in self._overlay_artists:
            (ax if ax is not None else self.fig).draw_artist(artist)

    def _blit(self, canvas) -> bool:
        """Draw only the changed artists over the cached background; False if a full draw is due."""
        if getattr(self, "_background", None) is None or self._signature() != self._drawn_signature:
            return False
        moving = {id(artist) for _, artist in self._moving}
        changed = [(ax, artist) for ax, artist in self._children()  # axes: see _signature
                   if artist.stale and self._drawn(ax, artist) and not isinstance(artist, Axis)]
        if not all(self._can_move(ax, artist) for ax, artist in changed):
            return False
        new = [(ax, artist) for ax, artist in changed if id(artist) not in moving]
        if new:  # take them out of the background: draw it again without them
            for _, artist in new:
                artist.set_animated(True)
            self._moving = self._moving + new
            return False
        canvas.restore_region(self._background)
        self._draw_overlay()
        return True

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
