"""What the commands show on a terminal: a progress bar, and nothing when stderr is not a terminal."""

import sys

__all__ = ["progress_bar"]


def progress_bar(total, desc, unit="it"):
    """A tqdm bar on a terminal: ``(update, close)``; ``(None, no-op)`` when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)
    return bar.update, bar.close
