"""What ``import gates`` costs, cold and warm, and what the first use of a name adds.

Run:  python scripts/bench_import.py [--json]

Each time is the median wall time of fresh interpreter processes (so it
includes interpreter start-up), beside the same process doing ``pass`` and
``import numpy`` (the baseline a user already pays). Cold: the package's
byte-code caches are removed first, so Python compiles ``gates/__init__.py``
again (the first import after an install). First use: ``import gates`` then
one public name, which imports that name's room (and numba for most).
"""

import pathlib
import statistics
import subprocess
import sys
import time

from benchlib import report

ROOT = pathlib.Path(__file__).resolve().parents[1]
RUNS = 9


def _run(code, runs=RUNS, cold=False):
    times = []
    for _ in range(runs):
        if cold:
            import gates

            for cache in pathlib.Path(gates.__file__).parent.rglob("__pycache__"):
                for pyc in cache.glob("*.pyc"):  # byte code only: numba's caches (*.nbi, *.nbc) stay
                    pyc.unlink()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _row(workload, code, baseline_code, baseline_name, cold=False):
    t = _run(code, runs=3 if cold else RUNS, cold=cold)
    b = _run(baseline_code)
    return {"workload": workload, "gates_s": round(t, 4), "baseline": baseline_name,
            "baseline_s": round(b, 4), "ratio": round(t / b, 2)}


def workloads():
    yield lambda: _row("import gates (warm)", "import gates", "pass", "python -c pass")
    yield lambda: _row("import gates (cold: no .pyc)", "import gates", "pass", "python -c pass", cold=True)
    yield lambda: _row("import gates + gates.from_hex (first use)", "import gates; gates.from_hex('6', 2)",
                       "import numpy", "import numpy")
    yield lambda: _row("import gates + gates.shallow_census (first use)", "import gates; gates.shallow_census",
                       "import numpy", "import numpy")


if __name__ == "__main__":
    report(__doc__, list(workloads()))
