"""Generate the series' navigation: README contents, the index notebook, prev/next cells.

    python tools/navigation.py            # (re)write every generated part   (make nav)
    python tools/navigation.py --check    # exit 1 and list the stale files (tests/test_navigation.py)

What it owns, and nothing else:

- README.md, between ``<!-- contents: ... -->`` and ``<!-- /contents -->``: one line per
  notebook with its title, a link and a Binder badge.
- ``notebooks/00-index.ipynb``: markdown only, the same contents with links and Binder badges.
- In every ``notebooks/NN-*.ipynb`` (NN >= 01): a navigation markdown cell at the top (link to
  the contents, previous/next, a Binder badge for this notebook) and one at the bottom
  (previous/contents/next). These cells carry ``"pgviz": {"generated": "navigation"}`` in their
  metadata; they are replaced on every run, every other cell (code, outputs, execution counts)
  is written back unchanged. Markdown cells are not executed, so nbval's comparisons and the
  execution counts are unaffected.

Titles come from each notebook's first markdown line starting with ``# ``. Binder links are
built by ``repo_info.binder_url`` (the one place naming the GitHub repository).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
from dataclasses import dataclass

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import repo_info  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
GENERATED = {"generated": "navigation"}
CONTENTS_START = re.compile(r"<!-- contents:[^>]*-->")
CONTENTS_END = "<!-- /contents -->"
INDEX_TITLE = "pgviz: contents"


class NavigationError(Exception):
    """A notebook the generator cannot place (no title, unreadable, no README markers)."""


@dataclass(frozen=True)
class Entry:
    name: str  # file name, e.g. 01-what-is-grad-log-pi.ipynb
    number: str  # "01"
    title: str  # from the first "# " heading


# --- reading and writing notebooks exactly as nbformat does -----------------------------------


def _split_lines(text: str) -> list[str]:
    """nbformat's multi-line string form: a list of lines, each keeping its newline."""
    return text.splitlines(keepends=True)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def dumps_notebook(notebook: dict) -> str:
    """Serialise like ``nbformat.write`` (indent 1, sorted keys, UTF-8, trailing newline)."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) + "\n"


def is_generated(cell: dict) -> bool:
    return cell.get("metadata", {}).get("pgviz", {}).get("generated") == GENERATED["generated"]


def _markdown_cell(cell_id: str, text: str, minor: int) -> dict:
    cell = {"cell_type": "markdown", "metadata": {"pgviz": dict(GENERATED)}, "source": _split_lines(text)}
    if minor >= 5:  # cell ids exist from nbformat 4.5 on
        cell["id"] = cell_id
    return cell


# --- what the series is -------------------------------------------------------------------------


def notebook_title(notebook: dict, name: str) -> str:
    """The text of the first ``# `` heading in a non-generated markdown cell."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown" or is_generated(cell):
            continue
        for line in _source(cell).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    raise NavigationError(f"{name}: no markdown line starting with '# ' to take the title from")


def series(root: pathlib.Path) -> list[Entry]:
    """The series notebooks (NN >= 01) in order, with their titles."""
    entries = []
    for path in sorted((root / repo_info.NOTEBOOK_DIR).glob("*.ipynb")):
        match = repo_info.NOTEBOOK_NAME.match(path.name)
        if match is None or path.name == repo_info.INDEX_NAME:
            continue
        if match.group(1) == "00":
            raise NavigationError(f"{path.name}: 00 is reserved for {repo_info.INDEX_NAME}")
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise NavigationError(f"{path.name}: not a JSON notebook ({error})") from None
        title = notebook_title(notebook, path.name)
        # "04 — The theorem" -> "The theorem": the number is shown from the file name.
        title = re.sub(rf"^{match.group(1)}\s*[—–:.·-]\s*", "", title) or title
        entries.append(Entry(path.name, match.group(1), title))
    return entries


def _link(entry: Entry, prefix: str = "") -> str:
    return f"[{entry.number} · {entry.title}]({prefix}{entry.name})"


def contents_lines(entries: list[Entry], prefix: str) -> list[str]:
    """One Markdown list line per notebook: link, then its Binder badge."""
    if not entries:
        return ["_No notebooks yet._"]
    return [f"{i}. {_link(e, prefix)} {repo_info.binder_badge(e.name)}" for i, e in enumerate(entries, start=1)]


# --- the generated texts ------------------------------------------------------------------------


def readme_text(readme: str, entries: list[Entry]) -> str:
    start = CONTENTS_START.search(readme)
    end = readme.find(CONTENTS_END, start.end() if start else 0)
    if start is None or end < 0:
        raise NavigationError(f"README.md: markers '<!-- contents: ... -->' and '{CONTENTS_END}' not found")
    prefix = repo_info.NOTEBOOK_DIR + "/"
    index = f"{prefix}{repo_info.INDEX_NAME}"
    block = "\n".join(
        [f"**Contents** ([index notebook]({index}) {repo_info.binder_badge(repo_info.INDEX_NAME)}):", ""]
        + contents_lines(entries, prefix)
    )
    return readme[: start.end()] + "\n" + block + "\n" + readme[end:]


def index_notebook(entries: list[Entry], existing: dict | None) -> dict:
    """notebooks/00-index.ipynb: markdown only; keeps the existing notebook metadata."""
    metadata = (existing or {}).get("metadata") or {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    intro = (
        f"# {INDEX_TITLE}\n\n"
        "Policy gradients and the score-function (log-derivative) trick, one question per "
        "notebook. Every claim is derived with SymPy and checked by a seeded computation "
        "on screen. Read them in order; each notebook links to the previous and the next.\n\n"
        f"{repo_info.binder_badge(repo_info.INDEX_NAME)} opens this series on Binder, "
        "nothing to install."
    )
    listing = "## Notebooks\n\n" + "\n".join(contents_lines(entries, ""))
    return {
        "cells": [_markdown_cell("pgviz-index-intro", intro, 5), _markdown_cell("pgviz-index-contents", listing, 5)],
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def navigation_cells(entries: list[Entry], position: int, minor: int) -> tuple[dict, dict]:
    """The top and bottom navigation cells of ``entries[position]``."""
    entry = entries[position]
    previous = entries[position - 1] if position > 0 else None
    following = entries[position + 1] if position + 1 < len(entries) else None
    contents = f"[pgviz contents]({repo_info.INDEX_NAME})"
    back = f"← {_link(previous)}" if previous else "← (first notebook)"
    forward = f"{_link(following)} →" if following else "(last notebook) →"
    top = (
        f"{contents} · notebook {entry.number} of {len(entries)} · "
        f"{repo_info.binder_badge(entry.name)}\n\n{back} | {forward}"
    )
    bottom = f"---\n\n{back} | {contents} | {forward}"
    return (
        _markdown_cell("pgviz-navigation-top", top, minor),
        _markdown_cell("pgviz-navigation-bottom", bottom, minor),
    )


def with_navigation(notebook: dict, entries: list[Entry], position: int) -> dict:
    """The notebook with its generated cells replaced; other cells are the same objects."""
    minor = notebook.get("nbformat_minor", 0)
    top, bottom = navigation_cells(entries, position, minor)
    cells = [cell for cell in notebook.get("cells", []) if not is_generated(cell)]
    return {**notebook, "cells": [top, *cells, bottom]}


def plan(root: pathlib.Path) -> dict[pathlib.Path, str]:
    """Every generated file and the full text it should have."""
    entries = series(root)
    notebooks = root / repo_info.NOTEBOOK_DIR
    wanted: dict[pathlib.Path, str] = {}
    readme = root / "README.md"
    wanted[readme] = readme_text(readme.read_text(encoding="utf-8"), entries)
    index_path = notebooks / repo_info.INDEX_NAME
    existing = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else None
    wanted[index_path] = dumps_notebook(index_notebook(entries, existing))
    for position, entry in enumerate(entries):
        path = notebooks / entry.name
        notebook = json.loads(path.read_text(encoding="utf-8"))
        wanted[path] = dumps_notebook(with_navigation(notebook, entries, position))
    return wanted


def stale_files(root: pathlib.Path) -> list[pathlib.Path]:
    """Generated files whose text differs from what the generator would write."""
    return [path for path, text in plan(root).items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def write(root: pathlib.Path) -> list[pathlib.Path]:
    """Write every stale generated file; returns the files written."""
    written = []
    for path, text in plan(root).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing the files that are out of date"
    )
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files(args.root)
            for path in stale:
                print(f"stale: {path.relative_to(args.root)}")
            if stale:
                print("navigation is out of date: run `make nav` (python tools/navigation.py)")
            return 1 if stale else 0
        for path in write(args.root):
            print(f"wrote {path.relative_to(args.root)}")
        return 0
    except NavigationError as error:
        print(f"navigation: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
