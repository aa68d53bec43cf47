"""Static pages (tools/build_site.py, `make site`): one page per notebook, every figure visible.

The truth checked: for every notebook, its page exists and embeds exactly as many PNG images
(``<img src="data:image/png;base64,...">``) as the notebook's stored outputs hold, so each figure
can be read without a kernel or network; links between notebooks point at pages that exist.
"""

from __future__ import annotations

import base64
import html.parser
import json
import pathlib
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402
import repo_info  # noqa: E402

# A 1x1 PNG, for synthetic notebooks.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


class _Images(html.parser.HTMLParser):
    """Collects <img src> and <a href> of a page."""

    def __init__(self):
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.sources.append(attrs.get("src") or "")
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(page: pathlib.Path) -> _Images:
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def figure_problems(root: pathlib.Path, site: pathlib.Path) -> list[str]:
    """Pages missing, figures missing from a page, or links to pages that do not exist."""
    problems = []
    for notebook_path in build_site.site_notebooks(root):
        page = site / f"{notebook_path.stem}.html"
        if not page.is_file():
            problems.append(f"{page.name} missing")
            continue
        expected = build_site.image_output_count(json.loads(notebook_path.read_text()))
        parsed = _parse(page)
        embedded = [src for src in parsed.sources if src.startswith("data:image/png;base64,")]
        for src in embedded:
            base64.b64decode(src.split(",", 1)[1], validate=True)  # real base64, not a stub
        if len(embedded) != expected:
            problems.append(f"{page.name}: {len(embedded)} embedded PNG figures, the notebook has {expected}")
        for link in parsed.links:
            if link.endswith(".ipynb") and not link.startswith("http"):
                problems.append(f"{page.name}: link {link} still points at a notebook")
            elif link.endswith(".html") and not link.startswith("http") and not (site / link).is_file():
                problems.append(f"{page.name}: link {link} has no page")
    return problems


def _executed_notebook(title: str, num_figures: int, widget: bool = False) -> dict:
    outputs = [
        {"data": {"image/png": PIXEL, "text/plain": ["<Figure>"]}, "metadata": {}, "output_type": "display_data"}
        for _ in range(num_figures)
    ]
    cells = [
        {"cell_type": "markdown", "id": "t", "metadata": {}, "source": [f"# {title}\n", "\n", "[next](02-b.ipynb)"]},
        {"cell_type": "code", "execution_count": 1, "id": "c", "metadata": {}, "outputs": outputs, "source": ["fig"]},
    ]
    if widget:
        cells.append(
            {
                "cell_type": "code",
                "execution_count": 2,
                "id": "w",
                "metadata": {"tags": ["nbval-ignore-output"]},
                "outputs": [
                    {
                        "data": {
                            "application/vnd.jupyter.widget-view+json": {
                                "model_id": "abc",
                                "version_major": 2,
                                "version_minor": 0,
                            },
                            "text/plain": ["VBox(children=(HBox(...)))"],
                        },
                        "metadata": {},
                        "output_type": "display_data",
                    }
                ],
                "source": ["app"],
            }
        )
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def synthetic_repo(tmp_path):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    for name, notebook in [
        ("01-a.ipynb", _executed_notebook("A", 2, widget=True)),
        ("02-b.ipynb", _executed_notebook("B", 1)),
    ]:
        (root / "notebooks" / name).write_text(json.dumps(notebook))
    return root


# --- this repository ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    build_site.build(ROOT, site)
    return site


def test_one_page_per_notebook_with_every_figure_embedded(built_site):
    assert build_site.site_notebooks(ROOT), "no notebooks found"
    assert figure_problems(ROOT, built_site) == []


def test_index_page_lists_every_notebook_page(built_site):
    index = _parse(built_site / "index.html")
    for notebook_path in build_site.site_notebooks(ROOT):
        if notebook_path.name != repo_info.INDEX_NAME:
            assert f"{notebook_path.stem}.html" in index.links


def test_widget_outputs_become_a_note_not_a_repr(built_site):
    for page in built_site.glob("[0-9][0-9]-*.html"):
        assert "VBox(children" not in page.read_text(encoding="utf-8"), page.name


# --- the check can fail; the builder refuses unexecuted notebooks ------------------------------


def test_synthetic_site_passes_the_check(synthetic_repo, tmp_path):
    site = tmp_path / "site"
    build_site.build(synthetic_repo, site)
    assert figure_problems(synthetic_repo, site) == []
    page = (site / "01-a.html").read_text()
    assert 'href="02-b.html"' in page and "pgviz-widget-note" in page
    assert "VBox(children" not in page


def test_page_missing_a_figure_fails_the_check(synthetic_repo, tmp_path):
    site = tmp_path / "site"
    build_site.build(synthetic_repo, site)
    page = site / "01-a.html"
    text = page.read_text()
    start = text.index("<img", text.index("data:image/png;base64,") - 200)
    page.write_text(text[:start] + text[text.index(">", start) + 1 :])  # drop one figure
    assert figure_problems(synthetic_repo, site) == ["01-a.html: 1 embedded PNG figures, the notebook has 2"]


def test_missing_page_fails_the_check(synthetic_repo, tmp_path):
    site = tmp_path / "site"
    build_site.build(synthetic_repo, site)
    (site / "02-b.html").unlink()
    problems = figure_problems(synthetic_repo, site)
    assert "02-b.html missing" in problems
    assert "01-a.html: link 02-b.html has no page" in problems


def test_unexecuted_notebook_is_refused(synthetic_repo, tmp_path):
    notebook = _executed_notebook("C", 1)
    notebook["cells"][1]["execution_count"] = None
    (synthetic_repo / "notebooks" / "03-c.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(build_site.SiteError, match="03-c.ipynb.*make execute"):
        build_site.build(synthetic_repo, tmp_path / "site")
    shutil.rmtree(tmp_path / "site", ignore_errors=True)
