"""Room 1-2, Boolean functions: truth tables in bitset form, gates as tables, symmetry groups,
the exact threshold test and its class census, and the function families.

* :mod:`~gates.boolean.truth`: tables read, written and built (kitty's convention);
  :mod:`~gates.boolean.operations` transforms them, :mod:`~gates.boolean.properties` tests them;
  :mod:`~gates.boolean.words` holds the compiled word kernels they share;
* :mod:`~gates.boolean.gate`: threshold gates as tables; :mod:`~gates.boolean.threshold`: the exact
  test with its certificates; :mod:`~gates.boolean.threshold_classes`: the threshold census;
* :mod:`~gates.boolean.symmetry`: the P, NP and NPN groups acting on one table;
  :mod:`~gates.boolean.orbits`: the classes of many functions and random class members;
* :mod:`~gates.boolean.families`: all, monotone and threshold functions, counted, listed and classed.

Imports only :mod:`gates.errors`, :mod:`gates._validate` and :mod:`gates.io` (layers in pyproject.toml).
"""
