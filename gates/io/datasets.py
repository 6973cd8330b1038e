"""Image data for the single-unit experiments: IDX (MNIST), ``.npy`` and the bundled digits.

Nothing here downloads. Four sources:

* ``"digits"``: the 1797 8x8 handwritten digits that scikit-learn ships
  inside its package (:func:`sklearn.datasets.load_digits` reads them from
  disk), scaled by 1/16 to [0, 1]; needs ``pip install 'gates[images]'``;
* IDX files, the format of MNIST (``train-images-idx3-ubyte`` and
  ``train-labels-idx1-ubyte``, plain or ``.gz``): two zero bytes, a type
  code, the number of dimensions, each dimension as a big-endian uint32,
  then the data, big-endian;
* ``.npy`` arrays, read without pickle;
* ``"segments"``: seven-segment digits drawn on an 8x8 grid with random
  shifts, stroke intensities, blur and noise (:func:`segment_digits`), made
  here from a seed, so the image checks run where scikit-learn is missing.
  They are a stand-in with image-like statistics (non-negative, correlated
  pixels, ten classes), not handwriting.

Real MNIST is not bundled and cannot be fetched here: give its IDX files.

Images come back as float64 rows ``X`` of shape (N, D) (an (N, H, W) stack is
flattened row by row), uint8 pixels scaled by 1/255 to [0, 1]; labels as
int64 (N,).
"""

import gzip
import hashlib
import os

import numpy as np

from gates._validate import check_int
from gates.errors import InputError

__all__ = ["IDX_TYPES", "load_idx", "load_images", "digits", "segment_glyph", "segment_digits", "image_data"]

#: IDX type code -> big-endian numpy dtype (the MNIST file format).
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    """The file's bytes, gunzipped when it is gzip (by content, not by name)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"{path!r}: no such file")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw[:2] == _GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path!r}: cannot read ({exc})") from None
    return raw


def load_idx(path):
    """Read an IDX file (the MNIST format), plain or gzipped.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip is recognised by its content, whatever the name.

    Returns
    -------
    numpy.ndarray
        Native-endian array of the stored shape and type (uint8, int8,
        int16, int32, float32 or float64).

    Raises
    ------
    InputError
        A missing file, a header that does not start with two zero bytes,
        an unknown type code, or a data size that does not match the
        dimensions.

    Examples
    --------
    >>> import os, struct, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> with open(path, "wb") as fh:
    ...     _ = fh.write(bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3) + bytes(range(6)))
    >>> load_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    name = os.fspath(path)
    raw = _read_bytes(name)
    if len(raw) < 4:
        raise InputError(f"{name!r}: {len(raw)} bytes, too short for an IDX header (4 bytes at least)")
    if raw[0] != 0 or raw[1] != 0:
        raise InputError(f"{name!r}: bad IDX magic {raw[:4].hex()} (must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        allowed = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise InputError(f"{name!r}: unknown IDX type code 0x{code:02X} (allowed {allowed})")
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise InputError(f"{name!r}: truncated IDX header ({len(raw)} bytes, {head} needed for {ndim} dimensions)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    want = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - head != want:
        raise InputError(f"{name!r}: IDX data has {len(raw) - head} bytes, dimensions {dims} of "
                         f"{dtype.name} need {want}")
    data = np.frombuffer(raw, dtype=dtype, offset=head).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def _load_array(path, what):
    name = os.fspath(path)
    if name.lower().endswith(".npy"):
        if not os.path.isfile(name):
            raise InputError(f"{name!r}: no such file")
        try:
            return np.load(name, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"{name!r}: cannot read {what} as a .npy array without pickle ({exc})") from None
    return load_idx(name)


def load_images(images, labels=None):
    """Images (and labels) from IDX or ``.npy`` files, as float64 rows.

    Parameters
    ----------
    images : str or os.PathLike
        IDX (``.idx``, ``.idx3-ubyte``, ``.gz``, any name not ending in
        ``.npy``) or ``.npy``; shape (N, H, W) or (N, D), numeric.
    labels : str or os.PathLike, optional
        IDX or ``.npy`` of shape (N,), integer valued.

    Returns
    -------
    X : numpy.ndarray
        float64 (N, D), C-contiguous; uint8 pixels are divided by 255.
    y : numpy.ndarray or None
        int64 (N,).

    Raises
    ------
    InputError
        Unreadable files, wrong shapes, non-finite or complex values,
        non-integer labels, or a label count different from N.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> np.save(os.path.join(folder, "x.npy"), np.array([[[0, 255]], [[51, 0]]], dtype=np.uint8))
    >>> np.save(os.path.join(folder, "y.npy"), np.array([3, 7]))
    >>> X, y = load_images(os.path.join(folder, "x.npy"), os.path.join(folder, "y.npy"))
    >>> X, y
    (array([[0. , 1. ],
           [0.2, 0. ]]), array([3, 7]))
    """
    X, y, _ = _load_images(images, labels)
    return X, y


def _load_images(images, labels):
    """:func:`load_images`, plus the stored shape of one image."""
    name = os.fspath(images)
    raw = _load_array(name, "images")
    if raw.ndim not in (2, 3) or raw.shape[0] < 1 or raw.size == 0:
        raise InputError(f"{name!r}: images must have shape (N, H, W) or (N, D) with N >= 1, got {raw.shape}")
    if raw.dtype.kind not in "uif":
        raise InputError(f"{name!r}: images must be numeric (integers or floats), got dtype {raw.dtype}")
    X = raw.reshape(raw.shape[0], -1).astype(np.float64)
    if raw.dtype == np.uint8:
        X /= 255.0
    if not np.isfinite(X).all():
        raise InputError(f"{name!r}: images hold NaN or infinite values")
    X = np.ascontiguousarray(X)
    if labels is None:
        return X, None, raw.shape[1:]
    lname = os.fspath(labels)
    lab = _load_array(lname, "labels")
    if lab.ndim != 1:
        raise InputError(f"{lname!r}: labels must have shape (N,), got {lab.shape}")
    if lab.dtype.kind not in "uif" or (lab.dtype.kind == "f" and not (np.isfinite(lab).all()
                                                                       and (lab == np.round(lab)).all())):
        raise InputError(f"{lname!r}: labels must be integers, got dtype {lab.dtype}")
    if len(lab) != len(X):
        raise InputError(f"{lname!r}: {len(lab)} labels for {len(X)} images in {name!r}")
    return X, np.ascontiguousarray(lab.astype(np.int64)), raw.shape[1:]


def digits():
    """The 8x8 handwritten digits bundled with scikit-learn, scaled to [0, 1].

    scikit-learn reads them from its own package folder: no download.

    Returns
    -------
    X : numpy.ndarray
        float64 (1797, 64), pixel intensities 0..16 divided by 16.
    y : numpy.ndarray
        int64 (1797,), the digits 0..9.

    Raises
    ------
    InputError
        When scikit-learn is not installed (``pip install 'gates[images]'``).

    See Also
    --------
    segment_digits : a seeded stand-in that needs nothing beyond numpy.

    Examples
    --------
    With scikit-learn, 1797 images of 64 pixels; without it, the same code
    falls back on the seven-segment stand-in of the same layout:

    >>> from gates.errors import InputError
    >>> try:
    ...     X, y = digits()
    ... except InputError:                     # scikit-learn is not installed
    ...     X, y = segment_digits(per_digit=10)
    >>> X.shape[1], bool(X.min() >= 0 and X.max() <= 1), sorted(set(y.tolist())) == list(range(10))
    (64, True, True)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InputError("the 'digits' data need scikit-learn: pip install 'gates[images]' "
                         "(or give MNIST IDX / .npy files)") from None
    bunch = load_digits()
    X = np.ascontiguousarray(np.asarray(bunch.data, dtype=np.float64) / 16.0)
    return X, np.ascontiguousarray(np.asarray(bunch.target, dtype=np.int64))


#: The seven segments lit for each digit (a top, b upper right, c lower
#: right, d bottom, e lower left, f upper left, g middle).
SEGMENTS = ("abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg", "abcdfg")


def segment_glyph(digit):
    """The 8x8 seven-segment glyph of a digit: rows 1, 3, 6 and columns 2, 5 of the grid.

    Parameters
    ----------
    digit : int
        The digit, 0..9.

    Returns
    -------
    ndarray of float64, shape (8, 8)
        1.0 on the lit segments (:data:`SEGMENTS`), 0.0 elsewhere.

    Examples
    --------
    >>> from gates.io.datasets import segment_glyph
    >>> for row in segment_glyph(7):            # segments a, b, c
    ...     print("".join(str(int(v)) for v in row))
    00000000
    00111100
    00000100
    00000100
    00000100
    00000100
    00000100
    00000000
    """
    g = np.zeros((8, 8))
    top, mid, bot, left, right = 1, 3, 6, 2, 5
    strokes = {"a": (top, slice(left, right + 1)), "g": (mid, slice(left, right + 1)),
               "d": (bot, slice(left, right + 1)), "f": (slice(top, mid + 1), left),
               "b": (slice(top, mid + 1), right), "e": (slice(mid, bot + 1), left),
               "c": (slice(mid, bot + 1), right)}
    for seg in SEGMENTS[digit]:
        g[strokes[seg]] = 1.0
    return g


def segment_digits(per_digit=100, seed=0):
    """Seven-segment digits 0..9 on an 8x8 grid, a seeded stand-in for handwriting.

    Each image is the digit's glyph (:data:`SEGMENTS`) shifted by -1, 0 or 1
    pixel each way, scaled by a stroke intensity U(0.6, 1), blurred toward
    its 4-neighbour mean by a weight U(0, 0.5), plus N(0, 0.05^2) noise,
    clipped to [0, 1]. Examples are grouped by digit (0 first).

    Parameters
    ----------
    per_digit : int
        Images of each digit (>= 1).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator, default 0
        The source of the shifts, intensities, blur and noise.

    Returns
    -------
    X : numpy.ndarray
        float64 (10 * per_digit, 64), in [0, 1].
    y : numpy.ndarray
        int64 (10 * per_digit,).

    Raises
    ------
    InputError
        `per_digit` not an integer >= 1.

    Examples
    --------
    >>> X, y = segment_digits(per_digit=3, seed=1)
    >>> X.shape, y[:4].tolist(), bool(X.min() >= 0 and X.max() <= 1)
    ((30, 64), [0, 0, 0, 1], True)
    """
    check_int(per_digit, "per_digit", lo=1)
    rng = np.random.default_rng(seed)
    n = 10 * int(per_digit)
    y = np.repeat(np.arange(10, dtype=np.int64), per_digit)
    X = np.empty((n, 64))
    glyphs = [segment_glyph(d) for d in range(10)]
    for i, d in enumerate(y):
        g = np.roll(glyphs[d], tuple(rng.integers(-1, 2, size=2)), axis=(0, 1)) * rng.uniform(0.6, 1.0)
        p = np.pad(g, 1)
        nb = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
        beta = rng.uniform(0.0, 0.5)
        X[i] = np.clip((1 - beta) * g + beta * nb + rng.normal(0.0, 0.05, (8, 8)), 0.0, 1.0).ravel()
    return np.ascontiguousarray(X), y


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def image_data(source):
    """Images from a named source or from files, with a description for manifests.

    Parameters
    ----------
    source : str
        ``"digits"`` (scikit-learn's bundled 8x8 digits), ``"segments"``
        (:func:`segment_digits`, 100 per digit, seed 0), one image file
        (IDX or ``.npy``), or ``"images,labels"``: two files joined by a comma.

    Returns
    -------
    X : numpy.ndarray
        float64 (N, D) in the units of :func:`load_images` / :func:`digits`.
    y : numpy.ndarray or None
        int64 (N,) labels, None when no label file was given.
    info : dict
        ``source``, ``n`` and ``d``; for files their paths and SHA-256, for
        ``digits`` the scaling and image shape.

    Raises
    ------
    InputError
        An empty source, more than two files, or any error of
        :func:`load_images` / :func:`digits`.

    Examples
    --------
    The seeded stand-in, 100 images of each digit:

    >>> from gates.io.datasets import image_data
    >>> X, y, info = image_data("segments")
    >>> info["source"], info["n"], info["d"], info["image_shape"]
    ('segments', 1000, 64, [8, 8])

    Files: two 1x2 images in IDX (the MNIST format) and their labels in
    ``.npy``, recorded with their SHA-256:

    >>> import os, struct, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> images, labels = os.path.join(folder, "x-idx3-ubyte"), os.path.join(folder, "y.npy")
    >>> with open(images, "wb") as fh:
    ...     _ = fh.write(bytes([0, 0, 0x08, 3]) + struct.pack(">III", 2, 1, 2) + bytes([0, 255, 255, 0]))
    >>> np.save(labels, np.array([1, 0]))
    >>> X, y, info = image_data(f"{images},{labels}")
    >>> X.tolist(), y.tolist(), info["image_shape"], len(info["images_sha256"])
    ([[0.0, 1.0], [1.0, 0.0]], [1, 0], [1, 2], 64)
    """
    if not isinstance(source, (str, os.PathLike)) or not os.fspath(source).strip():
        raise InputError(f"image source {source!r} is not allowed: use 'digits', 'segments', a file, or "
                         "'images,labels'")
    text = os.fspath(source).strip()
    if text == "digits":
        X, y = digits()
        info = {"source": "digits", "origin": "sklearn.datasets.load_digits (bundled with scikit-learn)",
                "scale": "pixels 0..16 divided by 16", "image_shape": [8, 8]}
    elif text == "segments":
        X, y = segment_digits()
        info = {"source": "segments", "origin": "gates.io.datasets.segment_digits(per_digit=100, seed=0): "
                "seven-segment stand-in, not handwriting", "scale": "[0, 1]", "image_shape": [8, 8]}
    else:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) > 2 or not all(parts):
            raise InputError(f"image source {text!r} is not allowed: give one file or 'images,labels'")
        X, y, shape = _load_images(parts[0], parts[1] if len(parts) == 2 else None)
        info = {"source": "files", "images": parts[0], "images_sha256": _sha256(parts[0]),
                "scale": "uint8 pixels divided by 255; other types as stored"}
        if len(parts) == 2:
            info.update(labels=parts[1], labels_sha256=_sha256(parts[1]))
        info["image_shape"] = [int(s) for s in shape]
    info.update(n=int(X.shape[0]), d=int(X.shape[1]))
    return X, y, info
