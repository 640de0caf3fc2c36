"""Sphinx configuration of the skmlp documentation.

Build from the repository root (see docs/README.md)::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import warnings
from datetime import date

# One BLAS thread for the gallery. The networks in the examples are small, and
# on a busy machine OpenBLAS's threads wait for each other far longer than
# the products take (the leukemia example runs ~7x faster single-threaded on a
# shared 2-core machine).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from threadpoolctl import threadpool_limits  # noqa: E402

import skmlp  # noqa: E402

threadpool_limits(limits=1, user_api="blas")

# -- project ---------------------------------------------------------------------------
project = "skmlp"
author = "skmlp developers"
copyright = f"{date.today().year}, {author}"
version = release = skmlp.__version__

# -- extensions ------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# examples/ is read by sphinx-gallery, which writes the pages to auto_examples/.
exclude_patterns = ["_build", "README.md", "examples", "images/make_pattern_images.py"]
root_doc = "index"
default_role = "literal"  # `text` in single backquotes is code, not a reference

# -- API reference: autosummary + autodoc + numpydoc -------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# Method tables come from the autosummary template (_templates/class.rst);
# numpydoc's own member lists would document every method twice.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Attributes are rendered as a parameter-style list, not as separate objects, so
# the properties ``coefs_``, ``intercepts_``, ``feature_importances_`` are not
# described twice.
numpydoc_attributes_as_param_list = True
numpydoc_validation_checks = set()

# -- gallery -------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skmlp",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skmlp": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "abort_on_example_error": False,
    "show_memory": False,
}

# Examples silence the ConvergenceWarnings they provoke on purpose; anything
# else a library says while the gallery runs should not break the build.
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently")
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    # API pages list their methods in a table already; without the right-hand
    # page contents (long, truncated method names) the docstrings get the width.
    "secondary_sidebar_items": {
        "index": ["page-toc"],
        "install": ["page-toc"],
        "user_guide/*": ["page-toc"],
        "auto_examples/*": ["page-toc"],
        "generated/*": [],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# No left navigation where it only takes width: single pages, and the example
# pages, whose code cells need the room (the gallery index lists them all).
html_sidebars = {"install": [], "api": [], "auto_examples/plot_*": []}


# -- docstring fixes at build time ------------------------------------------------------
# Methods inherited from scikit-learn (score, get_params, set_fit_request, ...) keep
# scikit-learn's docstrings, whose :ref: and :term: roles point into scikit-learn's
# own user guide and glossary. Without intersphinx (the build must work offline)
# they cannot resolve, so they are rendered as plain text.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


# scikit-learn's docstrings also name attributes as `classes_`, which reST reads
# as a reference to a target "classes"; they are rendered as literals.
_SKLEARN_ATTRIBUTE = re.compile(r"(?<![`\w])`?(\w+_)`?(?![`\w])(?=[\s.,:;)]|$)")


def _fix_docstring(app, what, name, obj, options, lines):
    owner = getattr(obj, "fget", obj)  # a property's docstring is its getter's
    module = getattr(owner, "__module__", "") or ""
    for i, line in enumerate(lines):
        if module.startswith("sklearn"):
            line = _SKLEARN_ROLE.sub(lambda m: m.group(1) or m.group(2), line)
            line = _SKLEARN_ATTRIBUTE.sub(lambda m: f"``{m.group(1)}``", line)
        lines[i] = line


def setup(app):
    app.connect("autodoc-process-docstring", _fix_docstring)
