"""The enumeration study: count, list or classify a family, and the counts table.

:func:`enumerate_family` is the one implementation behind ``gates enumerate``,
``gates tables`` and (later) batch jobs; :func:`write_enumeration` writes its
result atomically with a manifest; :func:`counts_table` regenerates the table
of family sizes and class counts, each beside its OEIS value.
"""

import json
import os
import time
from dataclasses import dataclass, field

import numpy as np

from gates._validate import check_choice
from gates.errors import InputError
from gates.boolean.families import (
    all_functions,
    check_classes,
    check_family,
    classes,
    count_functions,
    monotone_functions,
    threshold_functions,
)
from gates.io.storage import manifest, manifest_path, write_json, write_npy, write_table, write_text
from gates.boolean.threshold_classes import CLASSES_MAX_N, np_class_parents
from gates.boolean.truth import check_n, num_words, to_hex, to_int

__all__ = [
    "Enumeration",
    "enumerate_family",
    "describe_function",
    "write_enumeration",
    "OEIS",
    "DEFAULT_COUNTS_SPEC",
    "counts_table",
    "write_counts_table",
]

# Reference values from the OEIS, used only as the comparison column of the
# counts table: (sequence, values for n = 0, 1, 2, ...).
OEIS = {
    ("all", "p"): ("A000585", [2, 4, 12, 80, 3984, 37333248]),
    ("all", "np"): ("", None),
    ("all", "npn"): ("A000370", [1, 2, 4, 14, 222, 616126]),
    ("monotone", None): ("A000372", [2, 3, 6, 20, 168, 7581, 7828354]),
    ("monotone", "p"): ("A003182", [2, 3, 5, 10, 30, 210, 16353]),
    ("threshold", None): (
        "A000609",
        [2, 4, 14, 104, 1882, 94572, 15028134, 8378070864, 17561539552946],
    ),
    ("threshold", "np"): ("A000617", [2, 3, 5, 10, 27, 119, 1113, 29375, 2730166]),
    # cumulative sums of A001530 (NPN classes of exactly n variables)
    ("threshold", "npn"): ("A001530 (cumulative)", [1, 2, 3, 6, 15, 63, 567, 14755, 1366318]),
}


@dataclass
class Enumeration:
    """Result of :func:`enumerate_family`: ``to_dict()`` is what ``gates enumerate --json`` prints.

    Parameters
    ----------
    family : str
        ``all``, ``monotone`` or ``threshold``.
    n : int
        Number of inputs.
    classes : str or None
        The symmetry group (``p``, ``np``, ``npn``), or None.
    functions : int
        Size of the family (the sum of orbit sizes when classes were formed).
    num_classes : int or None
        Number of classes.
    tables : ndarray of uint64, shape (F, W), or None
        The functions or class representatives (kitty convention); None with
        ``count_only``.
    orbit_sizes : ndarray of int64 or None
        Each class's orbit size.
    weights, bias : ndarray of int32 or None
        A verified realisation of each threshold table: f(x) = 1 iff
        weights . x + bias > 0 (0/1 inputs), never = 0.
    representative : str or None
        ``orbit-min`` or ``positive-ordered``.
    method : str
        How the count was obtained.
    seconds : float
        Wall time.
    extra : dict
        Further JSON keys.

    Examples
    --------
    >>> r = enumerate_family("threshold", 3, "npn")
    >>> r.to_dict()["classes"], r.summary().split("  [")[0]
    (6, 'threshold functions of n=3: 104 in 6 NPN classes (positive-ordered representatives)')
    """

    family: str
    n: int
    classes: str = None
    functions: int = 0
    num_classes: int = None
    tables: np.ndarray = None
    orbit_sizes: np.ndarray = None
    weights: np.ndarray = None
    bias: np.ndarray = None
    representative: str = None
    method: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_dict(self):
        """A new dict of plain JSON values: what ``gates enumerate --json`` prints.

        Keys: family, n, functions; with classes also classes (their number),
        group and representative; method, seconds, and any extras.
        """
        out = {"family": self.family, "n": self.n, "functions": self.functions}
        if self.classes:
            out["classes"] = self.num_classes
            out["group"] = self.classes
            out["representative"] = self.representative
        out["method"] = self.method
        out["seconds"] = round(self.seconds, 4)
        out.update(self.extra)
        return json.loads(json.dumps(out))

    def summary(self):
        """The line ``gates enumerate`` prints without ``--json``."""
        line = f"{self.family} functions of n={self.n}: {self.functions:,}"
        if self.classes:
            line += f" in {self.num_classes:,} {self.classes.upper()} classes ({self.representative} representatives)"
        return line + f"  [{self.method}; {self.seconds:.3f} s]"


def enumerate_family(family, n, classes_=None, count_only=False, progress=None):
    """Count, list or classify the functions of a family.

    The single implementation behind ``gates enumerate`` and the counts table.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
        Which functions.
    n : int
        Number of inputs: listing all functions n <= 4 (5 with ``count_only``
        or classes), monotone n <= 6, threshold n <= 6 (8 over NP/NPN classes).
    classes_ : {None, "none", "p", "np", "npn"}, default None
        Form symmetry classes (input permutations, plus input negations, plus
        output negation); the result lists one representative per class.
    count_only : bool, default False
        Keep only the counts (no tables), e.g. for families too large to list.
    progress : callable, optional
        Called with increments of the work, summing to the total that
        :func:`enumeration_units` declares (functions classified for classes of
        all functions, parent classes extended for threshold NP/NPN classes).

    Returns
    -------
    Enumeration
        ``functions``, ``num_classes``, ``tables``, ``orbit_sizes``,
        ``weights``, ``bias``, ``representative``, ``method``, ``seconds``;
        ``to_dict()`` (keys family, n, functions, classes, group,
        representative, method, seconds) is what ``gates enumerate --json``
        prints, ``summary()`` its line of text.

    Raises
    ------
    InputError, ResourceError
        An unknown family or group, n out of range, an unsupported reduction,
        or output over the memory cap.

    Examples
    --------
    >>> from gates.studies.enumeration import enumerate_family
    >>> r = enumerate_family("threshold", 4, "npn")     # OEIS A000609, A001530 (cumulative)
    >>> r.functions, r.num_classes
    (1882, 15)
    >>> enumerate_family("threshold", 4, "np").num_classes    # OEIS A000617
    27
    >>> enumerate_family("all", 3, "npn").num_classes         # OEIS A000370
    14
    """
    family = check_family(family)
    n = check_n(n, 0, 16, f"{family} functions")
    if classes_ in (None, "none"):
        classes_ = None
    else:
        check_classes(family, classes_, n)
    t0 = time.perf_counter()
    res = Enumeration(family, n, classes_)
    if classes_ is not None:
        reps, sizes, extra = classes(family, n, classes_, progress=progress)
        res.functions = int(sizes.sum(dtype=np.int64))
        res.num_classes = int(reps.shape[0])
        res.representative = extra["representative"]
        res.method = f"{classes_.upper()} classes, summed orbit sizes"
        if not count_only:
            res.tables, res.orbit_sizes = reps, sizes
            res.weights, res.bias = extra.get("weights"), extra.get("bias")
    elif count_only:
        res.functions, res.method = count_functions(family, n)
    else:
        if family == "all":
            res.tables = all_functions(n)
        elif family == "monotone":
            res.tables = monotone_functions(n)
        else:
            res.tables, res.weights, res.bias = threshold_functions(n, progress=progress)
        res.functions = int(res.tables.shape[0])
        res.method = "listed"
    res.seconds = time.perf_counter() - t0
    return res


def describe_function(table, n, family="threshold", group=None):
    """Membership (with certificate) and class of one function, as a JSON-ready dict.

    What ``gates enumerate FAMILY -n N --function HEX [--classes G] --json`` prints.

    Parameters
    ----------
    table : str or int
        The function, e.g. a kitty hex string (bit p is f(x), x_i = bit i of p).
    n : int
        Number of inputs (threshold: up to the exact test's limit).
    family : {"all", "monotone", "threshold"}, default "threshold"
        The family to test membership of.
    group : {None, "none", "p", "np", "npn"}, default None
        Also report the class representative, orbit size and the transform
        reaching the representative (``rep == transform(f, perm, flips, negate)``).

    Returns
    -------
    dict
        ``family``, ``n``, ``function`` (hex), ``member``; for threshold
        ``weights``, ``bias`` and ``realisation`` (a member) or ``witness``
        (true and false points whose convex hulls meet); with `group`,
        ``group``, ``representative``, ``representative_kind``,
        ``orbit_size`` and ``transform``.

    Raises
    ------
    InputError
        An unknown family or group, n out of range, more than one function,
        or classes asked of a function outside the family.

    Notes
    -----
    Threshold NP/NPN classes use the positive ordered representative, as
    the census does (n <= 12); other classes use the orbit minimum (n <= 6).

    Examples
    --------
    >>> d = describe_function("e8", 3)      # majority of 3: 2 x0 + 2 x1 + 2 x2 - 3 > 0
    >>> d["member"], d["weights"], d["bias"]
    (True, [2, 2, 2], -3)
    >>> describe_function("6", 2)["member"]             # XOR is not threshold
    False
    >>> describe_function("e8", 3, group="npn")["orbit_size"]   # 2^3 input negations; it is self-dual
    8
    """
    from gates.boolean.symmetry import Transform, canonical_form, orbit_size
    from gates.boolean.threshold import TEST_MAX_N, is_threshold
    from gates.boolean.threshold_classes import positive_ordered_form
    from gates.boolean.truth import as_tables
    from gates.boolean.operations import dual
    from gates.boolean.properties import is_monotone

    family = check_family(family)
    n = check_n(n, 0, TEST_MAX_N if family == "threshold" else 16, f"describing one {family} function")
    arr, single = as_tables(table, n)
    if not single:
        raise InputError("describe one function at a time")
    f = arr[0]
    out = {"family": family, "n": n, "function": to_hex(f, n)}
    if family == "all":
        out["member"] = True
    elif family == "monotone":
        out["member"] = bool(is_monotone(f, n))
    else:
        cert = is_threshold(f, n)
        out["member"] = cert.is_threshold
        if cert.is_threshold:
            out["weights"], out["bias"] = list(cert.weights), cert.bias
            out["realisation"] = "f(x) = 1 iff weights . x + bias > 0 (0/1 inputs), never = 0"
        else:
            out["witness"] = {"true_points": list(cert.witness[0]), "false_points": list(cert.witness[1])}
    if group in (None, "none"):
        return out
    check_classes(family, group, min(n, 5))
    if not out["member"]:
        raise InputError(f"{out['function']} is not a {family} function of n={n}, so it has no {family} class")
    if family == "threshold" and group in ("np", "npn"):
        rep, perm, flips, size = positive_ordered_form(f, n)
        sigma = Transform(perm, flips)
        if group == "npn":
            d = dual(rep, n)
            if to_int(d, n) != to_int(rep, n):
                size *= 2
            if to_int(d, n) < to_int(rep, n):
                rep = d
                sigma = sigma * Transform(tuple(range(n)), (1 << n) - 1, True)
        kind = "positive-ordered"
    else:
        check_n(n, 0, 6, "orbit-min canonical forms")
        rep, sigma = canonical_form(f, n, group)
        size = orbit_size(f, n, group)
        kind = "orbit-min"
    out.update(
        group=group,
        representative=to_hex(rep, n),
        representative_kind=kind,
        orbit_size=int(size),
        transform={"perm": list(sigma.perm), "flips": sigma.flips, "negate": sigma.negate},
    )
    return out


def _protocol(res):
    return {
        "family": res.family,
        "n": res.n,
        "classes": res.classes or "none",
        "representative": res.representative,
        "table_convention": "kitty: bit p = f(x), x_i = bit i of p; hex most significant nibble first",
        "realisation": "f(x) = 1 iff weights . x + bias > 0 with 0/1 inputs, never = 0"
        if res.weights is not None
        else None,
    }


def write_enumeration(res, path, fmt="hex", command=None):
    """Write the tables of an :class:`Enumeration` atomically, with a manifest.

    ``hex``: CSV with columns ``table`` [``orbit_size``] [``weights``,
    ``bias``], tables as kitty hex, weights space-separated. ``npy``: one
    structured array with fields ``table`` (uint64 words), ``orbit_size``,
    ``weights``, ``bias`` as present; load it with ``allow_pickle=False``.
    """
    if res.tables is None:
        raise InputError("nothing to write: the result holds counts only (drop --count)")
    check_choice(fmt, "format", ("hex", "npy"))
    rows = res.tables.shape[0]
    words = num_words(res.n)
    fields = [("table", "<u8", (words,))]
    if res.orbit_sizes is not None:
        fields.append(("orbit_size", "<i8"))
    if res.weights is not None:
        fields += [("weights", "<i4", (res.n,)), ("bias", "<i4")]
    if fmt == "npy":
        arr = np.empty(rows, dtype=fields)
        arr["table"] = res.tables
        if res.orbit_sizes is not None:
            arr["orbit_size"] = res.orbit_sizes
        if res.weights is not None:
            arr["weights"] = res.weights
            arr["bias"] = res.bias
        write_npy(path, arr)
    else:
        header = [f[0] for f in fields]
        cols = [to_hex(res.tables, res.n)]
        if res.orbit_sizes is not None:
            cols.append([str(int(v)) for v in res.orbit_sizes])
        if res.weights is not None:
            cols.append([" ".join(map(str, w)) for w in res.weights.tolist()])
            cols.append([str(int(b)) for b in res.bias])
        lines = [",".join(header)] + [",".join(r) for r in zip(*cols)]
        write_text(path, "\n".join(lines) + "\n")
    meta = manifest(
        "enumeration",
        _protocol(res),
        [os.path.basename(path)],
        command=command,
        results=res.to_dict(),
    )
    write_json(manifest_path(path), meta)


# --------------------------------------------------------------------------
# the counts table
# --------------------------------------------------------------------------

DEFAULT_COUNTS_SPEC = [
    # (family, group, largest n)
    ("all", None, 5),
    ("all", "p", 4),
    ("all", "np", 4),
    ("all", "npn", 5),
    ("monotone", None, 6),
    ("monotone", "p", 6),
    ("threshold", None, 8),
    ("threshold", "p", 6),
    ("threshold", "np", 8),
    ("threshold", "npn", 8),
]

COUNTS_HEADER = [
    "family", "n", "classes", "functions", "num_classes", "reference", "reference_value",
    "agrees", "method",
]


def counts_table(spec=None, progress=None):
    """Rows of the counts table: every (family, classes, n) of `spec`.

    The reference column is the OEIS value for the class count (or for the
    family size when no classes are formed); ``agrees`` compares it with
    what gates computed.
    """
    spec = DEFAULT_COUNTS_SPEC if spec is None else spec
    rows = []
    for family, group, top in spec:
        for n in range(top + 1):
            if group is None and family == "all":
                count, method = count_functions("all", n)
                r = Enumeration(family, n, None, count, method=method)
            else:
                r = enumerate_family(family, n, group, count_only=True)
            ref_name, ref_vals = OEIS.get((family, group), ("", None))
            measured = r.functions if group is None else r.num_classes
            ref = ref_vals[n] if ref_vals is not None and n < len(ref_vals) else None
            rows.append(
                [
                    family, n, group or "none", r.functions,
                    r.num_classes if group else "", ref_name,
                    "" if ref is None else ref,
                    "" if ref is None else ("yes" if ref == measured else "NO"),
                    r.method,
                ]
            )
            if progress is not None:
                progress(1)
    return rows


def write_counts_table(out_dir, spec=None, progress=None, command=None):
    """Write counts.csv, counts.md and counts.manifest.json into `out_dir`."""
    t0 = time.perf_counter()
    rows = counts_table(spec, progress=progress)
    seconds = time.perf_counter() - t0
    spec_used = DEFAULT_COUNTS_SPEC if spec is None else spec
    write_table(
        out_dir,
        "counts",
        COUNTS_HEADER,
        rows,
        "Counts of Boolean, monotone and threshold functions and their classes",
        "Generated by `gates tables`; `reference` is the OEIS sequence the count is\n"
        "checked against (`agrees`). Threshold counts come from the NP-class census\n"
        "(sum of orbit sizes), never from a stored value.",
        "counts",
        {
            "spec": [{"family": f, "classes": g or "none", "max_n": m} for f, g, m in spec_used],
            "table_convention": "kitty: bit p = f(x), x_i = bit i of p",
            "threshold_method": "NP classes from positive ordered pairs, exact certificates",
        },
        command=command,
        results={
            "rows": len(rows),
            "all_agree": all(r[7] != "NO" for r in rows),
            "seconds": round(seconds, 2),
        },
    )
    return rows, seconds


# the file formats of write_enumeration (the CLI's --format)
FORMATS = ("hex", "npy")


def enumeration_units(family, n, classes):
    """The work :func:`enumerate_family` reports to its `progress` callable: ``(total, unit)``, or ``(None, None)``.

    Classes of all functions (n <= 5) count the functions classified: each new
    class reports its orbit size, and walking the orbits is the work, so the
    bar's rate is steady and its total is 2^(2^n). NP (and NPN) classes of
    threshold functions count the classes of n - 1 inputs extended (computed
    here, a second at n = 8). Other requests finish in seconds and show no bar.

    Examples
    --------
    >>> enumeration_units("all", 4, "npn")
    (65536, 'functions')
    >>> enumeration_units("threshold", 4, "np")    # the 15 NP classes of n = 3 (A000617)
    (10, 'classes')
    """
    if family == "all" and 0 <= n <= 5 and classes in ("p", "np", "npn"):
        return 1 << (1 << n), "functions"
    if family == "threshold" and classes in ("np", "npn") and 1 <= n <= CLASSES_MAX_N:
        return np_class_parents(n), "classes"
    return None, None


def counts_spec(quick=False):
    """The rows of the counts table: DEFAULT_COUNTS_SPEC, each family cut at n = 4 when `quick`."""
    if quick:
        return [(f, g, min(m, 4)) for f, g, m in DEFAULT_COUNTS_SPEC]
    return DEFAULT_COUNTS_SPEC
