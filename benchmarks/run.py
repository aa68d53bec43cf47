"""`make bench`: print every benchmark figure, measured in this one run.

Each ``benchmarks/bench_<topic>.py`` defines ``run()`` that yields ``(name, value, unit)`` rows;
this script runs them in name order and prints one table. Times are medians of repeats, measured
with ``time.perf_counter``; nothing here asserts (tests never time anything).
"""

from __future__ import annotations

import importlib.util
import pathlib
import platform
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for the shared benchmarks/timing.py


def main(argv: list[str]) -> int:
    wanted = set(argv)
    print(f"pgviz benchmarks (Python {platform.python_version()}, {platform.machine()})")
    for path in sorted(HERE.glob("bench_*.py")):
        topic = path.stem.removeprefix("bench_")
        if wanted and topic not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n[{topic}]")
        for name, value, unit in module.run():
            print(f"  {name:<58s} {value:>10.3g} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
