"""The linear unit O = w . I under polynomial local rules (Baldi & Sadowski §"linear units").

* :mod:`~gates.linear_unit.moments`: moments of a dataset and the expected
  update of a rule;
* :mod:`~gates.linear_unit.expectations`: the paper's tables of expectations
  and their writer (``gates expectations``);
* :mod:`~gates.linear_unit.dynamics`: training, exact affine dynamics and
  the named behaviours (Hebb, Oja, delta);
* :mod:`~gates.linear_unit.riccati`: rules without O, one Riccati equation
  per weight.

Its check for ``gates verify`` is :mod:`gates.verify.linear_unit`.
"""
