"""The one pattern every widget app follows: a figure drawn once, redrawn in place, shown as PNG."""

from __future__ import annotations

import operator
import struct
import time
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pgviz.validation import check_count

# zlib level for the PNG sent to the browser. Level 1 encodes a 640x360 figure about 2.5x faster
# than matplotlib's default (6) for ~15% more bytes, which a local or Binder websocket carries in
# well under a millisecond.
PNG_COMPRESS_LEVEL = 1
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pixels added around a box for antialiasing (plus, for lines and patches, twice their width).
PAD_PX = 2
ZORDER = operator.attrgetter("zorder")  # the sort key of Figure.draw and Axes.draw


def encode_png(rgba: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """An RGBA image [H, W, 4] (uint8) as PNG bytes: 8-bit RGBA, no interlacing, row filter 0.

    Filter 0 ("None") on every row, then one zlib stream: for flat-coloured figures this is as
    small as Pillow's adaptive filtering (within a few %) and about 3x faster to encode (2.3 ms
    instead of 7 ms for a 700x430 figure), which is most of a blitted slider update.
    """
    rgba = np.asarray(rgba)
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4 or 0 in rgba.shape:
        raise ValueError(f"rgba must be a non-empty uint8 array [H, W, 4], got {rgba.dtype} {rgba.shape}")
    check_count(compress_level, "compress_level (zlib's levels)", 0, 9)
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # a leading 0 on each row: filter "None"
    rows[:, 1:] = rgba.reshape(height, 4 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, deflate, filter set 0
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.data, compress_level))
        + chunk(b"IEND", b"")
    )


class FigureApp:
    """Base of the widget apps: one figure, redrawn in place on every control change, shown as PNG.

    A subclass builds its figure, artists and controls, then calls ``super().__init__(fig,
    controls, moving, message)`` and implements ``update()``, which reads the controls and sets
    artist data in place. ``moving``: the artists ``update()`` changes (direct children of the
    figure's axes or of the figure), in groups that change together, in drawing order, e.g.
    ``[curves, markers]``. A control change calls :meth:`refresh`: ``update()``, a redraw, a new
    PNG in ``image``. ``last_update_seconds`` is the wall clock of the last refresh (compute, draw,
    PNG), ``update_seconds`` that of every refresh, oldest first (the first is the initial draw),
    ``update_cpu_seconds`` their CPU time of the calling thread.

    Drawing, within the budget of 25 ms of Python per refresh:

    - A pending layout engine (constrained layout) runs before a full draw, then the positions are
      kept; a subclass that sets the engine again (new title or tick label sizes) gets one more.
    - A full draw caches a background: the figure without the moving artists and without the
      static artists drawn after one of them (by zorder, as matplotlib draws) whose box meets
      their clip boxes (or such a static's box), which are drawn over them. In notebooks 01-04
      these are the two spines the data touch; titles, tick labels and the legends (below the
      axes) stay in the background, and ``ax.set_axisbelow(True)`` keeps grid and ticks under the
      data; a legend inside the axes is drawn again on every refresh. Boxes are measured once per
      full draw, not per refresh.
    - When only moving artists changed (``stale``), a refresh restores the picture cached before
      the first changed group and draws the rest in full-draw order, so the pixels equal a full
      draw (tests/test_figureapp.py compares them); moving the last group alone redraws only it.
      Nothing changed: the same PNG.
    - Anything else - a static artist's ``stale`` flag, axis limits, scales, labels, locators or
      formatters, an artist added, removed, shown or hidden, the figure's size, a pending layout -
      makes a full draw. Not seen: ``tick_params`` inside ``update()`` (use ``blit = False``).
    - The Agg pixels go straight to :func:`encode_png` (``savefig`` would draw again and
      compress harder). ``blit = False`` (class or instance attribute) draws everything on every
      refresh: the reference the tests compare against.
    """

    blit = True

    def __init__(self, fig, controls: list[widgets.Widget], moving, message: widgets.Widget | None = None):
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        drawn = {id(c) for ax in fig.axes for c in ax.get_children()} | {id(c) for c in fig.get_children()}
        self.moving = [list(group) for group in moving]
        for artist in (a for group in self.moving for a in group):
            if id(artist) not in drawn:
                raise ValueError(f"moving must hold groups of children of fig's axes or of fig, got {artist!r}")
        self.fig, self.controls = fig, list(controls)
        self.message = message if message is not None else widgets.HTML("")
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        self.update_seconds: list[float] = []
        self.update_cpu_seconds: list[float] = []
        self.last_update_seconds = 0.0
        self._over: list = []  # the artists drawn over the background, in drawing order
        self._layers: list = []  # (position in _over, artists there) of each moving group
        self._snapshots: dict = {}  # position in _over -> the picture of everything drawn before it
        self._statics: list = []  # every other artist: a stale one means a full draw
        self._drawn_signature = None
        self._png = b""
        for ax in fig.axes:
            ax.set_axisbelow(True)  # grid and ticks under the data: never drawn over it
        for control in self.controls:
            control.observe(lambda change: self.refresh(), names="value")
        self.widget = widgets.VBox(
            [widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap")), self.message, self.image]
        )
        self.refresh()

    def update(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> None:
        """Recompute, redraw the figure in place and push the new PNG to the browser."""
        start, start_cpu = time.perf_counter(), time.thread_time()
        self.update()
        self.image.value = self.png_bytes()
        self.last_update_seconds = time.perf_counter() - start
        self.update_seconds.append(self.last_update_seconds)
        self.update_cpu_seconds.append(time.thread_time() - start_cpu)

    def png_bytes(self) -> bytes:
        """Draw what changed since the last call and return the whole figure PNG-encoded."""
        canvas = self.fig.canvas
        engine = self.fig.get_layout_engine()
        layout_pending = engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)
        if (
            not self.blit
            or layout_pending
            or self._signature() != self._drawn_signature
            or any(artist.stale for artist in self._statics)
        ):
            self._full_draw(canvas)
        else:
            changed = [start for start, artists in self._layers if any(a.stale for a in artists)]
            if not changed:
                return self._png
            canvas.restore_region(self._snapshots[min(changed)])
            self._draw_over(canvas, min(changed))
        self._png = encode_png(np.asarray(canvas.buffer_rgba()))
        return self._png

    # --- what a full draw leaves in the background ------------------------------------------------

    def _signature(self) -> tuple:
        """What the background depends on that no static artist's ``stale`` flag reports: each
        axes' limits, scales, axis switches, children and their visibility, and its axes' labels,
        locators and formatters (an ``Axis`` is marked stale by any ``set_xlim``, even to the same
        limits, so its flag is not used); the figure's children and size."""
        axes = [
            (tuple(ax.viewLim.bounds), ax.get_xscale(), ax.get_yscale(), ax.axison, ax.get_frame_on())
            + tuple((id(c), c.get_visible()) for c in ax.get_children())
            + tuple(
                (axis.label.get_text(), axis.label.get_visible(), id(axis.major.locator), id(axis.major.formatter))
                + (id(axis.minor.locator), id(axis.minor.formatter))
                for axis in (ax.xaxis, ax.yaxis)
            )
            for ax in self.fig.axes
        ]
        return (*axes, *((id(c), c.get_visible()) for c in self.fig.get_children()), self.fig.bbox.bounds)

    def _draw_order(self) -> list:
        """The figure's visible artists in the order ``Figure.draw`` and ``Axes.draw`` paint them."""
        order = []
        for child in sorted((c for c in self.fig.get_children() if c is not self.fig.patch), key=ZORDER):
            if child not in self.fig.axes:
                order.append(child)
                continue
            ax, frame = child, child.axison and child.get_frame_on()
            skip = {id(ax.patch)} | ({id(s) for s in ax.spines.values()} if not frame else set())
            skip |= {id(a) for a in (ax.xaxis, ax.yaxis)} if not ax.axison else set()
            order += [ax.patch] if frame else []
            order += sorted((c for c in ax.get_children() if id(c) not in skip), key=ZORDER)
        return [artist for artist in order if artist.get_visible()]

    def _plan(self, renderer) -> list:
        """The artists to draw over the background, in drawing order: every moving artist and each
        static one drawn after a moving artist whose box meets what is drawn over so far."""
        moving = {id(artist) for group in self.moving for artist in group}
        over, boxes = [], []
        for artist in self._draw_order():
            if id(artist) in moving:
                box = _clip_box(artist)
            elif not over or (isinstance(artist, Text) and not artist.get_text()):
                continue  # below every moving artist, or draws nothing
            else:
                box = _extent(artist, renderer)
                if not any(_meet(box, other) for other in boxes):
                    continue
            over.append(artist)
            boxes.append(box)
        return over

    def _full_draw(self, canvas) -> None:
        """Lay out if due, draw the background, cache it and draw the moving artists over it."""
        engine = self.fig.get_layout_engine()
        if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
            engine.execute(self.fig)  # lay the figure out (what canvas.draw would do first) ...
            self.fig.set_layout_engine("none")  # ... and keep the positions: a placeholder engine
        renderer = canvas.get_renderer()
        self._set_over(self._plan(renderer) if self.blit else [])
        canvas.draw()
        if not self.blit:
            self._drawn_signature = None  # blitting turned on again: a full draw first
            return
        over = self._plan(renderer)
        if over != self._over:  # the draw moved an artist (a title above new tick labels): again
            self._set_over(over)
            canvas.draw()
        moving = {id(artist) for group in self.moving for artist in group}
        children = [*(c for ax in self.fig.axes for c in ax.get_children()), *self.fig.get_children()]
        self._statics = [c for c in children if id(c) not in moving and not isinstance(c, (Axis, Axes))]
        for artist in self._statics:
            artist.stale = False  # drawn now, or drawing nothing (an empty text's flag stays set)
        self._drawn_signature = self._signature()
        position = {id(artist): i for i, artist in enumerate(self._over)}
        groups = [[artist for artist in group if id(artist) in position] for group in self.moving]
        self._layers = [(min(position[id(a)] for a in group), group) for group in groups if group]
        self._snapshots = {0: canvas.copy_from_bbox(self.fig.bbox)}
        self._draw_over(canvas, 0)

    def _set_over(self, over: list) -> None:
        """Leave ``over`` (the artists to draw over the background) out of ``canvas.draw``."""
        for artist in self._over:
            artist.set_animated(False)
        for artist in over:
            artist.set_animated(True)
        self._over = over

    def _draw_over(self, canvas, start: int) -> None:
        """Draw ``_over[start:]`` over the picture now on the canvas, keeping the picture found
        before each later group, for a refresh that changes only that group and the ones after."""
        renderer, starts = canvas.get_renderer(), {position for position, _ in self._layers}
        for i in range(start, len(self._over)):
            if i in starts and i > start:
                self._snapshots[i] = canvas.copy_from_bbox(self.fig.bbox)
            self._over[i].draw(renderer)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _clip_box(artist):
    """The pixel box an artist is clipped to (clip box and clip path), padded; None if unclipped."""
    path = artist.get_clip_path()
    boxes = [artist.get_clip_box(), path.get_fully_transformed_path().get_extents() if path is not None else None]
    boxes = [box for box in boxes if box is not None]
    if not artist.get_clip_on() or not boxes:
        return None
    box = Bbox.intersection(*boxes) if len(boxes) == 2 else boxes[0]
    return box.padded(PAD_PX) if box is not None else Bbox.null()  # null: clipped away, draws nothing


def _extent(artist, renderer):
    """The pixels a static artist may paint, padded; None when matplotlib does not say (a
    collection's empty extent, say): then it is assumed to meet everything."""
    if isinstance(artist, Axis):  # ticks and labels, and grid lines across its axes
        box = Bbox.union([b for b in (artist.axes.bbox, artist.get_tightbbox(renderer)) if b is not None])
    else:
        box = artist.get_window_extent(renderer)
    if not np.all(np.isfinite(box.extents)) or box.width < 0 or box.height < 0 or box.width + box.height == 0:
        return None
    width = np.max(artist.get_linewidth(), initial=0.0) if isinstance(artist, (Line2D, Patch, Collection)) else 0.0
    return box.padded(PAD_PX + 2 * width * renderer.points_to_pixels(1.0))


def _meet(a, b) -> bool:
    """Whether two pixel boxes overlap (None: unknown, meets everything; a null box: nothing)."""
    return a is None or b is None or (a.x0 <= a.x1 and b.x0 <= b.x1 and a.overlaps(b))
