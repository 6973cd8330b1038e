"""What the commands show on a terminal: a progress bar (nothing when stderr is not a terminal), the files written."""

import sys

__all__ = ["progress_bar", "print_written"]


def progress_bar(total, desc, unit="it"):
    """A tqdm bar on a terminal: ``(update, close)``; ``(None, no-op)`` when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)
    return bar.update, bar.close


def print_written(summary, out):
    """The one line saying which files a command wrote into `out` (and the summary's note, if any)."""
    note = f" ({summary['note']})" if "note" in summary else ""
    print(f"wrote {', '.join(summary['files'])} into {out}{note}")
