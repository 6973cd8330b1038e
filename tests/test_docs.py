"""The documentation site (docs/) documents what the package is: checks on its sources.

The site itself is built by CI after the tests (``sphinx-build -W --keep-going -b html docs
docs/_build/html``); these tests read the Markdown sources only, so they are fast and need no Sphinx:

- every name in ``gates.__all__`` is listed in an autosummary of the API reference, and nothing else;
- the CLI page documents the whole parser (every subcommand of ``gates``, each in full);
- no page cites a file that is not in the repository;
- the protocol's settings table on the concepts page is the one the code generates.

Each check is a function, and each is shown to fail on a doctored page.
"""

import importlib.util
import re
from pathlib import Path

import pytest

import gates
from gates.cli.main import COMMANDS
from gates.learning.protocol import settings_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def read(path):
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the API reference

_AUTOSUMMARY = re.compile(r"^\.\. autosummary::\n((?:[ \t]+.*\n|\n)*)", re.M)


def autosummary_names(text):
    """Every name listed in an ``.. autosummary::`` directive of `text` (options skipped), in order."""
    names = []
    for block in _AUTOSUMMARY.findall(text):
        for line in block.splitlines():
            item = line.strip()
            if item and not item.startswith(":") and not item.startswith("```"):
                names.append(item.removeprefix("gates."))
    return names


def api_problems(texts, public):
    """What is wrong with the API reference sources `texts` against the public names `public`.

    Returns a dict: ``missing`` (public names no autosummary lists), ``unknown`` (listed names that
    are not public), ``repeated`` (names listed more than once); all empty when the reference is right.
    """
    listed = [name for text in texts for name in autosummary_names(text)]
    return {
        "missing": sorted(set(public) - set(listed)),
        "unknown": sorted(set(listed) - set(public)),
        "repeated": sorted({n for n in listed if listed.count(n) > 1}),
    }


def api_sources():
    return [read(p) for p in sorted(DOCS.glob("api*.md"))]


def test_every_public_name_is_in_the_api_reference():
    assert len(gates.__all__) >= 80
    assert api_problems(api_sources(), gates.__all__) == {"missing": [], "unknown": [], "repeated": []}


def test_the_api_check_sees_a_missing_a_stale_and_a_repeated_name():
    text = "\n".join(api_sources())
    assert "   is_threshold\n" in text
    doctored = text.replace("   is_threshold\n", "", 1).replace("   to_hex\n", "   to_hex\n   to_hex\n   no_such_name\n", 1)
    assert api_problems([doctored], gates.__all__) == {
        "missing": ["is_threshold"], "unknown": ["no_such_name"], "repeated": ["to_hex"]}


def test_autosummary_names_reads_the_directive_and_skips_its_options():
    text = "```{eval-rst}\n.. autosummary::\n   :toctree: api/generated\n\n   from_hex\n   gates.to_hex\n```\nafter\n"
    assert autosummary_names(text) == ["from_hex", "to_hex"]


# --------------------------------------------------------------------------- the CLI reference

_ARGPARSE = re.compile(r"^\.\. argparse::\n((?:[ \t]+:.*\n)*)", re.M)


def _load_parser(module, func):
    path = DOCS / "_ext" / f"{module}.py"
    if path.exists():
        spec = importlib.util.spec_from_file_location(module, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(module)
    return getattr(mod, func)()


def documented_commands(text):
    """The ``gates`` subcommands documented in full by the ``argparse`` directives of `text`.

    A directive documents the parser its ``:module:`` and ``:func:`` build, from its ``:path:``
    down (the whole parser without one). A subcommand counts when its documented subparser is full
    (it has options beyond ``--help``), not the one-line stub ``gates --help`` uses.
    """
    found = set()
    for block in _ARGPARSE.findall(text):
        options = dict(re.findall(r"^[ \t]+:([\w-]+):[ \t]*(.*)$", block, re.M))
        parser = _load_parser(options["module"], options["func"])
        path = options.get("path", "").split()
        subparsers = _subcommands(parser)
        if path:
            subparsers = {path[0]: subparsers[path[0]]} if path[0] in subparsers else {}
        for name, sub in subparsers.items():
            if any(o != "-h" and o != "--help" for a in sub._actions for o in a.option_strings):
                found.add(name)
    return found


def _subcommands(parser):
    for action in parser._actions:
        if action.choices and isinstance(action.choices, dict):
            return dict(action.choices)
    return {}


def test_every_cli_command_is_in_the_cli_reference():
    names = {name for name, _, _ in COMMANDS}
    assert len(names) >= 11
    assert documented_commands(read(DOCS / "cli.md")) == names


def test_the_cli_check_sees_a_reference_narrowed_to_one_command():
    text = read(DOCS / "cli.md")
    assert ":func: parser\n" in text
    doctored = text.replace(":func: parser\n", ":func: parser\n   :path: learn\n")
    assert documented_commands(doctored) == {"learn"}


# --------------------------------------------------------------------------- files the pages cite

_DOWNLOAD = re.compile(r"\{download\}`[^`<]*<([^>]+)>`")
_DIRECTIVE_PATH = re.compile(r"^```\{(?:figure|image|include)\}[ \t]+(\S+)", re.M)
_MD_LINK = re.compile(r"\]\(([^)#\s]+)\)")
_REPO_PATH = re.compile(r"`((?:enumerations|scripts|tests|gates|docs)/[^`\s]*)`")


def cited_files(text):
    """(relative-to-page, relative-to-root) paths that page `text` cites.

    Relative to the page: download roles, figure / image / include directives and Markdown links to
    files. Relative to the repository root: inline code that names a path under enumerations/,
    scripts/, tests/, gates/ or docs/ (a ``*`` matches files; a path with ``<...>`` is a pattern, and
    a path under docs/_build or an output folder the text names is skipped).
    """
    page = set(_DOWNLOAD.findall(text)) | set(_DIRECTIVE_PATH.findall(text))
    page |= {p for p in _MD_LINK.findall(text) if "://" not in p and not p.startswith("mailto:")}
    root = {p for p in _REPO_PATH.findall(text) if "<" not in p and "_build" not in p}
    return page, root


def missing_files(page_path, text):
    """The files page `text` (at `page_path`) cites that do not exist in the repository."""
    relative, rooted = cited_files(text)
    missing = [p for p in sorted(relative) if not (page_path.parent / p).exists()]
    for p in sorted(rooted):
        for path in _expand_braces(p.rstrip("/")):
            if not (list(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()):
                missing.append(p)
                break
    return missing


def _expand_braces(path):
    """``a.{md,csv}`` -> ``a.md``, ``a.csv`` (one brace group, as the pages write it)."""
    m = re.search(r"\{([^{}]*)\}", path)
    return [path] if not m else [path[:m.start()] + alt + path[m.end():] for alt in m.group(1).split(",")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_page_cites_a_missing_file(page):
    assert missing_files(page, read(page)) == []


def test_the_file_check_sees_missing_files():
    page = DOCS / "paper" / "shallow.md"
    text = ("{download}`x <../../enumerations/no_such_table.md>` and `enumerations/nothing_*.csv` and "
            "`scripts/jobs/no_such_job.toml`\n```{figure} ../../enumerations/figures/no_such.png\n```\n"
            "and `enumerations/counts.md` and {download}`y <../../enumerations/counts.csv>` and "
            "`enumerations/counts.{md,csv}` but `enumerations/counts.{md,xls}`\n")
    assert missing_files(page, text) == ["../../enumerations/figures/no_such.png",
                                         "../../enumerations/no_such_table.md", "enumerations/counts.{md,xls}",
                                         "enumerations/nothing_*.csv", "scripts/jobs/no_such_job.toml"]


def test_every_batch_recipe_is_on_the_reproducing_page():
    text = read(DOCS / "reproducing.md")
    recipes = sorted(p.name for p in (ROOT / "scripts" / "jobs").glob("*.toml"))
    assert recipes and [r for r in recipes if f"scripts/jobs/{r}" not in text] == []


def test_no_page_cites_a_digest():
    for page in PAGES:
        text = read(page).lower()
        assert "digest" not in text, page


# --------------------------------------------------------------------------- the protocol's table

def test_the_settings_table_on_the_concepts_page_is_the_generated_one():
    table = settings_table()
    assert table.count("\n") >= 10
    assert table in read(DOCS / "concepts.md")
