"""Sphinx configuration of the sdc1 documentation site (`make docs`).

Sphinx with numpydoc and the PyData theme, as the astropy-affiliated packages build
theirs; MyST reads the Markdown pages, so README-style pages and docs/results.md are the
site's pages as they are. The API reference is generated from the docstrings of every
module of ``sdc1`` (autosummary, recursive).
"""

from __future__ import annotations

import sdc1

project = "sdc1"
author = "The sdc1 developers"
copyright = "2026, the sdc1 developers"
release = version = sdc1.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
templates_path = ["_templates"]
# Experiment scripts and their records live beside the pages; they are not pages.
exclude_patterns = ["_build", "benchmarks", "notebooks", "**.ipynb_checkpoints"]

# MyST: heading anchors as GitHub makes them, so that links written for the repository
# (README.md, docs/results.md#...) resolve on the site too.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"
# numpydoc renders the Parameters/Returns sections; its own member tables would list every
# member twice beside autodoc's.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = "sdc1"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
