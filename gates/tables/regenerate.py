"""``regenerate_tables``: what ``gates tables`` runs (the tables, then their figures)."""

import os
import time

from gates.io.results import Result
from gates.tables.cells import EXTENDED_SEEDS, write_learnability_tables
from gates.tables.plan import WeightedProgress, check_seeds, regeneration_plan, selected_tables

__all__ = ["regenerate_tables"]


def regenerate_tables(out_dir, extended=False, quick=False, seeds=None, only=None, budget=None, progress=None,
                      command=None, full=False, figures=True):
    """Write the tables (and their figures) into `out_dir`: what ``gates tables`` runs.

    Parameters
    ----------
    out_dir : str
        The output folder (checked before any work).
    extended, quick, full : bool
        Which tables (:func:`selected_tables`): default the :data:`HEADLINE`; ``full``: every table
        of :data:`FULL`; ``extended``: also deep_extended (through the batch runner; implies ``full``);
        ``quick``: the :data:`QUICK` tables for n <= 4 (seconds).
    seeds : int, optional
        Seeds per simulated cell (default :data:`SEEDS`; at least 2, for an interval).
    only : iterable of str, optional
        Write only these tables (names in :data:`TABLES`; deep_extended needs ``extended``).
    budget : float, optional
        ``extended``: seconds after which no new deep_extended cell starts.
    progress : callable, optional
        Called with the estimated seconds of each finished step (:func:`regeneration_plan`); the
        increments add up to ``result["estimated_seconds"]``.
    command : list of str, optional
        The command line recorded in the manifests.
    figures : bool
        Draw the figures of the written tables into ``out_dir/figures`` (needs matplotlib).

    Returns
    -------
    gates.io.results.Result
        What ``gates tables --json`` prints: out, tables, files (tables), figures (figure files,
        relative to out), rows (counts rows), seeds, all_agree and disagree (counts rows against
        their references), estimated_seconds, seconds, and note when the figures were not drawn.

    Raises
    ------
    InputError
        For contradicting options, an unknown table, too few seeds, or an output folder that cannot
        be written.

    Examples
    --------
    The counts table of n <= 4, every count beside its OEIS value (A000609, A000370, ...):

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     r = regenerate_tables(tmp, quick=True, only=["counts"])
    >>> r["tables"], r["rows"], r["all_agree"], r["files"][0]
    (['counts'], 50, True, 'counts.csv')
    """
    from gates.io.storage import check_output_dir
    from gates.io.table_figures import write_table_figures
    from gates.studies.enumeration import counts_spec, write_counts_table

    tables = selected_tables(full, extended, quick, only)
    seeds = check_seeds(seeds)
    out_abs = check_output_dir(out_dir)
    plan = regeneration_plan(tables, quick, seeds)
    step = None if progress is None else WeightedProgress(plan, progress)
    t0 = time.perf_counter()
    rows, files = [], []
    if "counts" in tables:
        rows, _ = write_counts_table(out_dir, counts_spec(quick), progress=step, command=command)
        files = ["counts.csv", "counts.md", "counts.manifest.json"]
    if set(tables) - {"counts"}:
        files += write_learnability_tables(out_dir, extended=extended, quick=quick, seeds=seeds, progress=step,
                                           command=command, only=set(tables), budget=budget)
    drawn, note = write_table_figures(out_dir, stems=tables, command=command) if figures else ([], None)
    if step is not None:
        step.finish()
    disagree = [r for r in rows if r[7] == "NO"]
    data = {
        "out": out_abs,
        "tables": tables,
        "files": files,
        "figures": drawn,
        "rows": len(rows),
        "seeds": seeds,
        **({"extended_seeds": EXTENDED_SEEDS} if extended else {}),
        "all_agree": not disagree,
        "disagree": len(disagree),
        "estimated_seconds": round(sum(x for _, x in plan), 1),
        "seconds": round(time.perf_counter() - t0, 3),
        **({"note": note} if note else {}),
    }
    text = [f"wrote {', '.join(tables)} into {out_dir} (CSV, Markdown, manifests)"
            + (f" and {_figures(len(drawn) - 1)} into {os.path.join(out_dir, 'figures')}" if drawn else "")]
    if rows:
        text.append("every count agrees with its reference" if not disagree else f"{len(disagree)} rows DISAGREE")
    if note:
        text.append(note)
    return Result(data, text="\n".join(text))


def _figures(k):
    return f"{k} figure" + ("" if k == 1 else "s")
