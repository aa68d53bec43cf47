"""Build the static pages: one HTML page per executed notebook, from its stored outputs.

    python tools/build_site.py --output site     # make site; then open site/index.html

Nothing is re-executed: the pages show exactly the outputs committed by ``make execute``, and
every figure is embedded in the page as a PNG (``<img src="data:image/png;base64,...">``), so the
pages read offline with no kernel. Links between notebooks (the generated prev/next cells and the
index) are rewritten from ``.ipynb`` to ``.html``; Binder badges stay as they are.

Widget state is deliberately not embedded. ``make execute`` stores none (the notebooks stay
small), and saved state would only replay the widget's default picture without running any
Python callback, with the widget manager fetched from a CDN when the page is viewed. The static
figure cell before every widget already shows that picture. So a widget output is replaced on the
page by a note pointing to JupyterLab and Binder, instead of a bare ``VBox(...)`` text repr.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import pathlib
import re
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import repo_info  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
RELATIVE_NOTEBOOK_LINK = re.compile(r"\]\((?!https?:|/)([^)\s]+?)\.ipynb(#[^)\s]*)?\)")


class SiteError(Exception):
    """A notebook that cannot be published as is (not executed, unreadable)."""


def site_notebooks(root: pathlib.Path) -> list[pathlib.Path]:
    """The index and every series notebook, in order."""
    return [
        path
        for path in sorted((root / repo_info.NOTEBOOK_DIR).glob("*.ipynb"))
        if repo_info.NOTEBOOK_NAME.match(path.name)
    ]


def image_output_count(notebook: dict) -> int:
    """How many PNG figures the notebook's stored outputs hold (widget outputs excluded)."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
        for output in cell.get("outputs", [])
    )


def unexecuted_cells(notebook: dict) -> list[int]:
    """Indices of code cells with source but no execution count (never run)."""
    return [
        i
        for i, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code"
        and "".join(cell.get("source", "")).strip()
        and cell.get("execution_count") is None
    ]


def _widget_note(name: str) -> str:
    return (
        "<div class='pgviz-widget-note' style='border:1px solid #999;padding:0.5em;'>"
        "Interactive widget: the figure above shows its default state. Move the sliders in "
        f"JupyterLab (<code>make lab</code>) or on Binder: "
        f"<a href='{html.escape(repo_info.binder_url(name))}'>"
        f"<img src='{repo_info.BINDER_BADGE}' alt='Binder'></a></div>"
    )


def for_the_web(notebook, name: str):
    """A copy of the notebook (an nbformat node) with .ipynb links made .html and widget outputs
    replaced by a note."""
    page = copy.deepcopy(notebook)
    for cell in page.get("cells", []):
        if cell.get("cell_type") == "markdown":
            cell["source"] = RELATIVE_NOTEBOOK_LINK.sub(
                lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", cell["source"]
            )
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                output["data"] = {"text/html": _widget_note(name)}
    page.get("metadata", {}).pop("widgets", None)
    return page


def build(root: pathlib.Path, output: pathlib.Path) -> list[pathlib.Path]:
    """Write one HTML page per notebook into ``output`` (plus index.html); return the pages."""
    import nbformat
    from nbconvert import HTMLExporter

    notebooks = site_notebooks(root)
    if not notebooks:
        raise SiteError(f"no notebooks in {root / repo_info.NOTEBOOK_DIR}")
    exporter = HTMLExporter(template_name="lab")
    output.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        missing = unexecuted_cells(notebook)
        if missing:
            raise SiteError(f"{path.name}: code cells {missing} were never executed; run `make execute` first")
        node = for_the_web(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4), path.name)
        body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": path.stem}})
        page = output / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    index = output / f"{pathlib.Path(repo_info.INDEX_NAME).stem}.html"
    if index.exists():
        shutil.copyfile(index, output / "index.html")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=pathlib.Path, default=ROOT / "site", help="folder for the pages (default: site/)"
    )
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    try:
        pages = build(args.root, args.output)
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    for page in pages:
        print(f"wrote {page}")
    print(f"open {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
