"""The registry behind `gates verify`, its checks and their mutants, against independent facts."""

import pytest

# --------------------------------------------------------------------------
# the registry behind `gates verify`
# --------------------------------------------------------------------------

import inspect as _inspect
import json as _json

from gates.cli.main import main as _main
from gates.errors import InputError as _InputError
from gates.verify import CHECKS, run_checks
from gates.verify.theorems import check_counting

# OEIS A000609, typed from the OEIS entry (not from gates)
A000609 = {1: 4, 2: 14, 3: 104, 4: 1882, 5: 94572, 6: 15028134, 7: 8378070864, 8: 17561539552946,
           9: 144130531453121108}


def test_every_registered_check_resolves_and_takes_a_seed():
    names = [c.name for c in CHECKS]
    assert len(set(names)) == len(names)
    for c in CHECKS:
        fn = c.function()
        assert callable(fn) and "seed" in _inspect.signature(fn).parameters
        assert c.statement.endswith(".")
    # the checks the issue asks for, at least
    assert {"perceptron", "hebb-canonical", "linear-dynamics", "counting", "deep-local", "hopfield"} <= set(names)


def test_unknown_theorem_is_refused():
    with pytest.raises(_InputError, match="allowed perceptron"):
        run_checks(["nope"])


def test_counting_check_against_oeis_and_cover():
    res = check_counting()
    assert res["holds"] is True
    rows = {r["n"]: r for r in res["evidence"]["rows"]}
    for n in range(1, 10):
        assert rows[n]["threshold"] == A000609[n]
        if n <= 6:
            assert rows[n]["computed"] == A000609[n]  # counted by gates, compared with OEIS
    # Cover's bound C(P, n+1) = 2 sum_{k<=n} C(P-1, k), worked by hand: n = 2 gives 14 (tight), n = 3 gives 128
    assert rows[2]["log2_cover_bound"] == pytest.approx(3.807, abs=1e-3)
    assert rows[3]["log2_cover_bound"] == 7.0
    assert [r["log2_all"] for r in res["evidence"]["rows"]] == [2**n for n in range(1, 10)]


def test_verify_exit_status_follows_the_checks(monkeypatch, capsys):
    import gates.verify.theorems as th

    assert _main(["verify", "counting", "--json"]) == 0
    out = _json.loads(capsys.readouterr().out)
    assert out["holds"] is True and out["checks"][0]["name"] == "counting"
    monkeypatch.setattr(th, "check_counting", lambda seed=0: {"holds": False, "evidence": {"why": "forced"}})
    assert _main(["verify", "counting"]) == 1
    assert "[FAIL] counting" in capsys.readouterr().out

    def boom(seed=0):
        raise RuntimeError("broken check")

    monkeypatch.setattr(th, "check_counting", boom)
    assert _main(["verify", "counting", "--json"]) == 1  # a crashing check fails, it does not pass silently
    out = _json.loads(capsys.readouterr().out)
    assert "broken check" in out["checks"][0]["evidence"]["error"]


def test_fast_registered_checks_hold():
    res = run_checks(["linear-dynamics", "supervised-hebb"])["checks"]
    assert all(r["holds"] for r in res), res


@pytest.mark.slow  # 35 s: the checks train n <= 6; test_every_mutant_is_caught keeps each check honest by default
def test_perceptron_and_hebb_canonical_checks_hold():
    res = run_checks(["perceptron", "hebb-canonical"])["checks"]
    assert all(r["holds"] for r in res), res
    rows = {r["n"]: r for r in res[0]["evidence"]["rows"]}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert all(rows[n]["learnable"] == A000609[n] for n in rows)
    hebb = {r["n"]: r for r in res[1]["evidence"]["rows"]}
    # every function of n <= 4 is judged: 2^(2^n) of them
    assert [hebb[n]["functions"] for n in (1, 2, 3, 4)] == [4, 16, 256, 65536]


@pytest.mark.slow
def test_slow_variants_of_the_checks_hold():
    res = run_checks(["perceptron", "hebb-canonical", "counting"], slow=True)["checks"]
    assert all(r["holds"] for r in res), res
    rows = {r["n"]: r for r in res[0]["evidence"]["rows"]}
    assert rows[7]["learnable"] == A000609[7]
    assert {r["n"]: r["computed"] for r in res[2]["evidence"]["rows"]}[7] == A000609[7]


# --------------------------------------------------------------------------
# mutants: every check is shown to fail on a deliberate break
# --------------------------------------------------------------------------


def test_every_check_names_mutants_and_refuses_unknown_ones():
    for c in CHECKS:
        fn = c.function()
        assert "mutant" in _inspect.signature(fn).parameters, c.name
        assert isinstance(fn.mutants, dict) and len(fn.mutants) >= 1, c.name
        assert all(isinstance(d, str) and len(d) > 20 for d in fn.mutants.values()), c.name
        with pytest.raises(_InputError, match="unknown"):
            fn(seed=0, mutant="no-such-mutant")


# mutants whose test lives beside their study, where it also checks the reason the check fails
from tests.test_channel import MUTANT_CLAIM as _CHANNEL_MUTANTS  # noqa: E402
from tests.test_linear import MUTANT_BREAKS as _LINEAR_MUTANTS  # noqa: E402
from tests.test_single_unit import MUTANT_REASONS as _HEBB_MUTANTS  # noqa: E402
from tests.test_single_unit import RICCATI_MUTANTS as _RICCATI_MUTANTS  # noqa: E402

_TESTED_ELSEWHERE = {"channel": set(_CHANNEL_MUTANTS), "supervised-hebb": set(_HEBB_MUTANTS),
                     "linear-dynamics": set(_LINEAR_MUTANTS), "riccati-images": set(_RICCATI_MUTANTS)}
_MUTANT_CASES = [(c.name, m) for c in CHECKS for m in getattr(c.function(), "mutants", {})
                 if m not in _TESTED_ELSEWHERE.get(c.name, ())]


def test_every_registered_mutant_has_a_test():
    registered = {(c.name, m) for c in CHECKS for m in getattr(c.function(), "mutants", {})}
    covered = set(_MUTANT_CASES) | {(name, m) for name, ms in _TESTED_ELSEWHERE.items() for m in ms}
    assert registered == covered


@pytest.mark.parametrize("name,mutant", _MUTANT_CASES)
def test_every_mutant_is_caught(name, mutant):
    fn = {c.name: c for c in CHECKS}[name].function()
    res = fn(seed=0, mutant=mutant)
    assert res["holds"] is False, (name, mutant)
    assert res["evidence"].get("mutant") == mutant  # the break was applied, not a crash
    assert "error" not in res["evidence"]


def test_run_checks_reports_mutants_and_an_uncaught_one(monkeypatch, capsys):
    import gates.verify.theorems as th

    res = run_checks(["counting"], mutants=True)["checks"][0]
    assert res["holds"] is True
    assert [m["name"] for m in res["mutants"]] == list(th.check_counting.mutants)
    assert all(m["caught"] for m in res["mutants"])
    # a check whose "mutant" changes nothing: reported as not caught, and verify fails
    def blind(seed=0, slow=False, mutant=None):
        return {"holds": True, "evidence": {"mutant": mutant}}

    blind.mutants = {"no-op": "a mutant that breaks nothing at all, so the check cannot see it"}
    monkeypatch.setattr(th, "check_counting", blind)
    assert _main(["verify", "counting", "--mutants", "--json"]) == 1
    out = _json.loads(capsys.readouterr().out)
    assert out["holds"] is True and out["mutants_caught"] is False
    assert out["checks"][0]["mutants"] == [{"name": "no-op", "description": blind.mutants["no-op"],
                                            "seconds": out["checks"][0]["mutants"][0]["seconds"], "caught": False}]
    # a mutant run that crashes is not counted as caught
    def crashing(seed=0, slow=False, mutant=None):
        if mutant:
            raise RuntimeError("mutant plumbing broken")
        return {"holds": True, "evidence": {}}

    crashing.mutants = {"boom": "a mutant whose run raises instead of making the check fail"}
    monkeypatch.setattr(th, "check_counting", crashing)
    res = run_checks(["counting"], mutants=True)["checks"][0]
    assert res["mutants"][0]["caught"] is False and "mutant plumbing broken" in res["mutants"][0]["error"]
    assert _main(["verify", "counting", "--mutants"]) == 1
    assert "NOT CAUGHT" in capsys.readouterr().out


def test_counting_mutants_break_the_count_and_the_bound():
    # NP orbit sizes without negations: at n = 2 the 14 threshold functions shrink (independent: the
    # six NP classes of n = 2 have P-orbits 1, 1, 2, 2, 1, 1 ...); the count must differ from OEIS
    from gates.verify.theorems import cover_bound, np_count

    assert np_count(2) == A000609[2] and np_count(2, negations=False) < A000609[2]
    # Cover in n dimensions: 2 (C(3, 0) + C(3, 1)) = 8 < 14 at n = 2
    assert cover_bound(2, bias=False) == 8 and cover_bound(2) == 14


def test_check_mutant_accepts_none_and_the_listed_names_only():
    from gates.errors import check_mutant

    assert check_mutant(None, {"a": "x"}) is None and check_mutant("a", {"a": "x"}) == "a"
    with pytest.raises(_InputError, match="mutant 'b' is unknown: allowed a, c"):
        check_mutant("b", {"a": "x", "c": "y"})
