"""The learning room's public API documents itself: the docstrings Sphinx reads cannot drift from the code.

Protocol's settings live in its dataclass fields; its docstring repeats them
by hand (Sphinx cannot see text generated at run time), so these tests hold
the Parameters section to the fields: the same names, the same defaults,
the same allowed values.
"""

import ast
import inspect
import re
from dataclasses import MISSING, fields

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

import gates
from gates.learning import protocol, rules, two_layer
from gates.learning.protocol import Protocol
from gates.learning.rules import Rule
from gates.learning.two_layer import DeepNet


def _parameters(cls):
    return {p.name: p for p in ClassDoc(cls)["Parameters"]}


def _stated_default(ptype):
    """The value after 'default' in a numpydoc type line, read as a Python literal."""
    m = re.search(r"default\s+(.+)$", ptype)
    assert m, f"no default stated in {ptype!r}"
    return ast.literal_eval(m.group(1).strip())


def _stated_choices(ptype):
    m = re.match(r"\{(.*)\}", ptype)
    return None if m is None else tuple(ast.literal_eval(f"({m.group(1)},)"))


@pytest.mark.parametrize("cls", [Protocol, Rule, DeepNet])
def test_every_dataclass_field_is_a_documented_parameter(cls):
    params = _parameters(cls)
    names = [f.name for f in fields(cls)]
    assert sorted(params) == sorted(names), f"{cls.__name__}: fields {names}, Parameters {sorted(params)}"
    for name in names:
        assert " ".join(params[name].desc).strip(), f"{cls.__name__}.{name} has no description"


@pytest.mark.parametrize("cls", [Protocol, Rule, DeepNet])
def test_docstring_states_each_fields_default(cls):
    params = _parameters(cls)
    for f in fields(cls):
        if f.default is MISSING:
            assert "default" not in params[f.name].type, f"{cls.__name__}.{f.name} has no default"
            continue
        stated = _stated_default(params[f.name].type)
        assert stated == f.default and type(stated) is type(f.default), (cls.__name__, f.name, stated, f.default)
    if cls is Protocol:
        assert all(f.default is not MISSING for f in fields(cls))  # Protocol() is the default protocol


def test_protocol_docstring_states_each_fields_choices():
    params = _parameters(Protocol)
    for f in fields(Protocol):
        choices = f.metadata["choices"]
        stated = _stated_choices(params[f.name].type)
        if choices is None:
            assert stated is None, f"{f.name} lists choices {stated} but takes any value in a range"
        else:
            assert stated == tuple(choices), (f.name, stated, choices)


def test_protocol_docstring_states_each_fields_range_and_cli_flag():
    params = _parameters(Protocol)
    for f in fields(Protocol):
        desc = " ".join(params[f.name].desc)
        lo = (f.metadata["range"] or (None, None))[0]
        if lo is not None:
            bound = f"{'>' if f.metadata['lo_open'] else '>='} {lo}"
            assert bound in desc, f"{f.name}: the docstring does not say {bound!r}"
        if f.metadata["flag"] is not None:  # an option not named after the field
            assert f"``{f.metadata['flag']}``" in desc, f"{f.name}: the docstring does not name {f.metadata['flag']}"


def test_protocol_docstring_defaults_read_differently_would_fail():
    # the check above can fail: a stated default that differs from the field is caught
    assert _stated_default('int, default 100') == 100
    assert _stated_default('float, default 1e-6') == 1e-06
    assert _stated_default('{"pm1", "01"}, default "pm1"') == "pm1"
    assert _stated_default("bool, default True") is True
    assert _stated_default("int, default 100") != Protocol().restarts


def _attribute_docstrings(module):
    """Names assigned at module level and followed by a string: the docstring Sphinx shows for a constant."""
    body = ast.parse(inspect.getsource(module)).body
    out = set()
    for a, b in zip(body, body[1:]):
        if isinstance(a, ast.Assign) and isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant) \
                and isinstance(b.value.value, str):
            out.update(t.id for t in a.targets if isinstance(t, ast.Name))
    return out


# the names of gates.__all__ that the learning room's rules, protocol and two_layer modules define
OWN = {"Rule": rules, "RULES": rules, "get_rule": rules, "Protocol": protocol, "DeepNet": two_layer,
       "HIDDEN_RULES": two_layer, "TOP_RULES": two_layer, "representable": two_layer}


@pytest.mark.parametrize("name", sorted(OWN))
def test_public_name_has_numpydoc_sections(name):
    module = OWN[name]
    assert name in gates.__all__ and getattr(gates, name) is getattr(module, name)
    obj = getattr(module, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        assert name in _attribute_docstrings(module), f"{name} has no docstring after its assignment"
        return
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    assert doc["Summary"], name
    assert doc["Parameters"], f"{name} has no Parameters section"
    assert doc["Examples"] and ">>>" in "\n".join(doc["Examples"]), f"{name} has no runnable Examples"
    if inspect.isfunction(obj):
        assert doc["Returns"], f"{name} has no Returns section"


def test_attribute_docstrings_are_found_only_after_an_assignment():
    # the detector can fail: a constant without a docstring is not reported as documented
    assert "RULES" in _attribute_docstrings(rules)
    assert "MAX_HIDDEN" not in _attribute_docstrings(two_layer)
