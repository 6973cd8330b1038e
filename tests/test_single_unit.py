"""Single-unit experiments (gates.studies.single_unit, gates.verify.single_unit) against pure-Python references.

* The cosine condition is recomputed by plain loops (naive.hebb_condition);
  integer inputs make every margin exact, so holds / pairwise must be equal.
* The canonical-form theorem is checked on its own terms: the naive
  clamped-Hebb trainer (naive.clamped_hebb_gate) learns a random set iff the
  naive condition holds, on hundreds of sets whose margins are large enough
  that w_0 cannot decide (eta*epochs*|c_k . C| > |w_0| |c_k| >= |w_0 . c_k|).
* supervised_hebb is compared with the naive trainer started from the same
  w_0 (the clamped update does not read w, so the order does not matter).
* The paper's datasets: the identity without bias is learnt for every target
  vector (exhaustive); with the bias, the learnable fraction is counted over
  all 2^P target vectors and compared with a combinatorial formula written
  here; the near-orthogonal +-1 sets are separable by an LP (scipy linprog).
* Hebb on a linear unit is compared with a power-iteration eigenvector, and
  the Riccati curves with a Runge-Kutta integration and moments by loops.
"""

import csv
import json
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import examples
from gates.errors import InputError
from gates.studies.single_unit.hebb_datasets import HEBB_BIAS, HEBB_KINDS, hebb_dataset, orthogonal_bias_prediction
from gates.studies.single_unit.supervised_hebb import (
    hebb_condition,
    supervised_hebb,
    supervised_hebb_study,
    write_supervised_hebb,
)
from gates.verify.single_unit import check_supervised_hebb

from . import naive


def lists(X):
    return np.asarray(X, dtype=np.float64).tolist()


def angle_deg(u, v):
    cos = naive.dot(u, v) / math.sqrt(naive.dot(u, u) * naive.dot(v, v))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def test_naive_references_by_hand():
    # XOR is not separable; AND is
    assert not naive.perceptron_separates([[0, 0], [0, 1], [1, 0], [1, 1]], [-1, 1, 1, -1], epochs=200)
    assert naive.perceptron_separates([[0, 0], [0, 1], [1, 0], [1, 1]], [-1, -1, -1, 1])
    # two epochs of dw = eta t x~ from 0 on one example: w = 2 eta t x~
    assert naive.clamped_hebb_gate([[1.0, -2.0]], [-1], [0, 0, 0], 2, 0.5) == ([-1.0, 2.0, -1.0], True)
    assert naive.riccati_rk4(1.0, 0.0, -1.0, 0.0, 1.5) == pytest.approx(math.tanh(1.5), abs=1e-12)
    assert naive.riccati_rk4(0.0, -1.0, 0.0, 2.0, 1.0) == pytest.approx(2 * math.exp(-1), abs=1e-12)
    v = naive.principal_eigenvector([[3.0, 0.0], [0.0, 1.0], [-3.0, 0.0]])
    assert abs(v[0]) == pytest.approx(1.0, abs=1e-9)
    holds, m, cos, pairwise, margins = naive.hebb_condition([[1, 0], [0, 1]], [1, 1], bias=False)
    assert (holds, m, pairwise, margins) == (True, 1, False, [1, 1]) and cos == pytest.approx(math.sqrt(0.5))


# --------------------------------------------------------------------------
# datasets
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 4, 9])
def test_orthogonal_is_identity(n):
    for seed in range(5):
        X, t = hebb_dataset("orthogonal", n, n, seed)
        assert X.tolist() == [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
        assert set(t.tolist()) <= {-1.0, 1.0} and t.shape == (n,)
        # the same data; the bias belongs to the gate
        Xb, tb = hebb_dataset("orthogonal-bias", n, n, seed)
        assert np.array_equal(X, Xb) and np.array_equal(t, tb)
    # the paper's orthogonal set has no bias input; its second row has one
    assert HEBB_BIAS == {"near-orthogonal": False, "orthogonal": False, "orthogonal-bias": True,
                         "common-orthant": True}
    X, _ = hebb_dataset("orthogonal", 2, 5, 0)
    assert X.tolist() == [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    with pytest.raises(InputError, match="at most 3 examples"):
        hebb_dataset("orthogonal", 4, 3, 0)


def test_common_orthant_pairwise_positive():
    for seed in range(40):
        X, t = hebb_dataset("common-orthant", 7, 3, seed)
        # without bias the canonical vectors t_k x_k share one orthant
        c = [[tk * v for v in x] for x, tk in zip(lists(X), t.tolist())]
        signs = [[v > 0 for v in ck] for ck in c]
        assert all(s == signs[0] for s in signs)
        assert all(0.1 <= abs(v) <= 1.0 for ck in c for v in ck)
        assert naive.hebb_condition(lists(X), t.tolist(), bias=False)[3]
    # with the bias, c_k . c_l = u_k . u_l + t_k t_l > 0 once n is moderate
    for seed in range(40):
        X, t = hebb_dataset("common-orthant", 7, 20, seed)
        assert naive.hebb_condition(lists(X), t.tolist(), bias=True)[3]


def lp_separates(X, t, bias):
    """Is there w with t_k (w . x~_k) >= 1 for every k? (linprog feasibility: independent of the teacher)"""
    from scipy.optimize import linprog

    A = np.array([[-tk * v for v in naive.with_bias(x, bias)] for x, tk in zip(lists(X), list(t))])
    r = linprog(np.zeros(A.shape[1]), A_ub=A, b_ub=-np.ones(len(A)), bounds=[(None, None)] * A.shape[1],
                method="highs")
    assert r.status in (0, 2), r.message  # 0 feasible, 2 infeasible
    return r.status == 0


def test_near_orthogonal_pm1_and_separable():
    # the LP can say no: XOR in +-1 coding, with a bias
    assert not lp_separates([[-1, -1], [-1, 1], [1, -1], [1, 1]], [-1, 1, 1, -1], bias=True)
    # with no bias, x and -x cannot take the same class
    assert not lp_separates([[1, -1, 1], [-1, 1, -1]], [1, 1], bias=False)
    cosines = []
    for seed in range(30):
        P, n = 3 + seed % 8, 40 + seed % 3
        X, t = hebb_dataset("near-orthogonal", P, n, seed)
        assert X.shape == (P, n) and set(X.ravel().tolist()) == {-1.0, 1.0}
        assert set(t.tolist()) <= {-1.0, 1.0}
        assert lp_separates(X, t, bias=False)  # through the origin: the gate needs no bias
        cosines += [abs(naive.dot(a, b)) / n for i, a in enumerate(lists(X)) for b in lists(X)[:i]]
    # near-orthogonal: for random +-1 rows |cos| has mean about sqrt(2 / (pi n)) ~ 0.12 at n ~ 41
    assert np.mean(cosines) < 0.16 and max(cosines) < 0.7


def test_datasets_seeded_and_validated():
    for kind in HEBB_KINDS:
        a, b = hebb_dataset(kind, 4, 6, 3), hebb_dataset(kind, 4, 6, 3)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
        assert a[0].dtype == np.float64 and a[0].flags.c_contiguous
    with pytest.raises(InputError, match="dataset kind 'random' is unknown"):
        hebb_dataset("random", 4, 4, 0)
    with pytest.raises(InputError, match="P must be an integer >= 1"):
        hebb_dataset("near-orthogonal", 0, 4, 0)
    with pytest.raises(InputError, match="dataset kind 'separable' is unknown"):
        hebb_dataset("separable", 4, 4, 0)


# --------------------------------------------------------------------------
# the condition
# --------------------------------------------------------------------------


@st.composite
def int_sets(draw):
    P = draw(st.integers(1, 6))
    n = draw(st.integers(1, 5))
    X = draw(st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=P, max_size=P))
    t = draw(st.lists(st.sampled_from([-1, 1]), min_size=P, max_size=P))
    return X, t


@given(int_sets(), st.booleans())
@examples(300)
def test_condition_matches_loops(case, bias):
    X, t = case
    holds, min_margin, min_cos, pairwise, margins = naive.hebb_condition(X, t, bias)
    r = hebb_condition(X, t, bias)
    assert r["holds"] == holds
    assert r["min_margin"] == min_margin  # integers: exact
    assert r["margins"].tolist() == margins
    assert r["min_cosine"] == pytest.approx(min_cos, abs=1e-12)
    assert r["all_pairwise_positive"] == pairwise
    # the sufficient condition implies the condition
    assert not pairwise or holds or len(X) == 1 and margins[0] == 0


def test_condition_validates():
    with pytest.raises(InputError, match="targets t must be 2 values in"):
        hebb_condition([[1, 0], [0, 1]], [1, 0])
    with pytest.raises(InputError, match="non-finite"):
        hebb_condition([[1, np.nan]], [1])
    with pytest.raises(InputError, match=r"\(P, n\) array"):
        hebb_condition([1, 2, 3], [1, 1, 1])


# --------------------------------------------------------------------------
# the theorem, with the naive trainer
# --------------------------------------------------------------------------


def random_sets(rnd, count):
    """Random real sets (Gaussian inputs, random targets) and the three kinds."""
    for i in range(count):
        P, n = rnd.randint(2, 6), rnd.randint(1, 5)
        X = [[rnd.gauss(0, 1) for _ in range(n)] for _ in range(P)]
        yield "gaussian", X, [rnd.choice([-1.0, 1.0]) for _ in range(P)]
        kind = HEBB_KINDS[i % len(HEBB_KINDS)]
        X, t = hebb_dataset(kind, P, max(n, P), rnd.randrange(2**32))
        yield kind, lists(X), t.tolist()


def test_theorem_naive_trainer_learns_iff_condition():
    rnd = random.Random(20160)
    eta, epochs = 0.05, 200
    seen = {"learnt": 0, "not": 0, "skipped": 0}
    for _, X, t in random_sets(rnd, 150):  # 300 sets
        holds, _, _, _, margins = naive.hebb_condition(X, t)
        w0 = [rnd.gauss(0, 0.1) for _ in range(len(X[0]) + 1)]
        norm_w0 = math.sqrt(naive.dot(w0, w0))
        # Cauchy-Schwarz: when eta*epochs*|m_k| > |w0||c_k| the margins alone decide
        c_norms = [math.sqrt(naive.dot(x + [1.0], x + [1.0])) for x in X]
        if any(eta * epochs * abs(m) <= norm_w0 * cn for m, cn in zip(margins, c_norms)):
            seen["skipped"] += 1
            continue
        _, learnt = naive.clamped_hebb_gate(X, t, w0, epochs, eta)
        assert learnt == holds, (X, t, margins)
        seen["learnt" if learnt else "not"] += 1
    assert seen["learnt"] > 40 and seen["not"] > 40 and seen["skipped"] < 60, seen


def test_supervised_hebb_matches_naive_trainer():
    rnd = random.Random(7)
    for i, (kind, X, t) in enumerate(random_sets(rnd, 20)):
        bias = i % 3 != 0
        epochs, eta = 30, 0.1
        r = supervised_hebb(X, t, epochs=epochs, eta=eta, seed=i, bias=bias, init_scale=0.2)
        w0 = r["w0"].tolist()
        assert len(w0) == len(X[0]) + bias
        for e in (0, 1, epochs // 2, epochs):
            w, _ = naive.clamped_hebb_gate(X, t, w0, e, eta, bias=bias)
            assert r["norm"][e] == pytest.approx(math.sqrt(naive.dot(w, w)), rel=1e-10)
            C = [sum(tk * xt for tk, xt in zip(t, col)) for col in zip(*[naive.with_bias(x, bias) for x in X])]
            if any(C):
                # arccos is ill-conditioned near 0: rounding of 1e-16 in the cosine is 1e-6 degrees
                assert r["angle"][e] == pytest.approx(angle_deg(w, C), abs=1e-5)
            errors = sum(tk * naive.dot(w, naive.with_bias(x, bias)) <= 0 for x, tk in zip(X, t))
            margin = min(abs(naive.dot(w, naive.with_bias(x, bias))) for x in X)
            if margin > 1e-9:  # away from the threshold, rounding cannot flip an example
                assert r["error"][e] == errors / len(X)
        w, learnt = naive.clamped_hebb_gate(X, t, w0, epochs, eta, bias=bias)
        assert r["w"].tolist() == pytest.approx(w, rel=1e-10, abs=1e-12)
        if margin > 1e-9:
            assert r["learnt"] == learnt
        assert r["condition"]["holds"] == naive.hebb_condition(X, t, bias)[0]


def test_supervised_hebb_counterexample_and_orthant():
    # c = (1,0,1), (0,1,1), (-1,-1,-1): C = (0,0,1), the third margin is -1
    r = supervised_hebb([[1, 0], [0, 1], [1, 1]], [1, 1, -1], epochs=200, eta=0.1, seed=0)
    assert not r["condition"]["holds"] and not r["learnt"] and r["error"][-1] == pytest.approx(1 / 3)
    X, t = hebb_dataset("common-orthant", 12, 30, 5)
    r = supervised_hebb(X, t, epochs=100, eta=0.05, seed=1)
    assert r["learnt"] and r["condition"]["all_pairwise_positive"]
    # w_e = w_0 + eta e C: the angle to C shrinks monotonically here and the norm grows
    assert r["angle"][-1] < 1.0 and np.all(np.diff(r["norm"][5:]) > 0)


def test_exact_tie_is_an_error():
    """Orthogonal, odd P, |sum t| = 1: a margin is exactly 0; from w_0 = 0 the gate outputs 0 there."""
    X, t = np.eye(3), [1, 1, -1]
    assert naive.hebb_condition(lists(X), t)[4] == [2.0, 2.0, 0.0]
    r = supervised_hebb(X, t, epochs=10, eta=0.5, init_scale=0.0)
    assert r["error"].tolist() == [1.0] + [1 / 3] * 10  # activation 0 never counts as right
    assert not r["learnt"] and not naive.clamped_hebb_gate(lists(X), t, [0.0] * 4, 10, 0.5)[1]


# --------------------------------------------------------------------------
# closed forms of the identity sets (paper §2: "the identity matrix with random targets")
# --------------------------------------------------------------------------


def all_targets(P):
    return [[1.0 if (m >> k) & 1 else -1.0 for k in range(P)] for m in range(2**P)]


def identity(P, n=None):
    n = P if n is None else n
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(P)]


def by_positives(P):
    """(learnable, ties) target vectors of the identity with a bias, counted by B = number of +1 targets.

    c_k = t_k [e_k, 1] and C = [t, S], S = 2B - P: a +1 example has margin 1 + S, a -1 example 1 - S.
    """
    good = ties = 0
    for B in range(P + 1):
        S = 2 * B - P
        margins = ([1 + S] if B > 0 else []) + ([1 - S] if B < P else [])
        if min(margins) > 0:
            good += math.comb(P, B)
        elif min(margins) == 0:
            ties += math.comb(P, B)
    return good, ties


def test_identity_without_bias_always_learnt():
    """Every margin is t_k^2 = 1, whatever the targets: learnt for all 2^P target vectors."""
    rnd = random.Random(11)
    for P in range(1, 8):
        for n in (P, P + 2):
            I = identity(P, n)
            for t in all_targets(P):
                holds, m, _, _, margins = naive.hebb_condition(I, t, bias=False)
                assert holds and margins == [1.0] * P
                w0 = [rnd.gauss(0, 0.1) for _ in range(n)]
                assert naive.clamped_hebb_gate(I, t, w0, 20, 0.05, bias=False)[1]
    # and the package's simulation, from random starts
    for i, t in enumerate(all_targets(6)):
        assert supervised_hebb(identity(6, 9), t, epochs=20, eta=0.05, seed=i, bias=False)["learnt"]


def test_identity_with_bias_closed_form():
    assert by_positives(8) == (70 + 2, 0) and by_positives(3) == (2, 6) and by_positives(1) == (2, 0)
    for P in range(1, 15):
        good, ties = by_positives(P)
        r = orthogonal_bias_prediction(P)
        assert r["learnable"] == Fraction(good, 2**P) and r["ties"] == Fraction(ties, 2**P)
    # exhaustive: the naive condition over every target vector
    for P in range(1, 10):
        counted = [naive.hebb_condition(identity(P), t, bias=True) for t in all_targets(P)]
        good = sum(c[0] for c in counted)
        ties = sum(not c[0] and c[1] == 0 for c in counted)
        assert (good, ties) == by_positives(P)
    # the simulation learns exactly the closed-form count; from w0 = 0 a tie (activation 0) is an error
    for P, init in ((8, 0.1), (7, 0.0)):
        learnt = sum(supervised_hebb(identity(P), t, epochs=30, eta=0.05, seed=i, bias=True, init_scale=init)
                     ["learnt"] for i, t in enumerate(all_targets(P)))
        assert learnt == by_positives(P)[0]
    with pytest.raises(InputError, match="P must be an integer >= 1"):
        orthogonal_bias_prediction(0)


def test_supervised_hebb_validates():
    X, t = [[1.0, 0.0]], [1]
    for kw, msg in [({"epochs": 0}, "epochs must be an integer >= 1"), ({"eta": -1.0}, "eta must be"),
                    ({"init_scale": float("nan")}, "init_scale must be")]:
        with pytest.raises(InputError, match=msg):
            supervised_hebb(X, t, **kw)


# --------------------------------------------------------------------------
# the study and its files
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study():
    return supervised_hebb_study(datasets=40, epochs=100, eta=0.04, seed=3)


def test_study_summary(study):
    recs = study["records"]
    assert len(recs) == 4 * 40
    for kind, s in study["summary"].items():
        mine = [r for r in recs if r["kind"] == kind]
        assert s["datasets"] == len(mine) == 40
        assert s["bias"] == HEBB_BIAS[kind] and all(r["bias"] == s["bias"] for r in mine)
        assert s["condition_holds"] == sum(r["condition_holds"] for r in mine)
        assert s["learnt"] == sum(r["learnt"] for r in mine)
        assert s["agree"] == sum(r["learnt"] == r["condition_holds"] for r in mine)
        assert s["tiny"] == sum(r["tiny_margin"] for r in mine)
        assert s["disagree_decided"] == 0
        assert s["agree"] >= s["datasets"] - s["tiny"]
        # learnt means zero final error
        assert all((r["final_error"] == 0) == r["learnt"] for r in mine)
    ob = study["summary"]["orthogonal-bias"]
    assert 0 < ob["condition_holds"] < ob["datasets"]  # both outcomes occur
    assert study["summary"]["common-orthant"]["pairwise_positive"] == 40
    # identity, no bias: every set learnt; with the bias: learnable iff sum t = 0 or all targets equal
    orth = study["summary"]["orthogonal"]
    assert orth["condition_holds"] == orth["learnt"] == orth["closed_form"]["match"] == 40
    for r in recs:
        if r["kind"] == "orthogonal-bias":
            assert r["condition_holds"] == r["learnt"] == (abs(r["targets_sum"]) in (0, 8))
    assert ob["closed_form"]["match"] == 40 and ob["closed_form"]["expected_fraction"] == "9/32"
    assert "closed_form" not in study["summary"]["near-orthogonal"]
    # the condition in the records is the naive one: margins are integers for binary data
    assert all(r["min_margin"] == round(r["min_margin"]) for r in recs if r["kind"] != "common-orthant")


def test_study_kinds_are_independent(study):
    alone = supervised_hebb_study(kinds=("orthogonal",), datasets=40, epochs=100, eta=0.04, seed=3)
    assert alone["records"] == [r for r in study["records"] if r["kind"] == "orthogonal"]
    # forcing the bias: the identity with a bias is the orthogonal-bias kind's setting (no closed form recorded)
    forced = supervised_hebb_study(kinds=("orthogonal",), datasets=40, epochs=100, eta=0.04, seed=3, bias=True)
    assert forced["protocol"]["bias"] == {"orthogonal": True} and "closed_form" not in forced["summary"]["orthogonal"]
    assert forced["summary"]["orthogonal"]["condition_holds"] < 40
    with pytest.raises(InputError, match="bias must be None"):
        supervised_hebb_study(kinds=("orthogonal",), datasets=2, bias="yes")
    other = supervised_hebb_study(kinds=("orthogonal",), datasets=40, epochs=100, eta=0.04, seed=4)
    assert other["records"] != alone["records"]
    with pytest.raises(InputError, match="need P <= n"):
        supervised_hebb_study(P=9, n=4, datasets=2)
    with pytest.raises(InputError, match="kind 'x' is unknown"):
        supervised_hebb_study(kinds=("x",))


def test_write_supervised_hebb(study, tmp_path):
    files, note = write_supervised_hebb(study, tmp_path, command=["gates", "test"])
    for f in files:
        assert (tmp_path / f).exists(), f
    with open(tmp_path / "supervised_hebb_trajectories.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 * 101 and set(rows[0]) == {"epoch", "kind", "norm", "angle", "error"}
    with open(tmp_path / "supervised_hebb_datasets.csv") as fh:
        drows = list(csv.DictReader(fh))
    assert len(drows) == 160 and {r["bias"] for r in drows if r["kind"] == "orthogonal"} == {"False"}
    md = (tmp_path / "supervised_hebb.md").read_text()
    assert "| orthogonal-bias | identity rows, random targets, bias input | yes |" in md
    assert "| orthogonal | identity rows, random targets | no |" in md
    meta = json.loads((tmp_path / "supervised_hebb.manifest.json").read_text())
    assert meta["kind"] == "supervised-hebb" and meta["seed"] == 3 and meta["protocol"]["P"] == 8
    assert meta["results"]["summary"]["near-orthogonal"]["datasets"] == 40
    assert meta["protocol"]["bias"] == HEBB_BIAS
    meta = json.loads((tmp_path / "supervised_hebb_trajectories.manifest.json").read_text())
    assert meta["files"] == ["supervised_hebb_trajectories.csv", "supervised_hebb_datasets.csv"]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert note and "matplotlib" in note
    else:
        assert note is None and "supervised_hebb.png" in files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_write_without_matplotlib(study, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_mpl(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    files, note = write_supervised_hebb(study, tmp_path, command=["gates", "test"])
    assert "matplotlib" in note and "supervised_hebb.png" not in files
    assert not (tmp_path / "supervised_hebb.png").exists()


def test_check_supervised_hebb():
    r = check_supervised_hebb(seed=1)
    assert r["holds"] is True and r["evidence"]["mutant"] is None
    s = r["evidence"]["summary"]
    assert set(s) == set(HEBB_KINDS) and all(v["disagree_decided"] == 0 for v in s.values())
    assert s["orthogonal"]["learnt"] == s["orthogonal"]["datasets"]
    ob = r["evidence"]["closed_form"]["orthogonal-bias"]
    assert ob["match"] == ob["datasets"] and ob["predicted_fraction"] == "9/32"
    assert ob["predicted_count"] == pytest.approx(60 * (math.comb(8, 4) + 2) / 2**8)
    assert any("orthogonal + bias" in line for line in r["lines"])


# the reason each mutant must be caught for: (kind, summary field, predicate)
MUTANT_REASONS = {
    "condition-without-bias": lambda s: s["orthogonal-bias"]["disagree_decided"] > 0
    and s["orthogonal"]["disagree_decided"] == s["near-orthogonal"]["disagree_decided"] == 0,
    "anti-hebb": lambda s: s["orthogonal"]["learnt"] == 0 and s["orthogonal"]["condition_holds"] == 60,
    "pairwise-condition": lambda s: s["orthogonal"]["disagree_decided"] == 60,  # verdict no, gate learns
    "unclamped": lambda s: s["orthogonal"]["learnt"] < 60 == s["orthogonal"]["condition_holds"],
    # every verdict agrees and matches the closed form: only the binomial test sees the generator
    "balanced-targets": lambda s: s["orthogonal-bias"]["condition_holds"] == 60
    and s["orthogonal-bias"]["closed_form"]["match"] == 60 and all(k["disagree_decided"] == 0 for k in s.values()),
}


def test_check_supervised_hebb_mutants_listed():
    assert set(check_supervised_hebb.mutants) == set(MUTANT_REASONS)
    assert all(isinstance(v, str) and v for v in check_supervised_hebb.mutants.values())
    with pytest.raises(InputError, match="mutant 'nope' is unknown: allowed condition-without-bias"):
        check_supervised_hebb(mutant="nope")


@pytest.mark.parametrize("mutant", sorted(MUTANT_REASONS))
def test_check_supervised_hebb_catches(mutant):
    r = check_supervised_hebb(seed=1, mutant=mutant)
    assert r["holds"] is False and r["evidence"]["mutant"] == mutant
    assert MUTANT_REASONS[mutant](r["evidence"]["summary"])


# --------------------------------------------------------------------------
# (b) a linear unit on images (small synthetic arrays: no scikit-learn)
# --------------------------------------------------------------------------


def synthetic_images(N=80, D=6, seed=0):
    rng = np.random.default_rng(seed)
    # non-negative "pixels" with unequal means, like images
    X = rng.uniform(size=(N, D)) * np.linspace(0.3, 1.0, D)
    return X, rng.integers(0, 3, N)


def test_hebb_images_aligns_with_principal_eigenvector():
    from gates.studies.single_unit.images import hebb_images

    X, _ = synthetic_images()
    r = hebb_images(X, epochs=150, eta=0.05, seed=2)
    u = naive.principal_eigenvector(lists(X))
    w = r["w"].tolist()
    a = angle_deg(w, u)
    assert min(a, 180 - a) < 0.5
    assert r["angle_pc"][-1] == pytest.approx(min(a, 180 - a), abs=1e-3)
    assert r["angle_pc"][-1] < r["angle_pc"][0] - 10
    assert np.all(np.diff(r["angle_pc"][10:]) <= 1e-9)  # the power method's angle only shrinks
    cog = [sum(col) / len(X) for col in zip(*lists(X))]
    assert r["angle_cog"][-1] == pytest.approx(angle_deg(w, cog), abs=1e-4)
    assert min(r["angle_cog"][-1], 180 - r["angle_cog"][-1]) < 20  # positive pixels: u is near the mean
    assert np.all(np.isfinite(r["norm"])) and r["norm"][-1] > 10 * r["norm"][0]  # it grows without bound
    assert r["log10_norm"] == pytest.approx(np.log10(r["norm"]))


def test_hebb_images_batch_is_the_mean_update():
    """Batch simple Hebb: w <- w + eta * mean_p (w . x_p) x_p, by loops from the same w_0."""
    from gates.studies.single_unit.images import hebb_images

    X, _ = synthetic_images(N=12, D=4, seed=5)
    eta = 0.1
    r = hebb_images(X, epochs=8, eta=eta, seed=0, mode="batch")
    rows = lists(X)
    w = r["w0"].tolist()
    for e in range(9):
        assert r["norm"][e] == pytest.approx(math.sqrt(naive.dot(w, w)), rel=1e-12)
        o = [naive.dot(w, x) for x in rows]
        w = [w[j] + eta * sum(op * x[j] for op, x in zip(o, rows)) / len(rows) for j in range(len(w))]


def test_riccati_images_synthetic():
    from gates.studies.single_unit.images import riccati_images

    X, y = synthetic_images(N=150, D=5, seed=3)
    r = riccati_images(X, y, digit=1, epochs=60, eta=0.5, seed=4, init_scale=0.05)
    rows, T = lists(X), [1.0 if v == 1 else 0.0 for v in y.tolist()]
    N = len(rows)
    a = [sum(t * x[j] for t, x in zip(T, rows)) / N for j in range(5)]
    c = -sum(T) / N
    top = sorted(range(5), key=lambda j: -a[j])[:4]
    assert r["weights"][:4] == top and len(r["weights"]) == 5  # 4 largest a_j, then 1 of the rest
    for i, j in enumerate(r["weights"]):
        assert r["coefficients"]["a"][i] == pytest.approx(a[j], rel=1e-12)
        assert r["coefficients"]["b"][i] == pytest.approx(0.0, abs=1e-15)
        assert r["coefficients"]["c"][i] == pytest.approx(c, rel=1e-12)
        for e in (0, 3, 10, 60):
            want = naive.riccati_rk4(a[j], 0.0, c, float(r["w0"][i]), float(r["t"][e]))
            assert r["riccati"][e, i] == pytest.approx(want, abs=1e-8)
        # the fixed point sqrt(a/|c|) = sqrt(E[x_j | digit])
        assert r["simulated"][-1, i] == pytest.approx(math.sqrt(a[j] / -c), abs=0.05)
    assert r["t"].tolist() == [0.5 * e for e in range(61)]
    assert np.all(np.isfinite(r["simulated"])) and np.all(np.isfinite(r["riccati"]))
    assert r["r2"] > 0.99 and r["max_abs_deviation"] < 0.05 and r["diverged"] == 0
    # all 5 weights were picked, so R^2 and the deviation can be recomputed from the trajectories
    sim, ode = r["simulated"].ravel().tolist(), r["riccati"].ravel().tolist()
    mean = sum(sim) / len(sim)
    r2 = 1 - sum((p - q) ** 2 for p, q in zip(sim, ode)) / sum((p - mean) ** 2 for p in sim)
    assert r["r2"] == pytest.approx(r2, rel=1e-9)
    assert r["max_abs_deviation"] == pytest.approx(max(abs(p - q) for p, q in zip(sim, ode)), rel=1e-12)


def test_riccati_images_validates():
    from gates.studies.single_unit.images import riccati_images

    X, y = synthetic_images(N=20, D=3)
    with pytest.raises(InputError, match="reads O"):
        riccati_images(X, y, digit=1, rule="O*x")
    with pytest.raises(InputError, match="digit 7 does not occur"):
        riccati_images(X, y, digit=7)
    with pytest.raises(InputError, match="labels y must be 20 integers"):
        riccati_images(X, y[:5], digit=1)
    with pytest.raises(InputError, match="cannot read the polynomial rule"):
        riccati_images(X, y, digit=1, rule="T**x")


def test_write_image_study(tmp_path):
    from gates.studies.single_unit.image_study import write_image_study
    from gates.studies.single_unit.images import hebb_images, riccati_images

    from gates.studies.single_unit.riccati_tanh import riccati_tanh_images

    X, y = synthetic_images(N=30, D=4)
    res = {"hebb": hebb_images(X, epochs=5), "riccati": riccati_images(X, y, digit=2, epochs=6),
           "riccati_tanh": riccati_tanh_images(X, y, digit=2, epochs=6, typical=(2, 1)),
           "data": {"source": "synthetic"}}
    files, note = write_image_study(res, tmp_path, command=["gates", "test"])
    for f in files:
        assert (tmp_path / f).exists()
    with open(tmp_path / "hebb_images.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 6
    with open(tmp_path / "riccati_images.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7 * len(res["riccati"]["weights"])
    meta = json.loads((tmp_path / "riccati_images.manifest.json").read_text())
    assert meta["kind"] == "riccati-images" and meta["protocol"]["data"] == {"source": "synthetic"}
    assert meta["results"]["r2"] == res["riccati"]["r2"]
    assert meta["protocol"]["role"] == "control: rule does not read O"
    with open(tmp_path / "riccati_tanh_images.csv") as fh:
        rows = list(csv.DictReader(fh))
    tnh = res["riccati_tanh"]
    assert len(rows) == 7 * 3 and [int(r["weight"]) for r in rows[::7]] == tnh["weights"]
    assert float(rows[6]["riccati"]) == tnh["riccati"][6, 0] and float(rows[6]["tau"]) == tnh["tau"][6]
    meta = json.loads((tmp_path / "riccati_tanh_images.manifest.json").read_text())
    assert meta["kind"] == "riccati-tanh-images" and meta["protocol"]["role"] == "reads O"
    assert meta["results"]["o_free_clock"]["r2"] == tnh["o_free_clock"]["r2"]
    with pytest.raises(InputError, match="nothing to write"):
        write_image_study({}, tmp_path)


@pytest.mark.slow
def test_image_study_digits():
    pytest.importorskip("sklearn")
    from gates.studies.single_unit.image_study import image_study

    res = image_study("digits")
    assert res["riccati"]["r2"] > 0.99
    assert res["hebb"]["final"]["angle_pc"] < 5


# --------------------------------------------------------------------------
# (c) a tanh unit whose rule reads O
# --------------------------------------------------------------------------


def uniform_images(N=60, D=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(N, D)), rng.integers(0, 3, N)


def column_means(rows):
    return [sum(col) / len(rows) for col in zip(*rows)]


@pytest.mark.parametrize("rule, extra", [("O*x - O*w^2", (0.0, 0.0, -1.0)),
                                         ("O*x - 0.5*O*w^2 - 0.3*O*w + 0.05*O", (0.05, -0.3, -0.5))])
def test_riccati_tanh_prediction_solves_its_expected_ode(rule, extra):
    """R(tau(t)) against scipy's integration of dw/dt = tanh(mu . w) (a + b w + c w^2), with a, b, c and mu
    from plain loops; seeds with mu . w0 of both signs (tau runs backward for the negative ones)."""
    from scipy.integrate import solve_ivp

    from gates.studies.single_unit.riccati_tanh import riccati_tanh_images

    X, y = uniform_images(N=90, D=8, seed=6)
    rows = [x for x, lab in zip(lists(X), y.tolist()) if lab == 1]
    mu = column_means(rows)
    a0, b, c = extra
    a = np.array([m + a0 for m in mu])  # q = x + a0 + b w + c w^2: a_j = E[x_j] + a0
    signs = set()
    for seed in range(4):
        r = riccati_tanh_images(X, y, digit=1, rule=rule, epochs=80, eta=0.05, seed=seed)
        full = r["full"]
        np.testing.assert_allclose(full["a"], a, rtol=1e-12)
        np.testing.assert_allclose(full["b"], b, atol=1e-15)
        np.testing.assert_allclose(full["c"], c, atol=1e-15)
        np.testing.assert_allclose(full["mean_input"], mu, rtol=1e-12)
        w0 = full["w0"]
        sol = solve_ivp(lambda t, w: math.tanh(naive.dot(mu, w)) * (a + b * w + c * w * w), (0.0, r["t"][-1]), w0,
                        t_eval=r["t"], method="DOP853", rtol=1e-11, atol=1e-13)
        assert sol.success
        assert np.max(np.abs(full["riccati"])) > 0.3  # through the lag and the saturation
        assert np.max(np.abs(sol.y.T - full["riccati"])) < 1e-6
        signs.add(int(np.sign(r["tau"][-1])))
        assert np.sign(r["tau"][-1]) == np.sign(naive.dot(mu, w0))
    assert signs == {-1, 1}


def test_riccati_tanh_fit_split_and_o_matters():
    """Metrics recomputed from the trajectories; the exact expected ODE against scipy; O changes the prediction."""
    from scipy.integrate import solve_ivp

    from gates.studies.single_unit.riccati_tanh import riccati_tanh_images

    X, _ = uniform_images()
    r = riccati_tanh_images(X, digit=None, epochs=120, eta=0.05, seed=1)
    full = r["full"]
    W, Pd = full["simulated"], full["riccati"]
    sim, pred = W.ravel().tolist(), Pd.ravel().tolist()
    mean = sum(sim) / len(sim)
    r2 = 1 - sum((p - q) ** 2 for p, q in zip(sim, pred)) / sum((p - mean) ** 2 for p in sim)
    assert r["r2"] == pytest.approx(r2, rel=1e-9)
    scale = max(abs(v) for v in sim)
    assert r["max_rel_error"] == pytest.approx(max(abs(p - q) for p, q in zip(sim, pred)) / scale, rel=1e-12)
    assert r["r2"] > 0.999 and r["max_rel_error"] < 0.05 and r["diverged"] == 0
    assert r["o_free_clock"]["max_rel_error"] > 0.3  # the clock t (O taken as 1) misses by far
    # the exact expected dynamics E_p[tanh(x_p . w) (x_p - w^2)], no approximation
    rows = lists(X)

    def mean_field(t, w):
        o = [math.tanh(naive.dot(x, w)) for x in rows]
        return np.array([sum(op * (x[j] - w[j] ** 2) for op, x in zip(o, rows)) / len(rows) for j in range(len(w))])

    sol = solve_ivp(mean_field, (0.0, r["t"][-1]), full["w0"], t_eval=r["t"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(full["mean_ode"], sol.y.T, atol=1e-6)
    assert r["mean_ode"]["vs_simulation"] == pytest.approx(np.max(np.abs(full["mean_ode"] - W)) / scale, rel=1e-9)
    # the saturated unit settles where the control does: |w_j| -> sqrt(E[x_j])
    np.testing.assert_allclose(np.abs(W[-1]), np.sqrt(column_means(rows)), atol=0.02)
    # the dropout gap, measured on the simulated weights by loops
    gaps = []
    for w in W.tolist():
        s = [naive.dot(x, w) for x in rows]
        gaps.append(abs(sum(math.tanh(v) for v in s) / len(s) - math.tanh(sum(s) / len(s))))
    assert r["approximation"]["dropout_gap_max"] == pytest.approx(max(gaps), rel=1e-9)
    assert r["settings"]["role"] == "reads O" and "T*x" not in r["settings"]["rule"]


def test_riccati_tanh_mutants_break_it():
    from gates.studies.single_unit.riccati_tanh import TANH_MUTANTS, riccati_tanh_images

    X, _ = uniform_images()
    good = riccati_tanh_images(X, digit=None, epochs=60, eta=0.05, seed=1)
    for m in TANH_MUTANTS:
        r = riccati_tanh_images(X, digit=None, epochs=60, eta=0.05, seed=1, mutant=m)
        assert r["settings"]["mutant"] == m
        assert r["diverged"] > 0 or r["max_rel_error"] > 10 * good["max_rel_error"], m
        if m == "drop-o":  # the O-free unit follows the O-free clock instead
            assert r["o_free_clock"]["max_rel_error"] < 0.01
        else:  # the simulation is untouched
            np.testing.assert_array_equal(r["full"]["simulated"], good["full"]["simulated"])


def test_riccati_tanh_validates():
    from gates.studies.single_unit.riccati_tanh import riccati_tanh_images

    X, y = uniform_images(N=20, D=3)
    for rule in ("T*x - T*w^2", "O^2*x", "O*x*T", "x - O*w^2"):
        with pytest.raises(InputError, match="every term must read O exactly once"):
            riccati_tanh_images(X, y, digit=1, rule=rule)
    with pytest.raises(InputError, match="labels y are needed"):
        riccati_tanh_images(X, digit=1)
    with pytest.raises(InputError, match="digit 7 must label at least 2 images"):
        riccati_tanh_images(X, y, digit=7)
    with pytest.raises(InputError, match="mutant 'nope' is unknown"):
        riccati_tanh_images(X, y, digit=1, mutant="nope")
    with pytest.raises(InputError, match="init_scale must be a finite number > 0"):
        riccati_tanh_images(X, digit=None, init_scale=0.0)
    with pytest.raises(InputError, match="overflowed"):
        riccati_tanh_images(X * 1e3, digit=None, eta=50.0, epochs=5)


def test_independence_gap0_by_loops():
    from gates.studies.single_unit.riccati_tanh import independence_gap0

    X, _ = uniform_images(N=15, D=4, seed=2)
    w0 = [0.3, -0.1, 0.2, 0.05]
    rows = lists(X)
    s = [naive.dot(x, w0) for x in rows]
    ms, mu = sum(s) / len(s), column_means(rows)
    cov = [sum((sp - ms) * (x[j] - mu[j]) for sp, x in zip(s, rows)) / len(rows) for j in range(4)]
    want = max(abs(v) for v in cov) / max(abs(ms * m) for m in mu)
    assert independence_gap0(X, np.array(w0)) == pytest.approx(want, rel=1e-12)


@pytest.fixture(scope="module")
def riccati_check():
    from gates.verify.single_unit import check_riccati_images

    return check_riccati_images()


def test_check_riccati_images(riccati_check):
    from gates.studies.single_unit.riccati_tanh import TANH_REL_TOL

    out = riccati_check
    assert out["holds"], out["lines"]
    ev = out["evidence"]
    assert ev["mutant"] is None and ev["qualifying"] >= 1 and len(ev["runs"]) == 5
    for run in ev["runs"]:
        if run["qualifies"]:
            assert run["max_rel_error"] <= TANH_REL_TOL < run["o_free_max_rel_error"]
            assert run["noise"] < 0.01  # online noise and steps: the rest is the approximations
    assert ev["control"]["role"] == "control: rule does not read O" and ev["control"]["r2"] > 0.9999
    assert any(line.startswith("control: rule does not read O") for line in out["lines"])


RICCATI_MUTANTS = ("riccati-sign", "o-free-clock", "linear-clock", "drop-o")


@pytest.mark.parametrize("mutant", RICCATI_MUTANTS)
def test_check_riccati_images_catches_mutant(mutant):
    from gates.studies.single_unit.riccati_tanh import TANH_REL_TOL
    from gates.verify.single_unit import check_riccati_images

    assert mutant in check_riccati_images.mutants
    out = check_riccati_images(mutant=mutant, runs=1)
    run = out["evidence"]["runs"][0]
    assert not out["holds"] and out["evidence"]["mutant"] == mutant
    assert run["qualifies"]  # it fails on the fit, not for want of a qualifying run
    assert run["diverged"] > 0 or run["max_rel_error"] > 3 * TANH_REL_TOL


def test_check_riccati_images_mutant_names():
    from gates.verify.single_unit import check_riccati_images

    assert set(check_riccati_images.mutants) == set(RICCATI_MUTANTS)
    with pytest.raises(InputError, match="mutant 'x' is unknown: allowed riccati-sign"):
        check_riccati_images(mutant="x")


def test_check_riccati_images_without_sklearn(monkeypatch):
    import gates.io.datasets
    from gates.verify.single_unit import check_riccati_images

    def missing():
        raise InputError("the 'digits' data need scikit-learn")

    monkeypatch.setattr(gates.io.datasets, "digits", missing)
    out = check_riccati_images(runs=2)
    assert out["evidence"]["data"].startswith("segments (stand-in")
    assert out["holds"], out["lines"]
