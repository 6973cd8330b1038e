"""Sphinx configuration of the gates documentation site.

Build it from the repository root with ``sphinx-build -W --keep-going -b html docs docs/_build/html``
(``pip install ".[docs]"`` first). The API stubs (``docs/api/generated/``) are written by autosummary
at build time and are not committed; the CLI reference is generated from ``gates.cli.main.build_parser``.
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, not an installed copy
sys.path.insert(0, str(DOCS / "_ext"))

import gates  # noqa: E402

project = "gates"
author = "the gates authors"
copyright = "2026, the gates authors"
release = version = gates.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinxarg.ext",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# numpydoc's docstring validation of the API pages, e.g. GATES_NUMPYDOC_CHECKS=all or =PR01,RT01 (codes:
# https://numpydoc.readthedocs.io/en/latest/validation.html); each finding is a warning. Off by default.
numpydoc_validation_checks = {c for c in os.environ.get("GATES_NUMPYDOC_CHECKS", "").split(",") if c}

templates_path = ["_templates"]  # autosummary/class.rst: a class page documents its methods and properties


def _properties(cls):
    """The public properties `cls` defines itself (its fields are in its numpydoc Attributes section)."""
    return [k for k, v in vars(cls).items() if isinstance(v, property) and not k.startswith("_")]


autosummary_context = {
    "properties": {name: _properties(obj) for name in gates.__all__
                   if isinstance(obj := getattr(gates, name), type)},
}

html_theme = "furo"
html_title = f"gates {version}"
html_static_path = ["_static"]
html_css_files = ["gates.css"]

# The figures `gates tables` writes (enumerations/figures/*.png) are referenced from the pages by
# their path in the repository (../enumerations/figures/...); Sphinx copies them into the site, and a
# missing figure is a warning, so `sphinx-build -W` fails when a page shows a figure that is not there.

# Public constants (gates.MAX_N, gates.RULES, ...) are attributes of the lazy `gates` namespace, so
# autodoc would show the docstring of their type (``int([x]) -> integer``). Their documentation is the
# doc-comment (``#:``) beside their definition in the module that defines them; a constant without
# one gets a line naming that module, and the build log says so.
_LONG_VALUE = 120


def _constant_docs(app, what, name, obj, options, lines):
    from sphinx.pycode import ModuleAnalyzer
    from sphinx.util import logging

    short = name.removeprefix("gates.")
    if what != "data" or short not in gates.__all__:
        return
    module = gates._WHERE[short]
    doc = ModuleAnalyzer.for_module(module).find_attr_docs().get(("", short))
    if doc:
        lines[:] = list(doc)
    else:
        logging.getLogger("gates.docs").info(f"gates docs: {module}.{short} has no #: doc-comment")
        lines[:] = [f"A constant of :mod:`{module}`.", ""]
    if len(repr(obj)) > _LONG_VALUE:
        lines.extend(["", ":meta hide-value:"])


# autosummary cuts a summary at the first ". ", so a dot product written "w . x" in a first sentence
# cuts it short (and inside ``...`` breaks the literal). Outside doctest lines the dot product is
# shown as "w · x" instead, up to the Examples (whose outputs stay verbatim); the build log names every
# docstring changed this way.
_DOT_PRODUCT = re.compile(r"(\w) \. (\w)")


def _dot_products(app, what, name, obj, options, lines):
    from sphinx.util import logging

    changed = False
    for i, line in enumerate(lines):
        if line.strip() in ("Examples", ".. rubric:: Examples"):
            break
        fixed = _DOT_PRODUCT.sub(r"\1 · \2", line)
        if fixed != line:
            lines[i], changed = fixed, True
    if changed:
        logging.getLogger("gates.docs").info(f"gates docs: {name}: 'w . x' shown as 'w · x'")


# A norm written |w| in a docstring is a reStructuredText substitution reference, and this site defines
# no substitutions: it would be an error. Outside inline literals, up to the Examples, such bars are
# escaped so the text shows as written; the build log names every docstring changed this way.
_NORM = re.compile(r"(?<![\\\w|])\|([^|\s`][^|`]*?(?<!\s))\|(?![\w|])")
_LITERAL = re.compile(r"(``.*?``)")


def _norms(app, what, name, obj, options, lines):
    from sphinx.util import logging

    changed = False
    for i, line in enumerate(lines):
        if line.strip() in ("Examples", ".. rubric:: Examples"):
            break
        parts = _LITERAL.split(line)  # odd parts are ``literals``: left alone
        fixed = "".join(p if k % 2 else _NORM.sub(r"\\|\1\\|", p) for k, p in enumerate(parts))
        if fixed != line:
            lines[i], changed = fixed, True
    if changed:
        logging.getLogger("gates.docs").info(f"gates docs: {name}: |x| norms escaped (not substitutions)")


def setup(app):
    app.connect("autodoc-process-docstring", _constant_docs)
    app.connect("autodoc-process-docstring", _dot_products)
    app.connect("autodoc-process-docstring", _norms)
