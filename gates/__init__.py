"""gates: learnability of Boolean functions by threshold gates under local rules.

The public API is this namespace: ``gates.NAME`` for every name in
``gates.__all__``. Names load lazily (PEP 562), so ``import gates`` imports
neither numba nor any room of the package; the first use of a name imports
its module.

Examples
--------
>>> import gates
>>> xor = gates.from_hex("6", 2)
>>> bool(gates.is_threshold(xor, 2)), bool(gates.is_threshold(gates.from_hex("8", 2), 2))
(False, True)
"""

import importlib

__version__ = "0.1.0"

# name -> module that defines it, grouped as in the API reference (docs/api.md)
_API = {
    # truth tables and their operations
    "gates.boolean.truth": (
        "MAX_N", "from_hex", "to_hex", "from_int", "to_int", "as_tables", "constant", "projection", "popcount",
    ),
    "gates.boolean.operations": ("negate", "flip_inputs", "permute_inputs", "transform", "cofactor", "dual"),
    "gates.boolean.properties": ("support", "is_monotone", "is_unate", "is_self_dual", "polarity",
                                 "chow_parameters"),
    "gates.boolean.gate": ("threshold_gate", "gate_margin"),
    # the threshold test
    "gates.boolean.threshold": ("is_threshold", "ThresholdCertificate", "threshold_mask"),
    # canonical forms and classes
    "gates.boolean.symmetry": ("GROUPS", "Transform", "canonical_form", "orbit", "orbit_size", "group_order"),
    "gates.boolean.orbits": ("classes_of_all", "classes_of_set", "random_members"),
    # families and enumeration
    "gates.boolean.families": (
        "FAMILIES", "all_functions", "monotone_functions", "threshold_functions", "count_functions", "classes",
    ),
    "gates.studies.enumeration": ("enumerate_family", "Enumeration", "describe_function"),
    # rules and the protocol
    "gates.learning.rules": ("Rule", "RULES", "get_rule"),
    "gates.learning.protocol": ("Protocol",),
    "gates.learning.two_layer": ("DeepNet", "HIDDEN_RULES", "TOP_RULES", "representable"),
    # the one- and two-layer censuses
    "gates.studies.census": ("shallow_census",),
    "gates.studies.census_results": ("CensusResult",),
    "gates.studies.deep_census": ("deep_census",),
    # Hopfield
    "gates.learning.hopfield": ("hopfield_study", "check_invariance", "isometries"),
    # the learning channel
    "gates.studies.channel_study": ("channel_study",),
    # deep targets
    "gates.learning.deep_targets": ("deep_targets", "DeepTargetsConfig"),
    "gates.studies.deep_targets_study": ("run_study",),
    # single-unit studies, expectations, rule discovery
    "gates.linear_unit.expectations": ("expectation_table", "expected_terms"),
    "gates.studies.single_unit.experiments": ("run_experiment",),
    "gates.studies.discover": ("discover",),
    # the theorem checks
    "gates.verify": ("CHECKS", "check_names", "run_checks"),
    # the job runner and the tables
    "gates.jobs": ("load_job", "run_job", "resume_job", "job_status", "merge_job"),
    "gates.tables": ("regenerate_tables",),
    # results, estimates, errors
    "gates.io.results": ("Result",),
    "gates.estimate": ("Estimate",),
    "gates.errors": ("GatesError", "InputError", "ResourceError", "UndecidedError"),
}
# a name whose module calls it something else
_RENAMED = {"deep_targets_study": ("gates.studies.deep_targets_study", "run_study")}

_WHERE = {name: module for module, names in _API.items() for name in names if name != "run_study"}
_WHERE.update({alias: module for alias, (module, _) in _RENAMED.items()})

__all__ = sorted(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'gates' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, (None, name))[1])
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
