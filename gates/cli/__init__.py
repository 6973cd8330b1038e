"""The ``gates`` command line: :mod:`gates.cli.main` assembles the parser, one module per command."""

from gates.cli.main import main

__all__ = ["main"]
