"""The house rules of the package (docs/architecture.md), checked on the source.

Each rule is parametrised by module, so a broken rule names the module
that breaks it. The layer contracts themselves are import-linter's
(``[tool.importlinter]`` in pyproject.toml); they run here too, so the
README's one test command covers them.
"""

import ast
import importlib
import pathlib
import pkgutil
import re

import pytest

import gates

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "gates"
MODULES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)
TESTS = sorted(p for p in (ROOT / "tests").glob("*.py"))
MAX_LINES = 600
LONG_REASON = "This module is long because"


def _name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def _gates_imports(tree, module):
    """(imported module, name) for every ``from gates... import name``; relative imports resolved."""
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base == "gates" or base.startswith("gates."):
                for alias in node.names:
                    yield base, alias.name


def _module_aliases(tree):
    """Local names bound to gates modules (``import gates.x as m``, ``from gates.room import x``)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("gates.") and a.asname:
                    names[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gates"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if (PKG.parent / (full.replace(".", "/") + ".py")).exists() \
                        or (PKG.parent / full.replace(".", "/")).is_dir():
                    names[a.asname or a.name] = full
    return names


def _private_uses(path, module):
    """Private names of *other* gates modules that `path` imports or reaches through a module alias."""
    tree = ast.parse(path.read_text())
    bad = [f"{base}.{name}" for base, name in _gates_imports(tree, module)
           if name.startswith("_") and not name.startswith("__") and base != module]
    aliases = _module_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if node.attr.startswith("_") and not node.attr.startswith("__") and aliases[node.value.id] != module:
                bad.append(f"{aliases[node.value.id]}.{node.attr}")
    return bad


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_no_module_imports_another_modules_private_names(path):
    assert _private_uses(path, _name(path)) == []


@pytest.mark.parametrize("path", TESTS, ids=_ids(TESTS))
def test_tests_import_public_names_only(path):
    assert _private_uses(path, "tests") == []


def _too_long(text):
    """The line count of a module over MAX_LINES whose docstring does not say why; else None."""
    lines = text.count("\n")
    doc = ast.get_docstring(ast.parse(text)) or ""
    return lines if lines > MAX_LINES and LONG_REASON not in doc else None


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_modules_stay_short_or_say_why(path):
    assert _too_long(path.read_text()) is None, f"over {MAX_LINES} lines and no '{LONG_REASON} ...' in the docstring"


def _calls(path, pattern):
    return [f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(pattern, line) and not line.lstrip().startswith("#")]


def test_one_validator_module():
    # the integer test (a bool is an int in Python) is written once, in gates/_validate.py
    hits = [h for p in MODULES if p.name != "_validate.py" for h in _calls(p, r"isinstance\([^)]*\bbool\b")]
    assert hits == []


def test_one_numba_threads_switch():
    hits = [h for p in MODULES if p.name != "_threads.py" for h in _calls(p, r"set_num_threads\(")]
    assert hits == []


def test_plots_leave_the_global_backend_alone():
    hits = [h for p in MODULES for h in _calls(p, r"matplotlib\.use\(|import matplotlib\.pyplot|from matplotlib import pyplot")]
    assert hits == []


@pytest.mark.parametrize("name", ["ENCODINGS", "ACTIVATIONS"])
def test_each_constant_is_defined_once(name):
    where = []
    for p in MODULES:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                where.append(str(p.relative_to(ROOT)))
    assert len(where) == 1, where


def test_every_module_imports():
    # a broken module fails here instead of being skipped by the tests that need it
    names = [m.name for m in pkgutil.walk_packages(gates.__path__, "gates.") if not m.name.endswith("__main__")]
    assert len(names) == len(MODULES) - 2  # gates itself and gates.__main__
    for name in names:
        importlib.import_module(name)


def test_layer_contracts_hold():
    from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports  # in the test extras

    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert status == EXIT_STATUS_SUCCESS


# --------------------------------------------------------------------------
# each rule fails on a planted break (the checks above can fail)
# --------------------------------------------------------------------------


def test_private_name_rule_sees_a_planted_import(tmp_path):
    src = tmp_path / "planted.py"
    src.write_text("from gates.boolean.words import popcount64\nfrom gates.learning.gate import _hidden\n"
                   "import gates.boolean.truth as t\nx = t._secret\n")
    assert _private_uses(src, "gates.studies.planted") == ["gates.learning.gate._hidden", "gates.boolean.truth._secret"]


def test_length_rule_sees_a_planted_long_module():
    body = "x = 1\n" * MAX_LINES
    assert _too_long('"""Short."""\n' + body) == MAX_LINES + 1
    assert _too_long(f'"""Long.\n\n{LONG_REASON} of a reason.\n"""\n' + body) is None


def test_line_rules_see_planted_lines(tmp_path):
    src = tmp_path / "planted.py"
    src.write_text("ok = 1\nif isinstance(v, bool) or v < 0:\n    pass\nimport matplotlib.pyplot as plt\n"
                   "numba.set_num_threads(2)\n# isinstance(v, bool) in a comment is fine\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path  # _calls names files relative to ROOT
    try:
        assert _calls(src, r"isinstance\([^)]*\bbool\b") == ["planted.py:2"]
        assert _calls(src, r"matplotlib\.use\(|import matplotlib\.pyplot|from matplotlib import pyplot") == ["planted.py:4"]
        assert _calls(src, r"set_num_threads\(") == ["planted.py:5"]
    finally:
        ROOT = saved


def test_layer_contract_fails_on_a_planted_upward_import(tmp_path):
    # a copy of the package in which the lowest room imports the command line
    import shutil
    import subprocess
    import sys

    shutil.copytree(PKG, tmp_path / "gates", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "gates" / "io" / "storage.py", "a") as f:
        f.write("\nfrom gates.cli import main as _planted  # noqa\n")
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert r.returncode != 0
    assert "gates.io.storage -> gates.cli" in r.stdout
