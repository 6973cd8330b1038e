"""Room 1-2, Boolean functions: truth tables in bitset form, gates as tables, symmetry groups,
the exact threshold test and its class census, and the function families.

Imports only :mod:`gates.errors`, :mod:`gates._validate` and :mod:`gates.io` (layers in pyproject.toml).
"""
