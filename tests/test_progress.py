"""Progress that tells the truth: the bars of `gates learn` and `gates enumerate` advance in the units of
the work and end at exactly 100%; --no-progress draws nothing; the studies' increments sum to the total
their *_units function declares."""

import pytest
import tqdm as tqdm_module

from gates.boolean.threshold_classes import np_class_parents
from gates.cli.main import main
from gates.learning.protocol import Protocol
from gates.studies.census import census_units, shallow_census
from gates.studies.deep_census import deep_census, deep_census_units
from gates.studies.enumeration import enumerate_family, enumeration_units


class Recorder:
    """A progress callable that keeps its increments."""

    def __init__(self):
        self.steps = []

    def __call__(self, k):
        assert k >= 0
        self.steps.append(int(k))

    @property
    def done(self):
        return sum(self.steps)


@pytest.fixture
def bars(monkeypatch):
    """Every tqdm bar the commands open, recording its updates (the seam: the tqdm package's `tqdm`)."""
    made = []

    class RecordingBar(tqdm_module.tqdm):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.updates = []
            made.append(self)

        def update(self, n=1):
            self.updates.append(n)
            return super().update(n)

    monkeypatch.setattr(tqdm_module, "tqdm", RecordingBar)
    return made


def test_learn_bar_advances_and_ends_at_100(capsys, bars):
    assert main(["learn", "-n", "3", "--restarts", "4", "--progress"]) == 0
    (bar,) = bars
    assert bar.total == 104 and bar.unit == "functions"  # threshold-only: the 104 threshold functions
    assert len(bar.updates) >= 3 and bar.n == bar.total
    assert "learn n=3" in capsys.readouterr().err


def test_learn_two_layers_bar(capsys, bars):
    assert main(["learn", "-n", "3", "--layers", "2", "--restarts", "2", "--epochs", "20", "--progress"]) == 0
    (bar,) = bars
    assert bar.total == 256 and len(bar.updates) >= 2 and bar.n == bar.total


def test_no_progress_draws_nothing(capsys, bars):
    assert main(["learn", "-n", "3", "--restarts", "2", "--no-progress"]) == 0
    assert main(["enumerate", "all", "-n", "3", "--classes", "npn", "--no-progress"]) == 0
    assert bars == [] and capsys.readouterr().err == ""


def test_not_a_terminal_draws_nothing(capsys, bars):
    """Without --progress/--no-progress, a bar shows only on a terminal (pytest's stderr is not one)."""
    assert main(["learn", "-n", "2", "--restarts", "2"]) == 0
    assert bars == [] and capsys.readouterr().err == ""


def test_enumerate_bar_ends_at_100(capsys, bars):
    assert main(["enumerate", "all", "-n", "4", "--classes", "npn", "--progress"]) == 0
    (bar,) = bars
    assert bar.total == 1 << 16 and bar.n == bar.total  # functions classified: every one of 2^(2^4)


@pytest.mark.parametrize("kw", [
    dict(family="all", n=3),
    dict(family="all", n=4, exhaustive=True, protocol=Protocol(restarts=1, epochs=5)),
    dict(family="all", n=3, mode="exact"),
    dict(family="threshold", n=4, classes="np", seeds=2, members=3, protocol=Protocol(restarts=2)),
    dict(family="monotone", n=4, classes="p", protocol=Protocol(restarts=2)),
], ids=["simulate", "exhaustive", "exact", "np-classes-seeds", "p-classes"])
def test_one_gate_increments_sum_to_the_total(kw):
    rec = Recorder()
    total = census_units(rule="hebb", **kw)
    res = shallow_census(rule="hebb", progress=rec, **kw)
    assert rec.done == total
    rows = res.results if hasattr(res, "results") else [res]
    assert total == sum(r.tables.shape[0] for r in rows)  # the rows evaluated, every seed


@pytest.mark.parametrize("kw, expect", [
    (dict(family="all", n=3), 256),                                    # every function of 3 inputs
    (dict(family="all", n=3, seeds=2), 512),
    (dict(family="monotone", n=4, classes="p", members=2), 2 * 30),    # 30 P classes (A003182)
    (dict(family="all", n=3, mode="exact"), 4),                        # restarts
], ids=["functions", "seeds", "p-classes", "exact-restarts"])
def test_two_layers_increments_sum_to_the_total(kw, expect):
    proto = Protocol(restarts=4, epochs=20)
    rec = Recorder()
    total = deep_census_units(rule="gradient", protocol=proto, **kw)
    deep_census(rule="gradient", protocol=proto, progress=rec, **kw)
    assert total == expect and rec.done == total


@pytest.mark.parametrize("family, n, group, expect", [
    ("all", 4, "npn", 1 << 16),
    ("all", 4, "p", 1 << 16),
    ("all", 3, "np", 1 << 8),
    ("threshold", 5, "np", 27),   # grown from the 27 NP classes of n = 4 (A000617)
    ("threshold", 5, "npn", 27),
])
def test_enumeration_increments_sum_to_the_total(family, n, group, expect):
    rec = Recorder()
    total, _ = enumeration_units(family, n, group)
    enumerate_family(family, n, group, progress=rec)
    assert total == expect and rec.done == total
    if family == "threshold":
        assert np_class_parents(n) == expect


def test_listing_classes_has_its_own_bar(capsys, bars):
    """Two layers over the NPN classes of all functions of 4 inputs: a bar for listing the 222 classes
    (OEIS A000370; it counts the 2^16 functions classified), then one for the 2 x 222 members trained."""
    argv = ["learn", "-n", "4", "--layers", "2", "--classes", "npn", "--restarts", "2", "--epochs", "10",
            "--progress"]
    assert main(argv) == 0
    listing, training = bars
    assert (listing.total, listing.n, listing.unit) == (1 << 16, 1 << 16, "functions")
    assert (training.total, training.n, training.unit) == (2 * 222, 2 * 222, "members")


def test_chunked_runs_give_the_same_results():
    """With a progress callable the rows run in mixed-order chunks; every row's result is unchanged."""
    import numpy as np

    proto = Protocol(restarts=3, epochs=30)
    kw = dict(exhaustive=True, protocol=proto)
    a = shallow_census("all", 4, "hebb", **kw)
    b = shallow_census("all", 4, "hebb", progress=Recorder(), **kw)
    assert np.array_equal(a.successes, b.successes) and a.learnable == b.learnable
    a = deep_census("all", 3, "gradient", protocol=proto)
    b = deep_census("all", 3, "gradient", protocol=proto, progress=Recorder())
    assert np.array_equal(a.successes, b.successes) and a.to_dict()["learnable"] == b.to_dict()["learnable"]
    a = shallow_census("threshold", 5, "oja", mode="exact")
    b = shallow_census("threshold", 5, "oja", mode="exact", progress=Recorder())
    assert np.array_equal(a.successes, b.successes)
