"""What the commands show on a terminal: a progress bar, the files written.

A bar shows on a terminal (stderr is a tty) and nowhere else, unless the
command's ``--progress`` / ``--no-progress`` says otherwise.
"""

import argparse
import json
import os
import sys

__all__ = ["progress_bar", "print_written", "add_progress_argument", "report"]


def add_progress_argument(parser):
    """Add ``--progress/--no-progress`` to `parser` (default: a bar only when stderr is a terminal)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar on stderr (default: only when stderr is a terminal)")


def progress_bar(total, desc, unit="it", enabled=None):
    """A tqdm bar: ``(update, close)``, or ``(None, no-op)`` when disabled.

    Parameters
    ----------
    total : int or float
        The work in `unit` (the bar ends at 100% when updates add up to it).
    desc, unit : str
        Label and unit of the work (functions, classes, cells, chunks, epochs).
    enabled : bool, optional
        ``--progress`` (True) / ``--no-progress`` (False); None: only when stderr is a terminal.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False, mininterval=0.5, file=sys.stderr)
    return bar.update, bar.close


def print_written(summary, out):
    """The one line saying which files a command wrote into `out` (and the summary's note, if any)."""
    note = f" ({summary['note']})" if "note" in summary else ""
    print(f"wrote {', '.join(summary['files'])} into {out}{note}")


def report(args, result, out=None, files=None, note=None):
    """Print a study's `result` and return the exit status 0.

    With ``--json``: one JSON object, ``result.to_dict()`` plus, when files were written into `out`, the
    keys ``out``, ``files`` (and ``note``). Without: ``result.summary()`` and the line naming the files.
    """
    summary = result.to_dict()
    if out is not None:
        summary.update(out=os.path.abspath(out), files=list(files), **({"note": note} if note else {}))
    if args.json:
        print(json.dumps(summary, default=float))
        return 0
    print(result.summary())
    if out is not None:
        print_written(summary, out)
    return 0
