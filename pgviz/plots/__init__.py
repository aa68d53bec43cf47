"""Plots: functions that take arrays and return matplotlib objects. Nothing here computes the math.

One module per topic; all share the style of :mod:`pgviz.plots.style`.
"""

from pgviz.plots.style import COLORS, PALETTE, apply_style, new_figure

apply_style()
