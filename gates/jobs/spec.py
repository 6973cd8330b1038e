"""Job files: a study's name and parameters in TOML, checked and normalised into a spec.

A job file names a study of :data:`gates.jobs.adapters.STUDIES`, an optional
``chunk_size`` and a ``[params]`` table of the study's keys. :func:`load_job`
reads it, refuses unknown keys and wrong types with one line naming the file,
fills the defaults and hands the spec to the study's own ``validate``. The
spec and the plan are stored in their JSON form (:func:`canonical`), the form
every chunk is computed from.
"""

import copy
import json
import os
import re
import tomllib

from gates._validate import is_bool
from gates.errors import GatesError, InputError
from gates.io.storage import jsonable

__all__ = ["load_job", "study_registry", "get_study", "canonical", "check_plan", "show_value",
           "spec_differences"]

_TOP_KEYS = ("study", "chunk_size", "params")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def study_registry(studies):
    if studies is not None:
        return studies
    try:
        from gates.jobs.adapters import STUDIES
    except ImportError as exc:  # pragma: no cover - only while gates/batch.py is being written
        raise InputError(f"batch studies are unavailable: {exc}") from None
    return STUDIES


def get_study(name, studies):
    registry = study_registry(studies)
    if name not in registry:
        raise InputError(f"unknown study {name!r}; allowed: {', '.join(sorted(registry))}")
    return registry[name]


def _is_required(default):
    """The study protocol marks required keys with ``gates.jobs.adapters.REQUIRED`` (repr ``REQUIRED``)."""
    try:
        from gates.jobs.adapters import REQUIRED
    except ImportError:
        REQUIRED = None
    return (REQUIRED is not None and default is REQUIRED) or repr(default) == "REQUIRED"


_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
               list: "a list", dict: "a table"}


def _type_word(t):
    return _TYPE_WORDS.get(t, t.__name__)


def show_value(value):
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


def _check_type(key, value, types, study_name):
    """Return `value` if it has one of `types` (bool is not an int; an int is a float)."""
    types = types if isinstance(types, tuple) else (types,)
    boolean = is_bool(value)
    if boolean:
        ok = bool in types
    elif isinstance(value, int) and int not in types and float in types:
        return float(value)  # TOML writes 1 for 1.0; keep the spec canonical
    else:
        ok = isinstance(value, types)
    if not ok:
        got = _type_word(bool) if boolean else _type_word(type(value))
        want = " or ".join(_type_word(t) for t in types)
        raise InputError(f"{key} = {show_value(value)} is {got}; study {study_name!r} wants {want}")
    return value


def load_job(path, studies=None):
    """Read, check and normalise a job file.

    Parameters
    ----------
    path : str or path-like
        A TOML file: ``study = NAME``, optional ``chunk_size``, and a
        ``[params]`` table of the study's keys.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.

    Returns
    -------
    study_name : str
    spec : dict
        The study's normalised spec (defaults filled by ``study.validate``).

    Raises
    ------
    InputError
        One line naming the file and the problem: unreadable file or TOML (with
        its line), missing or unknown study, unknown keys (with the allowed
        ones), wrong types, missing required keys, or a value the study refuses.

    Examples
    --------
    >>> import os, tempfile
    >>> job = os.path.join(tempfile.mkdtemp(), "job.toml")
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "learn"\\n[params]\\nn = 3\\nrule = "gradient"\\n')
    >>> study, spec = load_job(job)
    >>> study, spec["n"], spec["rule"], spec["layers"], spec["seeds"]  # defaults filled in
    ('learn', 3, 'gradient', 1, [0])
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "learn"\\n[params]\\nn = 3\\nlayer = 2\\n')
    >>> load_job(job)
    Traceback (most recent call last):
    ...
    gates.errors.InputError: ...job.toml: ...layer...
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the job file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {' '.join(str(exc).split())}") from None
    try:
        return _normalise(doc, studies)
    except GatesError as exc:
        raise type(exc)(f"{path}: {' '.join(str(exc).split())}") from None


def _normalise(doc, studies):
    registry = study_registry(studies)
    if "study" not in doc:
        raise InputError(f"missing key 'study'; allowed studies: {', '.join(sorted(registry))}")
    name = doc["study"]
    if not isinstance(name, str):
        raise InputError(f"study = {show_value(name)} is not a string; allowed: {', '.join(sorted(registry))}")
    study = get_study(name, registry)
    keys = study.keys
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        hint = " (the study's keys go under [params])" if any(k in keys for k in unknown) else ""
        raise InputError(f"unknown top-level key {', '.join(map(repr, unknown))}{hint}; "
                         f"allowed: study, chunk_size, [params]")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise InputError(f"params = {show_value(params)} must be a table: write [params] and the study's keys under it")
    params = dict(params)
    if "chunk_size" in doc:
        if "chunk_size" in params:
            raise InputError("chunk_size is given twice (top level and [params]); keep one")
        if "chunk_size" not in keys:
            raise InputError(f"study {name!r} has no chunk_size; allowed keys: {', '.join(sorted(keys))}")
        params["chunk_size"] = doc["chunk_size"]
    unknown = [k for k in params if k not in keys]
    if unknown:
        raise InputError(f"unknown key {', '.join(map(repr, unknown))} for study {name!r}; "
                         f"allowed: {', '.join(sorted(keys))}")
    spec = {}
    for key, (types, default, _help) in keys.items():
        if key in params:
            spec[key] = _check_type(key, params[key], types, name)
        elif _is_required(default):
            raise InputError(f"missing required key {key!r} for study {name!r} ({_help})")
        else:
            spec[key] = copy.deepcopy(default)  # a study's list default must not be shared
    return name, study.validate(spec)


def canonical(obj):
    """`obj` as it reads back from JSON: the form every chunk is computed from."""
    return json.loads(json.dumps(obj, default=jsonable))


def check_plan(plan):
    seen = set()
    for chunk in plan:
        cid = chunk.get("id") if isinstance(chunk, dict) else None
        if not isinstance(cid, str) or not _ID.fullmatch(cid):
            raise GatesError(f"study plan: chunk id {cid!r} is not a file-name-safe string")
        if cid in seen:
            raise GatesError(f"study plan: chunk id {cid!r} appears twice")
        seen.add(cid)



def spec_differences(a, b):
    keys = sorted(set(a) | set(b))
    return [f"{k} ({show_value(a.get(k))} in the job file, {show_value(b.get(k))} in the directory)"
            for k in keys if a.get(k) != b.get(k)]

