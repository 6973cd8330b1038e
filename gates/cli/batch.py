"""``gates batch``: run, resume, report on and merge chunked batch jobs.

The command calls :func:`gates.jobs.run_job`, :func:`~gates.jobs.resume_job`,
:func:`~gates.jobs.job_status` or :func:`~gates.jobs.merge_job` and prints the
result's ``to_dict()`` (``--json``) or ``summary()``.
"""

import json

from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar
from gates.errors import GatesError
from gates.jobs.executors import EXECUTORS

__all__ = ["add_arguments", "run", "ACTIONS"]

ACTIONS = ("run", "resume", "status", "merge")


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.jobs import runner as jobs

    if (args.action == "run") != (args.dir is not None):
        raise GatesError("--dir DIR goes with run (gates batch run JOB.toml --dir DIR); the other actions "
                         "take the directory itself: gates batch status DIR")
    if args.out is not None and args.action != "merge":
        raise GatesError("--out is for merge")
    if args.action in ("run", "resume"):
        # the bar's total (the job's chunks) is given by the runner once it has planned the job
        update, close = progress_bar(None, "chunks", "chunk", enabled=args.progress)
        try:
            if args.action == "run":
                out = jobs.run_job(args.target, args.dir, executor=args.executor, workers=args.workers,
                                   scheduler=args.scheduler, progress=update or False, command=args.command_line)
            else:
                out = jobs.resume_job(args.target, executor=args.executor, workers=args.workers,
                                      scheduler=args.scheduler, progress=update or False)
        finally:
            close()
    elif args.action == "status":
        out = jobs.job_status(args.target)
    else:
        out = jobs.merge_job(args.target, out=args.out, command=args.command_line)
    print(json.dumps(out.to_dict(), default=str) if args.json else out.summary())
    # a run that left chunks failed or held by another runner is not finished
    return 1 if args.action in ("run", "resume") and not out.get("complete", True) else 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    b = sub.add_parser(
        "batch",
        help=command_help("batch"),
        description="run JOB.toml --dir DIR runs the pending chunks of a job (a second run on the same "
        "directory is safe, and so are two at once); resume DIR re-checks every finished chunk's checksum "
        "and reruns missing or damaged ones; status DIR reports done / pending / failed and the time "
        "left; merge DIR writes the tables and manifest exactly as the interactive command would. "
        "Executors: serial (default), process (local workers, one numba thread each), dask "
        "(--scheduler ADDRESS, or a LocalCluster; pip install 'gates[distributed]').",
    )
    b.add_argument("action", choices=ACTIONS)
    b.add_argument("target", metavar="JOB.toml|DIR", help="the job file (run) or the job directory (others)")
    b.add_argument("--dir", help="run: the job directory")
    b.add_argument("--executor", choices=EXECUTORS, default="serial")
    b.add_argument("--workers", type=int, default=None, help="process / dask LocalCluster workers")
    b.add_argument("--scheduler", metavar="ADDRESS", help="dask: join this scheduler instead of a LocalCluster")
    b.add_argument("--out", metavar="DIR", help="merge: where the tables go (default: DIR/merged)")
    b.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    add_progress_argument(b)
    b.set_defaults(func=run)
