"""Output files: atomic writes, tables (CSV, Markdown, npy) and JSON manifests.

Every file is written to a temporary file in the destination folder and then
moved into place with :func:`os.replace`, so a crash or a refused request
never leaves a partial file. Nothing here pickles: arrays are ``.npy`` files
read back with ``allow_pickle=False``.
"""

import csv
import io
import json
import os
import platform
import shlex
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone

import numpy as np

from gates._validate import is_int
from gates.errors import InputError

__all__ = [
    "atomic_path",
    "write_text",
    "write_json",
    "write_npy",
    "write_csv",
    "markdown_table",
    "manifest",
    "manifest_path",
    "write_table",
    "package_versions",
    "jsonable",
    "check_output_dir",
    "check_output_file",
]


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; move it into place on success only.

    A context manager: write to the yielded path; when the block ends without
    an exception the file replaces `path` (:func:`os.replace`, atomic on one
    file system) with the usual permissions; otherwise it is removed and
    `path` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its folder is created if needed.

    Yields
    ------
    str
        A temporary file name in the destination folder.

    Examples
    --------
    >>> import os, tempfile
    >>> from gates.io.storage import atomic_path
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(path) as tmp:
    ...     with open(tmp, "w") as fh:
    ...         _ = fh.write("104")
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('104', ['out.txt'])
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=folder)
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the usual mode
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_output_dir(path, what="--out"):
    """Check, before any work, that files can be written into folder `path`; return its absolute path.

    Nothing is left behind: the check writes and removes a probe file in the
    folder, or, when the folder does not exist yet, a probe folder in its
    nearest existing ancestor (the writers create the folder later). So a
    command that refuses its input after the check leaves no trace. A file
    where a folder should be, or a place that cannot be written, raises
    :class:`gates.errors.InputError` with one line naming `what`.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        The option the path came from, for the message.

    Returns
    -------
    str

    Raises
    ------
    InputError
        When nothing can be written there.

    Examples
    --------
    >>> import tempfile, os
    >>> d = check_output_dir(os.path.join(tempfile.mkdtemp(), "tables"))
    >>> os.path.basename(d), os.path.exists(d)            # writable, and not created yet
    ('tables', False)
    >>> check_output_dir("/proc/version/x")
    Traceback (most recent call last):
    ...
    gates.errors.InputError: --out /proc/version/x: cannot write there (/proc/version is a file, not a folder)
    """
    path = os.path.abspath(os.fspath(path))
    probe = path
    while not os.path.exists(probe):  # the nearest existing ancestor says whether mkdir can work
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise InputError(f"{what} {path}: cannot write there ({probe} is a file, not a folder)")
    try:
        if probe == path:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-probe-", dir=path)
            os.close(fd)
            os.unlink(tmp)
        else:
            os.rmdir(tempfile.mkdtemp(prefix=".tmp-probe-", dir=probe))
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def check_output_file(path, what="--out"):
    """As :func:`check_output_dir` for the folder of file `path`, and `path` must not be a folder.

    Returns
    -------
    str
        The absolute path of the file.

    Raises
    ------
    InputError
        When the file cannot be written.

    Examples
    --------
    >>> import tempfile, os
    >>> f = check_output_file(os.path.join(tempfile.mkdtemp(), "result.json"))
    >>> os.path.basename(f)
    'result.json'
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        raise InputError(f"{what} {path}: is a folder; give a file name")
    check_output_dir(os.path.dirname(path), what=what)
    return path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once: os.umask is process-wide


def write_text(path, text):
    """Write `text` to `path` as UTF-8, atomically (:func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        The file; its folder is created if needed.
    text : str
        Written as is (no newline translation).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)


def jsonable(obj):
    """The ``default`` hook of :func:`json.dumps` for numpy values.

    Parameters
    ----------
    obj : object
        A value :mod:`json` cannot encode.

    Returns
    -------
    int, float or list
        For a numpy integer, float or array.

    Raises
    ------
    TypeError
        For anything else.

    Examples
    --------
    >>> import json, numpy as np
    >>> from gates.io.storage import jsonable
    >>> json.dumps({"count": np.int64(104), "sizes": np.array([2, 8, 4, 2])}, default=jsonable)
    '{"count": 104, "sizes": [2, 8, 4, 2]}'
    """
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_json(path, obj):
    """Write `obj` as indented JSON (numpy values through :func:`jsonable`), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its folder is created if needed.
    obj : object
        Anything :func:`json.dumps` encodes, with numpy integers, floats
        and arrays allowed.
    """
    write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=jsonable) + "\n")


def write_npy(path, array):
    """Save an array as .npy, atomically; structured dtypes are fine, object dtypes are refused.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its folder is created if needed.
    array : array_like
        Any array without Python objects.

    Raises
    ------
    TypeError
        For an object array (it would need pickle).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from gates.io.storage import write_npy
    >>> path = os.path.join(tempfile.mkdtemp(), "reps.npy")
    >>> write_npy(path, np.array([0, 1, 3, 6], dtype=np.uint64))
    >>> np.load(path, allow_pickle=False).tolist()
    [0, 1, 3, 6]
    """
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise TypeError("object arrays would need pickle; refusing")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)


def write_csv(path, header, rows):
    """Write a CSV file (``\\n`` line ends), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its folder is created if needed.
    header : sequence of str
        The first row.
    rows : iterable of sequences
        The data rows.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_text(path, buf.getvalue())


def markdown_table(header, rows):
    """A GitHub Markdown table; numbers right-aligned.

    Python ints get thousands separators; a column of Python ints is
    right-aligned.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequences
        The cells, one sequence per row.

    Returns
    -------
    str
        The table, ending in a newline.

    Examples
    --------
    >>> from gates.io.storage import markdown_table
    >>> print(markdown_table(["n", "threshold functions"], [[3, 104], [4, 1882]]), end="")
    | n | threshold functions |
    | ---: | ---: |
    | 3 | 104 |
    | 4 | 1,882 |
    """
    def cell(v):
        # a Python int (not a bool, not a numpy integer) gets thousands separators
        return f"{v:,}" if isinstance(v, int) and is_int(v) else str(v)

    lines = ["| " + " | ".join(header) + " |"]
    aligns = []
    for j in range(len(header)):
        numeric = rows and all(isinstance(r[j], int) and is_int(r[j]) for r in rows)
        aligns.append("---:" if numeric else "---")
    lines.append("| " + " | ".join(aligns) + " |")
    for r in rows:
        lines.append("| " + " | ".join(cell(v) for v in r) + " |")
    return "\n".join(lines) + "\n"


def package_versions():
    """Versions of Python and of the packages that shape results.

    Returns
    -------
    dict
        ``python``, ``gates``, ``numpy``, ``numba``, ``networkx``: version
        strings (None for a package that is not installed).

    Examples
    --------
    >>> from gates.io.storage import package_versions
    >>> sorted(package_versions())
    ['gates', 'networkx', 'numba', 'numpy', 'python']
    """
    out = {"python": platform.python_version()}
    for name in ("gates", "numpy", "numba", "networkx"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "unknown")
        except ImportError:  # pragma: no cover
            out[name] = None
    return out


def manifest(kind, protocol, files, seed=None, command=None, results=None):
    """The JSON manifest that sits beside every table.

    Parameters
    ----------
    kind : str
        What the table is, e.g. "counts".
    protocol : dict
        Every setting needed to regenerate the table exactly.
    files : list of str
        The files the manifest describes (names relative to its folder).
    seed : int or None
        Root seed; None for deterministic computations.
    command : list of str, optional
        The command line; defaults to ``sys.argv``.
    results : dict, optional
        The headline results, stored under ``results``.

    Returns
    -------
    dict
        ``kind``, ``files``, ``protocol``, ``seed``, ``command``,
        ``versions`` (:func:`package_versions`), ``platform``, ``created``
        (UTC, ISO 8601) and, if given, ``results``.

    Examples
    --------
    >>> from gates.io.storage import manifest
    >>> m = manifest("counts", {"n": 3}, ["counts.csv"], command=["gates", "enumerate", "threshold", "-n", "3"])
    >>> m["command"], list(m)[:5]
    ('gates enumerate threshold -n 3', ['kind', 'files', 'protocol', 'seed', 'command'])
    """
    argv = command if command is not None else sys.argv
    return {
        "kind": kind,
        "files": list(files),
        "protocol": protocol,
        "seed": seed,
        "command": shlex.join(["gates", *argv[1:]] if command is None else list(argv)),
        "versions": package_versions(),
        "platform": {"machine": platform.machine(), "system": platform.system()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **({"results": results} if results is not None else {}),
    }


def write_table(out_dir, stem, header, rows, title, intro, kind, protocol, command=None, seed=None, results=None,
                md_rows=None, md_note="", extra_files=(), md_header=None):
    """Write ``stem.csv``, ``stem.md`` and ``stem.manifest.json`` into `out_dir`.

    The one writer of every table in ``enumerations/``. `md_rows` replaces
    the rows shown in Markdown (e.g. LaTeX cells in $...$, or the top rows
    of a long table, introduced by `md_note`), under `md_header` if given; `extra_files` (already
    written beside it) are listed in the manifest too.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The folder (created if needed).
    stem : str
        The file names' stem.
    header, rows
        The table (:func:`write_csv`, :func:`markdown_table`).
    title, intro : str
        The Markdown heading and the paragraph under it.
    kind, protocol, command, seed, results
        As in :func:`manifest`.
    md_rows, md_note, md_header, extra_files
        See above.

    Returns
    -------
    list of str
        The names written (relative to `out_dir`), the manifest last.

    Examples
    --------
    >>> import tempfile
    >>> from gates.io.storage import write_table
    >>> write_table(tempfile.mkdtemp(), "counts", ["n", "threshold"], [[3, 104]], "Counts", "OEIS A000609.",
    ...             "counts", {"n": [3]}, command=["gates", "tables"])
    ['counts.csv', 'counts.md', 'counts.manifest.json']
    """
    csv_name, md_name = f"{stem}.csv", f"{stem}.md"
    write_csv(os.path.join(out_dir, csv_name), header, rows)
    shown = rows if md_rows is None else md_rows
    write_text(os.path.join(out_dir, md_name),
               f"# {title}\n\n{intro}\n\n" + (f"{md_note}\n\n" if md_note else "") + markdown_table(header if md_header is None else md_header, shown))
    meta = manifest(kind, protocol, [*extra_files, csv_name, md_name], seed=seed, command=command, results=results)
    write_json(os.path.join(out_dir, f"{stem}.manifest.json"), meta)
    return [*extra_files, csv_name, md_name, f"{stem}.manifest.json"]


def manifest_path(path):
    """Where the manifest of a data file goes: ``name.manifest.json`` beside it.

    Parameters
    ----------
    path : str or os.PathLike
        The data file.

    Returns
    -------
    str

    Examples
    --------
    >>> from gates.io.storage import manifest_path
    >>> manifest_path("runs/n4/reps.npy")
    'runs/n4/reps.manifest.json'
    """
    root, _ = os.path.splitext(os.fspath(path))
    return root + ".manifest.json"
