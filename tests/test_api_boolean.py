"""The public face of the boolean room: ``gates.NAME`` and the truth value of a certificate.

A :class:`ThresholdCertificate` is truthy exactly when the function is
threshold. Its truth value is checked against an independent reference: the
threshold functions of n <= 3 inputs listed by brute force over small integer
gates (tests/naive.py, no LP, nothing from gates), and the counts of OEIS
A000609.
"""

import dataclasses

import pytest

import gates

from . import naive

# OEIS A000609: threshold functions of n inputs, n = 0, 1, 2, 3
A000609 = [2, 4, 14, 104]


@pytest.mark.parametrize("n", range(4))
def test_certificate_truth_value_matches_brute_force_for_every_function(n):
    reference = naive.threshold_set(n)
    wrong = []
    for v in range(2 ** 2**n):
        cert = gates.is_threshold(v, n)
        if bool(cert) != (v in reference) or bool(cert) != cert.is_threshold:
            wrong.append(v)
    assert wrong == []


@pytest.mark.parametrize("n", range(4))
def test_truthy_certificates_count_the_threshold_functions(n):
    assert sum(1 for v in range(2 ** 2**n) if gates.is_threshold(v, n)) == A000609[n]
    assert len(naive.threshold_set(n)) == A000609[n]  # the reference agrees with OEIS too


def test_if_reads_as_it_says():
    # the complaint: a dataclass without __bool__ made XOR look threshold
    xor, and_ = naive.from_func(lambda x: x[0] ^ x[1], 2), naive.from_func(lambda x: x[0] & x[1], 2)
    assert not gates.is_threshold(xor, 2)
    assert gates.is_threshold(and_, 2)
    assert ("yes" if gates.is_threshold("6", 2) else "no") == "no"


def test_truth_value_follows_the_verdict_field_not_the_proof():
    # a certificate built by hand: bool reads is_threshold, whatever the other fields hold
    yes = gates.ThresholdCertificate(2, (8,), True, (1, 1), -1)
    no = gates.ThresholdCertificate(2, (6,), False, witness=((1, 2), (0, 3)))
    assert bool(yes) is True and bool(no) is False
    assert bool(dataclasses.replace(yes, is_threshold=False)) is False


def test_no_certificate_is_truthy_by_accident_of_its_fields():
    # a witness is a non-empty tuple, and weights may be all zero: neither decides the truth value
    const0 = gates.is_threshold(0, 2)
    assert bool(const0) and not any(const0.weights)  # no input matters; the bias decides
    xor = gates.is_threshold("6", 2)
    assert xor.witness and not xor


def test_every_public_name_of_the_boolean_room_resolves():
    names = [
        "MAX_N", "from_hex", "to_hex", "from_int", "to_int", "as_tables", "constant", "projection",
        "popcount", "negate", "flip_inputs", "permute_inputs", "transform", "cofactor", "dual", "support",
        "is_monotone", "is_unate", "is_self_dual", "polarity", "chow_parameters", "threshold_gate",
        "gate_margin", "is_threshold", "ThresholdCertificate", "threshold_mask", "GROUPS", "Transform",
        "canonical_form", "orbit", "orbit_size", "group_order", "classes_of_all", "classes_of_set",
        "random_members", "FAMILIES", "all_functions", "monotone_functions", "threshold_functions",
        "count_functions", "classes", "Estimate", "GatesError", "InputError", "ResourceError", "UndecidedError",
    ]
    missing = [name for name in names if name not in gates.__all__ or getattr(gates, name, None) is None]
    assert missing == []


def test_each_boolean_name_is_defined_in_one_module():
    # the room's split: operations and properties left truth.py, the classes of many functions symmetry.py
    from gates.boolean import operations, orbits, properties, symmetry, truth

    for module, names in ((operations, ["negate", "cofactor", "flip_inputs", "permute_inputs", "transform", "dual"]),
                          (properties, ["polarity", "is_monotone", "is_unate", "support", "is_self_dual",
                                        "chow_parameters"]),
                          (orbits, ["classes_of_all", "classes_of_set", "random_members", "orbits_universe"])):
        for name in names:
            assert getattr(module, name).__module__ == module.__name__
            for old in (truth, symmetry):  # imported there for its own use at most, never defined again
                assert getattr(old, name, getattr(module, name)) is getattr(module, name)
