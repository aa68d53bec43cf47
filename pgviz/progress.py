"""A small progress bar for computations that take more than about a second (notebook 06).

In a Jupyter kernel it shows an ``ipywidgets.IntProgress`` with a text label; anywhere else (plain
Python, pytest, benchmarks) it is silent. It imports only pgviz.validation, so any module above it may use it.
"""

from __future__ import annotations

from pgviz.validation import check_count


def in_kernel() -> bool:
    """True when running inside an IPython kernel (a notebook), where a widget can be shown."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """Progress over ``total`` steps: ``bar.update(n)`` advances, ``bar.close()`` marks it done.

    Use it as a context manager::

        with Progress(total=5, description="runs") as bar:
            for _ in range(5):
                bar.update()

    Args:
        total: number of steps (integer >= 1).
        description: label shown before the bar.
        show: ``None`` (default) shows the widget only in a kernel; ``True``/``False`` force it.
    """

    def __init__(self, total: int, description: str = "", show: bool | None = None):
        total = check_count(total, "total")
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__}")
        if show is not None and not isinstance(show, bool):
            raise TypeError(f"show must be None, True or False, got {show!r}")
        self.total = total
        self.description = description
        self.count = 0
        self.widget = None
        if show if show is not None else in_kernel():
            import ipywidgets as widgets

            self._bar = widgets.IntProgress(value=0, min=0, max=self.total, description=description)
            self._label = widgets.Label(f"0 / {self.total}")
            self.widget = widgets.HBox([self._bar, self._label])
            if in_kernel():
                from IPython.display import display

                display(self.widget)

    def update(self, steps: int = 1) -> None:
        """Advance the bar by ``steps`` (default 1), never past ``total``."""
        self.count = min(self.total, self.count + int(steps))
        if self.widget is not None:
            self._bar.value = self.count
            self._label.value = f"{self.count} / {self.total}"

    def close(self) -> None:
        """Mark the work as finished (the bar turns green in a notebook)."""
        if self.widget is not None:
            self._bar.bar_style = "success"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
