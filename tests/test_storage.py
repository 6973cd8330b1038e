"""Atomic writes, no pickle, manifests."""

import json

import numpy as np
import pytest

from gates.io.storage import atomic_path, manifest, manifest_path, markdown_table, write_csv, write_json, write_npy


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with open(tmp, "w") as fh:
                fh.write("partial")
            raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_existing_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            open(tmp, "w").write("new")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    with atomic_path(target) as tmp:
        open(tmp, "w").write("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_npy_round_trip_without_pickle(tmp_path):
    arr = np.zeros(3, dtype=[("table", "<u8", (2,)), ("orbit_size", "<i8")])
    arr["table"][1] = [5, 7]
    arr["orbit_size"] = [1, 2, 3]
    write_npy(tmp_path / "a.npy", arr)
    back = np.load(tmp_path / "a.npy", allow_pickle=False)
    assert back.dtype == arr.dtype and (back == arr).all()
    with pytest.raises(TypeError):
        write_npy(tmp_path / "b.npy", np.array([{"x": 1}], dtype=object))
    assert not (tmp_path / "b.npy").exists()


def test_csv_json_markdown(tmp_path):
    write_csv(tmp_path / "t.csv", ["a", "b"], [[1, "x"], [2, "y"]])
    assert (tmp_path / "t.csv").read_text() == "a,b\n1,x\n2,y\n"
    write_json(tmp_path / "t.json", {"k": np.int64(3), "v": np.arange(2)})
    assert json.loads((tmp_path / "t.json").read_text()) == {"k": 3, "v": [0, 1]}
    md = markdown_table(["n", "name"], [[1000, "a"]])
    assert md.splitlines() == ["| n | name |", "| ---: | --- |", "| 1,000 | a |"]


def test_manifest_fields():
    m = manifest("counts", {"x": 1}, ["t.csv"], seed=7, command=["gates", "tables"])
    assert m["kind"] == "counts" and m["seed"] == 7 and m["command"] == "gates tables"
    assert m["versions"]["numpy"] == np.__version__ and "numba" in m["versions"]
    assert manifest_path("dir/t.csv") == "dir/t.manifest.json"


def test_outputs_get_the_usual_mode_not_mkstemp_private(tmp_path):
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    write_json(tmp_path / "a.json", {"x": 1})
    assert (os.stat(tmp_path / "a.json").st_mode & 0o777) == 0o666 & ~mask
