"""The clamped output rules' searches (gates.learning._clamped) against the Gray-code scan of every labelling.

The branch and bound (hebb, oja) and the scan of sign vectors (hebb-tanh)
must list exactly the learnt and tied labellings that the scan of all 2^m
labellings lists, on hidden layers and on random features too big for the
pure-Python reference; at m = 32 they are also held to the one-gate
canonical-form condition ``naive.exact_status``. Mutants of the kernels'
source, run as plain Python, show that each comparison can fail.
"""

import inspect
import itertools
import types

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates.learning._clamped as cl
from gates.learning.two_layer import DeepNet, hidden_layer
from gates.learning.two_layer_exact import feature_patterns, output_sets
from gates.errors import InputError
from gates.learning.protocol import Protocol

from . import naive
from tests.strategies import encodings, examples

HIDDEN = ("hebb", "oja", "hebb-tanh", "none")


def layer_of(n, h, hidden_rule, **proto):
    protocol = Protocol(restarts=3, **proto)
    return hidden_layer(n, DeepNet(h, hidden_rule), protocol)

# --------------------------------------------------------------------------
# the searches against the Gray-code scan of every labelling
# --------------------------------------------------------------------------

SEARCHES = (("hebb", "search"), ("hebb-tanh", "signs"))


def restart_problem(features_k):
    """(patterns, multiplicities, fibre masks, full table) of one restart's feature rows."""
    pat, inv, mult = feature_patterns(features_k)
    pmask = np.zeros(len(pat), dtype=np.uint64)
    for p, j in enumerate(inv):
        pmask[j] |= np.uint64(1) << np.uint64(p)
    return pat, mult, pmask, np.uint64((1 << len(inv)) - 1)


def scan_disagreements(features, encoding, module=cl, mitm_min=None, rules=("hebb", "hebb-tanh")):
    """(restart, rule, verdict, a few tables) wherever a search of `module` differs from the Gray-code scan."""
    out = []
    for k in range(features.shape[0]):
        prob = restart_problem(features[k])
        for rule, method in SEARCHES:
            if rule not in rules:
                continue
            want = cl.clamped_tables(*prob, rule, encoding, "scan")
            got = module.clamped_tables(*prob, rule, encoding, method, mitm_min=mitm_min)
            for verdict, w, g in zip(("learnt", "tie"), want, got):
                assert g.dtype == np.uint64 and np.array_equal(g, np.unique(g))
                if not np.array_equal(w, g):
                    out.append((k, rule, verdict, sorted(set(w.tolist()) ^ set(g.tolist()))[:3]))
    return out


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("hidden_rule", HIDDEN)
@pytest.mark.parametrize("n, h", [(3, 5), (4, 8)])
def test_searches_equal_the_gray_scan_on_hidden_layers(n, h, hidden_rule, encoding):
    f = layer_of(n, h, hidden_rule, seed=n + len(hidden_rule), encoding=encoding).features
    # the zero-margin completion both depth first (no meet in the middle) and always meeting in the middle
    assert scan_disagreements(f, encoding, mitm_min=99) == []
    assert scan_disagreements(f, encoding, mitm_min=1) == []


def random_rows(values):
    return st.tuples(st.sampled_from([8, 16]), st.integers(1, 6)).flatmap(
        lambda shape: st.lists(st.sampled_from(values), min_size=shape[0] * shape[1],
                               max_size=shape[0] * shape[1]).map(
            lambda v: np.array(v, dtype=np.float64).reshape(1, *shape)))


@examples(60)
@given(st.one_of(random_rows([-1.0, 1.0]), random_rows([-1.0, 0.0, 1.0]), random_rows([0.0, 1.0])),
       encodings, st.sampled_from([1, 99]))
def test_searches_equal_the_gray_scan_on_random_features(f, encoding, mitm_min):
    assert scan_disagreements(f, encoding, mitm_min=mitm_min) == []


@examples(80)
@given(st.integers(1, 7).flatmap(lambda nz: st.tuples(
    st.lists(st.lists(st.integers(-6, 6), min_size=3, max_size=3), min_size=nz, max_size=nz),
    st.lists(st.integers(-8, 8), min_size=3, max_size=3),
    st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3))), st.booleans())
def test_the_mod2_filter_is_exactly_solvability_mod_4_or_2(case, pm1):
    # the filter is sound (an exact solution of c_l = 0 solves it mod 4 / mod 2) and no weaker than that
    rows, cf, sv = case
    con = np.array(rows, dtype=np.int64)
    labels = (1, -1) if pm1 else (1, 0)
    mod = 4 if pm1 else 2
    zero = [q for q in range(3) if sv[q] == 0]
    want = any(all((cf[q] + sum(t * r[q] for t, r in zip(ts, rows))) % mod == 0 for q in zero)
               for ts in itertools.product(labels, repeat=len(rows)))
    got = cl.zeros_solvable_mod2(con, pm1, np.array(sv, dtype=np.int64), np.array(cf, dtype=np.int64),
                                  np.arange(len(rows), dtype=np.int64), len(rows))
    assert got == want


def test_output_sets_picks_a_kernel_with_the_scan_verdicts():
    # hebb-tanh runs the sign vectors when 4 * 3^S' <= 2^m, else the scan
    f = layer_of(4, 8, "none", seed=1).features
    for rule in ("hebb", "oja", "hebb-tanh"):
        res = output_sets(f, rule)
        for k in range(3):
            want = cl.clamped_tables(*restart_problem(f[k]), rule, "pm1", "scan")
            assert np.array_equal(res.learnt[k], want[0]) and np.array_equal(res.ties[k], want[1])
    with pytest.raises(InputError, match="method 'signs' does not apply to rule 'hebb'"):
        cl.clamped_tables(*restart_problem(f[0]), "hebb", "pm1", "signs")


@pytest.mark.parametrize("rule, saturate", [("hebb", False), ("hebb-tanh", True)])
def test_m32_identity_features_match_the_one_gate_condition(rule, saturate):
    """m = 32 (n = 5 inputs as features): the searches against one gate's exact mode on a sample."""
    res = output_sets(Protocol().inputs(5)[None], rule)
    learnt, ties = res.learnt[0], res.ties[0]
    assert res.patterns.tolist() == [32] and len(learnt) > 0 and len(ties) > 0
    rng = np.random.default_rng(5)
    sample = np.concatenate([rng.choice(learnt, 40), rng.choice(ties, 40), rng.integers(0, 2**32, 40, np.uint64)])
    lset, tset = set(learnt.tolist()), set(ties.tolist())
    for v in sample.tolist():
        s = naive.exact_status(v, 5, saturate=saturate)
        assert (v in lset) == (s == 1) and (v in tset) == (s == 0), hex(v)



def mutant(old, new):
    """gates.learning._clamped with one source line changed, its kernels run as plain Python (nothing to compile)."""
    source = inspect.getsource(cl)
    assert source.count(old) == 1, old
    module = types.ModuleType("gates._mutant_clamped")
    module.__package__ = "gates"
    exec(compile(source.replace(old, new).replace("cache=True", "cache=False"), "<mutant>", "exec"), vars(module))
    for name, obj in list(vars(module).items()):
        if isinstance(obj, numba.core.dispatcher.Dispatcher):
            setattr(module, name, obj.py_func)  # kernels call each other through the module's globals
    return module


def lost_verdicts(module, features, rule, mitm_min=None):
    """{(verdict, how)}: "lost" where `module`'s search misses tables of the scan, "extra" where it adds some."""
    out = set()
    for k in range(features.shape[0]):
        prob = restart_problem(features[k])
        want = cl.clamped_tables(*prob, rule, "pm1", "scan")
        got = module.clamped_tables(*prob, rule, "pm1", dict(SEARCHES)[rule], mitm_min=mitm_min)
        for verdict, w, g in zip(("learnt", "tie"), want, got):
            w, g = set(w.tolist()), set(g.tolist())
            out |= {(verdict, "lost")} if w - g else set()
            out |= {(verdict, "extra")} if g - w else set()
    return out


SEARCH_MUTANTS = {
    # the branch and bound judging a labelled pattern by its partial activation alone
    "partial activation": ("marg = part[kk, i] + hi[kk, i]", "marg = part[kk, i]", "hebb", None),
    # a zero reachable margin taken as lost (strict for non-strict): every tie goes
    "strict bound": ("if marg < 0:\n                least = -1", "if marg <= 0:\n                least = -1",
                     "hebb", None),
    # sign vectors: sign(c_l) = 0 taken as out of reach as soon as c_l can be nonzero
    "zero sign": ("return lo <= 0 <= hi", "return lo == 0 == hi", "hebb-tanh", 99),
    # the zero-margin completion's system mod 2 with every right-hand side flipped
    "mod 2": ("rhs = (tot >> 1) & 1", "rhs = ((tot >> 1) & 1) ^ 1", "hebb-tanh", 99),
    # the two halves matched on u = v instead of u + v = 0 on the zero coordinates
    "halves": ("(128 - vec[ek[e]])", "(128 + vec[ek[e]])", "hebb-tanh", 1),
}


@pytest.mark.parametrize("name", SEARCH_MUTANTS)
def test_mutant_searches_that_prune_too_eagerly_are_caught(name):
    old, new, rule, mitm_min = SEARCH_MUTANTS[name]
    f = layer_of(3, 6, "none", seed=3).features
    # the same source unchanged, run the same way, agrees with the scan
    assert lost_verdicts(mutant(old, old), f, rule, mitm_min) == set()
    lost = lost_verdicts(mutant(old, new), f, rule, mitm_min)
    assert ("tie", "lost") in lost and all(how == "lost" for _, how in lost)
    if name == "partial activation":
        assert ("learnt", "lost") in lost


