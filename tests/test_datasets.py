"""Image data (gates.io.datasets) against files built by the pure-Python IDX writer.

naive.idx_bytes writes the header and every entry with struct, big-endian,
so a round trip checks the reader's header parsing, byte order and types
against an independent encoder; the expected arrays are the Python lists the
files were built from.
"""

import gzip
import os
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.io.datasets import IDX_TYPES, SEGMENTS, digits, image_data, load_idx, load_images, segment_digits
from gates.errors import InputError

from . import naive
from .strategies import examples

# a few values of each type, including the extremes, to catch sign and byte-order slips
VALUES = {
    0x08: [0, 1, 127, 128, 255, 7],
    0x09: [-128, -1, 0, 1, 127, 42],
    0x0B: [-32768, -1, 0, 1, 32767, 258],
    0x0C: [-(2**31), -1, 0, 1, 2**31 - 1, 65536 + 3],
    0x0D: [-1.5, 0.0, 0.25, 3.0e8, -7.125, 1.0],
    0x0E: [-1.5e300, 0.0, 0.1, 1.0 / 3.0, -7.125, 2.0**-1000],
}


def put(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_naive_writer_by_hand():
    # the header of MNIST's train-labels-idx1-ubyte: 60000 = 0xEA60 labels
    assert naive.idx_bytes([], (60000,), 0x08)[:8] == bytes.fromhex("00000801 0000ea60")
    assert naive.idx_bytes([-2], (1,), 0x0B) == bytes.fromhex("00000b01 00000001 fffe")
    assert naive.idx_bytes([1.0], (1,), 0x0E)[-8:] == bytes.fromhex("3ff0000000000000")


@pytest.mark.parametrize("code", sorted(VALUES))
@pytest.mark.parametrize("shape", [(6,), (2, 3), (3, 1, 2)])
def test_idx_round_trip_every_type(tmp_path, code, shape):
    vals = VALUES[code]
    path = put(tmp_path, "a.idx", naive.idx_bytes(vals, shape, code))
    a = load_idx(path)
    assert a.shape == shape
    assert a.dtype == IDX_TYPES[code].newbyteorder("=")
    assert a.dtype.isnative
    # float32 entries were rounded by struct too, so compare with its round trip
    want = [struct.unpack(">f", struct.pack(">f", v))[0] for v in vals] if code == 0x0D else vals
    assert a.ravel().tolist() == want


@pytest.mark.parametrize("name", ["a.idx.gz", "a.idx"])
def test_idx_gzip_by_content(tmp_path, name):
    raw = naive.idx_bytes(list(range(12)), (3, 4), 0x08)
    path = put(tmp_path, name, gzip.compress(raw))
    assert load_idx(path).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


@given(st.lists(st.integers(0, 255), min_size=1, max_size=40), st.integers(1, 4))
@examples(50)
def test_idx_uint8_images_scaled(tmp_path_factory, flat, width):
    flat = flat[: len(flat) // width * width] or [flat[0]] * width
    rows = len(flat) // width
    folder = tmp_path_factory.mktemp("idx")
    ipath = put(folder, "img.idx3-ubyte", naive.idx_bytes(flat, (rows, 1, width), 0x08))
    lpath = put(folder, "lab.idx1-ubyte", naive.idx_bytes(list(range(rows)), (rows,), 0x08))
    X, y = load_images(ipath, lpath)
    assert X.dtype == np.float64 and X.flags.c_contiguous and X.shape == (rows, width)
    assert X.ravel().tolist() == [v / 255 for v in flat]
    assert y.dtype == np.int64 and y.tolist() == list(range(rows))


def test_images_npy_and_float_idx(tmp_path):
    np.save(tmp_path / "x.npy", np.array([[[0, 51], [102, 255]]], dtype=np.uint8))
    np.save(tmp_path / "y.npy", np.array([4]))
    X, y = load_images(tmp_path / "x.npy", tmp_path / "y.npy")
    assert X.tolist() == [[0.0, 0.2, 0.4, 1.0]] and y.tolist() == [4]
    # floats are kept as stored (no 1/255)
    path = put(tmp_path, "f.idx", naive.idx_bytes([0.5, 2.0, -1.0, 4.0], (2, 2), 0x0E))
    X, y = load_images(path)
    assert X.tolist() == [[0.5, 2.0], [-1.0, 4.0]] and y is None
    np.save(tmp_path / "z.npy", np.array([[1, 2], [3, 4]], dtype=np.int16))
    assert load_images(tmp_path / "z.npy")[0].tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_image_data_files(tmp_path):
    ipath = put(tmp_path, "i.idx", naive.idx_bytes(list(range(24)), (2, 3, 4), 0x08))
    lpath = put(tmp_path, "l.idx", naive.idx_bytes([1, 9], (2,), 0x08))
    X, y, info = image_data(f"{ipath},{lpath}")
    assert X.shape == (2, 12) and y.tolist() == [1, 9]
    assert info["n"] == 2 and info["d"] == 12 and info["image_shape"] == [3, 4]
    assert info["images"] == ipath and info["labels"] == lpath and len(info["images_sha256"]) == 64
    X1, y1, info1 = image_data(ipath)
    assert y1 is None and np.array_equal(X1, X) and "labels" not in info1


@pytest.mark.parametrize("data, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "bad IDX magic"),
    (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x0A"),
    (b"\x00\x00\x08", "too short"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated IDX header"),
    (naive.idx_bytes([1, 2, 3, 4], (2, 2), 0x08)[:-1], "IDX data has 3 bytes"),
    (naive.idx_bytes([1, 2, 3, 4], (2, 2), 0x08) + b"\x00", "IDX data has 5 bytes"),
    (naive.idx_bytes([1, 2, 3], (3,), 0x0C)[:-2], "need 12"),
])
def test_idx_errors(tmp_path, data, message):
    path = put(tmp_path, "bad.idx", data)
    with pytest.raises(InputError, match=message) as info:
        load_idx(path)
    assert "bad.idx" in str(info.value) and "\n" not in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_idx(tmp_path / "missing.idx")
    with pytest.raises(InputError, match="no such file"):
        load_images(tmp_path / "missing.npy")
    put(tmp_path, "broken.gz", gzip.compress(naive.idx_bytes([1, 2], (2,), 0x08))[:-6])
    with pytest.raises(InputError, match="broken.gz"):
        load_idx(tmp_path / "broken.gz")
    ipath = put(tmp_path, "i.idx", naive.idx_bytes(list(range(6)), (3, 2), 0x08))
    lpath = put(tmp_path, "l.idx", naive.idx_bytes([1, 2], (2,), 0x08))
    with pytest.raises(InputError, match="2 labels for 3 images"):
        load_images(ipath, lpath)
    one = put(tmp_path, "v.idx", naive.idx_bytes([1, 2], (2,), 0x08))
    with pytest.raises(InputError, match=r"shape \(N, H, W\) or \(N, D\)"):
        load_images(one)
    np.save(tmp_path / "lab2.npy", np.zeros((3, 1), dtype=np.int64))
    with pytest.raises(InputError, match="labels must have shape"):
        load_images(ipath, tmp_path / "lab2.npy")
    np.save(tmp_path / "labf.npy", np.array([0.5, 1.0, 2.0]))
    with pytest.raises(InputError, match="labels must be integers"):
        load_images(ipath, tmp_path / "labf.npy")
    np.save(tmp_path / "obj.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="without pickle"):
        load_images(tmp_path / "obj.npy")
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="NaN"):
        load_images(tmp_path / "nan.npy")
    for bad in ("", "a,b,c", ",x", 3):
        with pytest.raises(InputError, match="image source"):
            image_data(bad)


def test_digits_bundled():
    pytest.importorskip("sklearn")
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and X.flags.c_contiguous
    assert X.min() == 0.0 and X.max() == 1.0
    # the raw pixels are integers 0..16
    assert np.array_equal(X * 16, np.round(X * 16))
    assert y.dtype == np.int64 and sorted(set(y.tolist())) == list(range(10))
    X2, y2, info = image_data("digits")
    assert np.array_equal(X2, X) and np.array_equal(y2, y)
    assert info["source"] == "digits" and info["n"] == 1797 and info["d"] == 64 and info["image_shape"] == [8, 8]


def test_digits_without_sklearn(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(InputError, match=r"pip install 'gates\[images\]'"):
        digits()
    with pytest.raises(InputError, match="scikit-learn"):
        image_data("digits")


def test_segment_glyphs():
    from gates.io.datasets import segment_glyph

    # seven-segment lit counts: 8 lights all seven, 1 two, 7 three
    assert [len(SEGMENTS[d]) for d in (8, 1, 7)] == [7, 2, 3]
    eight, one = segment_glyph(8), segment_glyph(1)
    assert one[1:7, 5].tolist() == [1.0] * 6 and one.sum() == 6  # the right column, rows 1..6
    # 8: three bars of 4 pixels and two columns of 6, meeting at 6 pixels; holes between
    assert eight.sum() == 3 * 4 + 2 * 6 - 6 and eight[2, 3] == 0 and eight[4, 3] == 0
    for d in range(10):  # every glyph is inside the frame, so a shift of one pixel never wraps
        g = segment_glyph(d)
        assert g[0].sum() == g[7].sum() == g[:, :2].sum() == g[:, 6:].sum() == 0


def test_segment_digits():
    X, y = segment_digits(per_digit=20, seed=3)
    assert X.shape == (200, 64) and X.dtype == np.float64 and X.flags.c_contiguous
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert y.tolist() == sorted(y.tolist()) and np.bincount(y).tolist() == [20] * 10
    X2, y2 = segment_digits(per_digit=20, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, segment_digits(per_digit=20, seed=4)[0])
    # class means look like their glyphs: 1's column (spread over columns 4..6 by the shifts) against column 2
    one = X[y == 1].mean(axis=0).reshape(8, 8)
    assert one[2:6, 5].mean() > 0.15 > 0.05 > one[2:6, 2].mean()
    Xs, ys, info = image_data("segments")
    assert Xs.shape == (1000, 64) and info["source"] == "segments" and info["image_shape"] == [8, 8]
    for bad in (0, 2.5, True):
        with pytest.raises(InputError, match="per_digit"):
            segment_digits(per_digit=bad)


def test_module_needs_no_sklearn():
    """Importing gates.io.datasets must not import scikit-learn (CI does not have it)."""
    import subprocess
    import sys

    code = "import sys, gates.io.datasets, gates.studies.single_unit; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)), check=True)
    assert out.stdout.strip() == "False"
