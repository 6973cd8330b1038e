"""The tables of ``gates tables``: learnability cells, what a run writes and how long it takes.

- :mod:`gates.tables.cells`: the cells (one census each, over seeds), the
  table specifications (:data:`SPEC`) and the writers of the learnability
  tables and of the exact one-gate table;
- :mod:`gates.tables.plan`: which tables a run writes (the headline by
  default, every table with ``full``) and the cost model that estimates a
  run before it starts and weights its progress steps;
- :mod:`gates.tables.regenerate`: :func:`regenerate_tables`, the one
  function behind ``gates tables``: the tables, then their figures
  (:mod:`gates.io.table_figures`).
"""

from gates.tables.cells import *  # noqa: F401,F403
from gates.tables.cells import __all__ as _cells
from gates.tables.plan import *  # noqa: F401,F403
from gates.tables.plan import __all__ as _plan
from gates.tables.regenerate import regenerate_tables

__all__ = ["regenerate_tables", *_plan, *_cells]
