"""The real-browser widget test (browser_widgets.py) is run by `make browser-test` only.

Its file name does not match ``test_*.py``, so the plain ``make test`` run never collects it (it
needs Playwright and a system chromium, which readers do not install). This conftest only prints
the latency table the browser test collected; it imports nothing heavy, because plain pytest
loads it too.
"""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("browser_widgets")
    if module is None or not getattr(module, "RESULTS", None):
        return
    terminalreporter.section("slider-to-new-figure latency (ms)")
    for line in module.latency_table(module.RESULTS):
        terminalreporter.write_line(line)
    if getattr(module, "SLIDERS", None):
        terminalreporter.write_line("")
        terminalreporter.write_line("per slider:")
        rows = {row["name"]: row for row in module.SLIDERS}
        for line in module.latency_table(rows)[1:-3]:
            terminalreporter.write_line(line)
