"""The one place that names where this repository lives, for every generated Binder link.

``tools/navigation.py`` writes Binder badges from these values and ``tests/test_binder.py`` checks
every Binder link in the README and the notebooks against them. Change the GitHub org/repo here,
then run ``make nav`` to regenerate the links.
"""

from __future__ import annotations

import re

GITHUB_REPO = "pgviz/pgviz"  # owner/name on GitHub
BINDER_REF = "HEAD"  # branch, tag or commit Binder builds
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
NOTEBOOK_DIR = "notebooks"
# A series notebook: notebooks/NN-slug.ipynb; 00 is the generated index.
NOTEBOOK_NAME = re.compile(r"^(\d\d)-[a-z0-9][a-z0-9-]*\.ipynb$")
INDEX_NAME = "00-index.ipynb"


def binder_url(notebook_name: str) -> str:
    """The Binder link that opens ``notebooks/<notebook_name>`` in JupyterLab."""
    if not NOTEBOOK_NAME.match(notebook_name):
        raise ValueError(f"notebook_name must look like 'NN-slug.ipynb', got {notebook_name!r}")
    return f"https://mybinder.org/v2/gh/{GITHUB_REPO}/{BINDER_REF}?urlpath=lab/tree/{NOTEBOOK_DIR}/{notebook_name}"


def binder_badge(notebook_name: str) -> str:
    """A Markdown Binder badge linking to :func:`binder_url`."""
    return f"[![Binder]({BINDER_BADGE})]({binder_url(notebook_name)})"
