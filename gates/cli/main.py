"""The ``gates`` command line: parse, call one public function, print or write.

Every subcommand takes ``--json`` and then prints exactly one JSON object.
Errors a user can cause print one line on stderr and exit with status 2.
"""

import argparse
import sys

from gates import __version__
from gates.cli import (batch, channel, deep_targets, discover, expectations, hopfield, learn, single_unit, tables,
                       verify)
from gates.cli import enumerate as enumerate_cmd
from gates.errors import GatesError

__all__ = ["main", "build_parser", "COMMANDS"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


# the order of `gates --help`
COMMANDS = (enumerate_cmd, learn, tables, deep_targets, hopfield, expectations, single_unit, discover, batch,
            channel, verify)


def build_parser():
    """The ``gates`` parser: one subparser per module of :data:`COMMANDS`."""
    p = _Parser(prog="gates", description="Learnability of Boolean functions by threshold gates.")
    p.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_arguments(sub)
    return p


def main(argv=None):
    """Run ``gates`` with `argv` (default ``sys.argv[1:]``) and return the exit status.

    A :class:`gates.errors.GatesError` is printed as one line on stderr with status 2.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
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
