"""pgviz.progress: the progress bar is silent outside a kernel, shows a widget when asked, and
checks its arguments."""

import pytest

from pgviz.progress import Progress


def test_progress_is_silent_outside_a_kernel_and_validates():
    with Progress(total=3, description="x") as bar:
        bar.update(2)
        bar.update(5)
    assert bar.count == 3 and bar.widget is None  # the count stops at the total
    shown = Progress(total=4, show=True)
    shown.update()
    assert shown.widget is not None and shown._bar.value == 1
    with pytest.raises(ValueError, match="total must be an integer >= 1"):
        Progress(total=0)
    with pytest.raises(TypeError, match="total must be an integer"):
        Progress(total=2.0)
    with pytest.raises(TypeError, match="show must be None, True or False"):
        Progress(total=2, show="yes")
