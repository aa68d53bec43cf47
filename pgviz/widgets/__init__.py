"""Widget apps: ipywidgets controls wired to pgviz functions. No math lives here.

Every app draws one matplotlib figure once, updates its artists in place on each control change,
and shows it as PNG bytes in an ``ipywidgets.Image`` (no Output widget to clear and re-display).
"""
