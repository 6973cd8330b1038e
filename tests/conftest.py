"""Hypothesis profiles of the test suite, chosen by ``GATES_HYPOTHESIS_PROFILE``.

* ``default``: 40 examples, no deadline (kernels compile on their first call),
  the budget every test ran with before the profiles existed;
* ``ci``: the same, derandomized, so a run is reproducible, and printing the
  blob that replays a failure;
* ``thorough``: ten times the examples (tests/strategies.examples scales
  the per-test budgets too).

Tests that fix their own budget use ``tests.strategies.examples(k)``.
"""

import os

from hypothesis import settings

settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile("ci", settings.get_profile("default"), derandomize=True, print_blob=True)
settings.register_profile("thorough", settings.get_profile("default"), max_examples=400)
settings.load_profile(os.environ.get("GATES_HYPOTHESIS_PROFILE", "default"))
