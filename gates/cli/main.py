"""The ``gates`` command line: parse, call one public function, print or write.

Every subcommand takes ``--json`` and then prints exactly one JSON object.
Errors a user can cause print one line on stderr and exit with status 2.
"""

import argparse
import importlib
import sys

from gates import __version__
from gates.errors import GatesError

__all__ = ["main", "build_parser", "COMMANDS", "command_help"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


# (command, module, one-line help) in the order of `gates --help`. A command's module (and with it the
# package rooms it needs) is imported only when that command runs, so `gates --help` and every command
# start without importing the others.
COMMANDS = (
    ("enumerate", "gates.cli.enumerate",
     "count, list or classify all, monotone or threshold functions"),
    ("learn", "gates.cli.learn",
     "which functions a threshold gate learns with a local rule"),
    ("tables", "gates.cli.tables",
     "regenerate the tables in enumerations/"),
    ("deep-targets", "gates.cli.deep_targets",
     "sampling deep targets on threshold-gate networks against compute-matched baselines"),
    ("hopfield", "gates.cli.hopfield",
     "Hopfield storage, the oriented n-cube and its isometry invariance"),
    ("expectations", "gates.cli.expectations",
     "the table of expected rule terms for a linear unit (Markdown, LaTeX, CSV)"),
    ("single-unit", "gates.cli.single_unit",
     "the paper's single-unit experiments: supervised Hebb datasets, Hebb and Riccati on images"),
    ("discover", "gates.cli.discover",
     "enumerate every small polynomial local rule and rank it"),
    ("batch", "gates.cli.batch",
     "chunked, resumable batch jobs (TOML job files): run, resume, status, merge"),
    ("channel", "gates.cli.channel",
     "the learning channel: bits fed back per weight, operations, rate and improvement per algorithm"),
    ("verify", "gates.cli.verify",
     "run the theorem checks (all by default) and say which pass"),
)


def command_help(name):
    """The one-line help of command `name` (the same in ``gates --help`` and ``gates NAME --help``)."""
    return next(h for n, _, h in COMMANDS if n == name)


def build_parser(command=None):
    """The ``gates`` parser: the full subparser of `command` (of every command when None), stubs for the rest.

    A stub carries the command's name and help, so ``gates --help`` lists every command; parsing a
    command's options needs its full subparser.
    """
    p = _Parser(prog="gates", description="Learnability of Boolean functions by threshold gates.")
    p.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module, text in COMMANDS:
        if command is None or name == command:
            importlib.import_module(module).add_arguments(sub)
        else:
            sub.add_parser(name, help=text)
    return p


def _command(argv):
    """The command named in `argv` (its first argument, when it is one), else a name no command has."""
    names = {n for n, _, _ in COMMANDS}
    return argv[0] if argv and argv[0] in names else ""


def main(argv=None):
    """Run ``gates`` with `argv` (default ``sys.argv[1:]``) and return the exit status.

    A :class:`gates.errors.GatesError` is printed as one line on stderr with status 2.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    args.command_line = ["gates", *argv]
    try:
        return args.func(args)
    except GatesError as exc:
        print(f"gates {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: the reader left, nothing to report
        sys.stderr.close()
        return 141
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return 130
