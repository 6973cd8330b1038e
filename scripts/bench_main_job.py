"""Time the main job, ``pip install . && gates tables``, cold and then warm; print absolute times.

Cold means what a new user meets: a fresh virtual environment, a fresh clone
of the repository at its committed HEAD, an empty numba cache, and the install
included. It is the README's first command, measured as

    python -m venv V && git clone REPO C && cd C &&
    time (V/bin/pip install . && V/bin/gates tables --out OUT)

Warm is the same ``gates tables`` run again in that environment (numba's
cache now holds every kernel). The script prints, for each phase, the wall
time and the CPU time of the child processes, with the load average, so a
measurement on a shared machine says how contended it was.

Usage::

    python scripts/bench_main_job.py [--repo .] [--extras plot] [--args "--full"] [--keep]

Needs network access to PyPI for the install (numpy, numba, scipy,
networkx, tqdm; matplotlib with ``--extras plot``).
"""

import argparse
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time


def _cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(label, argv, cwd=None, env=None):
    """Run `argv`; return (wall seconds, child CPU seconds); stop the script when it fails."""
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    print(f"{label:<28} {wall:8.1f} s wall  {cpu:8.1f} s CPU  (load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)", flush=True)
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    return wall, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the repository to clone (its committed HEAD; default: this one)")
    parser.add_argument("--extras", default="", help="pip extras, e.g. plot (matplotlib, for the figures)")
    parser.add_argument("--args", default="", help="more arguments for gates tables, e.g. '--full'")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = parser.parse_args(argv)

    root = tempfile.mkdtemp(prefix="gates-bench-")
    venv, clone, out = (os.path.join(root, d) for d in ("venv", "clone", "out"))
    env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(root, "numba-cache"))  # empty: a cold cache
    env.pop("PYTHONPATH", None)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; folder {root}", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run(["git", "clone", "-q", args.repo, clone], check=True)
        head = subprocess.run(["git", "-C", clone, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        target = "." + (f"[{args.extras}]" if args.extras else "")
        tables = [os.path.join(venv, "bin", "gates"), "tables", "--out", out, "--no-progress",
                  *shlex.split(args.args)]
        print(f"commit {head}: pip install {target} && {shlex.join(['gates', *tables[1:]])}", flush=True)
        install = timed("cold: pip install", [os.path.join(venv, "bin", "pip"), "install", "-q", target],
                        cwd=clone, env=env)
        cold = timed("cold: gates tables", tables, cwd=clone, env=env)
        print(f"{'cold: total (the README)':<28} {install[0] + cold[0]:8.1f} s wall  "
              f"{install[1] + cold[1]:8.1f} s CPU", flush=True)
        timed("warm: gates tables", tables, cwd=clone, env=env)
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
