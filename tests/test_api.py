"""The public API: ``gates.__all__`` is lazy, complete and documented (numpydoc).

The documentation checker is a plain function so that its mutants (doctored
docstrings that lack a section) can be shown to be rejected.
"""

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

import gates

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES = list(gates.__all__)
CALLABLES = [n for n in NAMES if inspect.isfunction(getattr(gates, n)) or inspect.isclass(getattr(gates, n))]
CONSTANTS = [n for n in NAMES if n not in CALLABLES]


def test_import_gates_loads_no_room_and_no_numba():
    code = ("import sys, gates; print(sorted(m for m in sys.modules if m.startswith('gates.')), "
            "'numba' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] False False"


def test_all_is_sorted_unique_and_in_dir():
    assert NAMES == sorted(set(NAMES))
    assert set(NAMES) <= set(dir(gates))
    assert len(NAMES) >= 60


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'is_treshold'"):
        gates.is_treshold  # noqa: B018


@pytest.mark.parametrize("name", NAMES)
def test_name_resolves_to_a_gates_object(name):
    obj = getattr(gates, name)
    if name in CALLABLES:
        assert obj.__module__.startswith("gates."), obj.__module__
        assert obj.__name__ in (name, "run_study")


def _params(obj):
    """The parameters a docstring must describe (no self, no *args/**kwargs)."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def docstring_problems(obj):
    """What `obj`'s numpydoc docstring lacks: Parameters (each one), Returns and Raises (functions), Examples."""
    if not (obj.__doc__ or "").strip():
        return ["no docstring"]
    if inspect.isclass(obj) and issubclass(obj, BaseException):  # an error: what it means, and an example
        return [] if ">>>" in obj.__doc__ else ["no Examples with >>>"]
    is_class = inspect.isclass(obj)
    doc = ClassDoc(obj, config={"show_class_members": False}) if is_class else FunctionDoc(obj)
    problems = []
    params = _params(obj)
    described = set()
    for section in ("Parameters", "Other Parameters", "Attributes"):
        for p in doc[section]:
            described.update(s.strip().lstrip("*") for s in p.name.split(","))
    missing = [p for p in params if p not in described]
    if missing:
        problems.append(f"Parameters lack {missing}")
    if is_class and not params and not doc["Attributes"] and not doc["Parameters"]:
        problems.append("no Parameters or Attributes")
    if not is_class and not (doc["Returns"] or doc["Yields"]):
        problems.append("no Returns")
    if not is_class and params and not doc["Raises"]:
        problems.append("no Raises")
    if ">>>" not in "\n".join(doc["Examples"]):
        problems.append("no Examples with >>>")
    return problems


@pytest.mark.parametrize("name", CALLABLES)
def test_public_callable_has_full_numpydoc(name):
    assert docstring_problems(getattr(gates, name)) == []


@pytest.mark.parametrize("name", CONSTANTS)
def test_public_constant_has_a_docstring(name):
    """A constant's docstring is the string literal right after its assignment (Sphinx reads it)."""
    obj = getattr(gates, name)
    module = next(m for m in _defining_modules() if name in vars(m) and vars(m)[name] is obj)
    tree = ast.parse(inspect.getsource(module))
    body = tree.body
    for i, node in enumerate(body):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(getattr(t, "id", None) == name for t in targets):
            nxt = body[i + 1] if i + 1 < len(body) else None
            assert isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(
                nxt.value.value, str), f"{module.__name__}.{name} has no docstring after its assignment"
            return
    pytest.fail(f"no assignment of {name} found")


def _defining_modules():
    for name in CALLABLES:
        yield sys.modules[getattr(gates, name).__module__]


# ---- mutants: the checker rejects what it should ------------------------------------------------

def _full(tables, n):
    """Count.

    Parameters
    ----------
    tables : ndarray
    n : int

    Returns
    -------
    int

    Raises
    ------
    InputError

    Examples
    --------
    >>> 1
    1
    """


def _strip(section, text):
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.strip() == section)
    j = next((k for k in range(i + 2, len(lines)) if lines[k].strip() and set(lines[k + 1].strip()) == {"-"}
              if k + 1 < len(lines)), len(lines))
    return "\n".join(lines[:i] + lines[j:])


def test_checker_accepts_the_full_docstring():
    assert docstring_problems(_full) == []


@pytest.mark.parametrize("section,problem", [("Returns", "no Returns"), ("Raises", "no Raises"),
                                             ("Examples", "no Examples with >>>")])
def test_checker_rejects_a_docstring_without_a_section(section, problem):
    def f(tables, n):
        pass

    f.__doc__ = _strip(section, _full.__doc__)
    assert problem in docstring_problems(f)


def test_checker_rejects_an_undescribed_parameter():
    def f(tables, n, seed):
        pass

    f.__doc__ = _full.__doc__
    assert docstring_problems(f) == ["Parameters lack ['seed']"]


def test_checker_rejects_an_example_without_a_prompt():
    def f(tables, n):
        pass

    f.__doc__ = _full.__doc__.replace(">>> 1\n    1", "gates.popcount(t)")
    assert docstring_problems(f) == ["no Examples with >>>"]
