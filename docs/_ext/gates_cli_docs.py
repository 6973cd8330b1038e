"""The parser the CLI reference (docs/cli.md) documents: ``gates.cli.main.build_parser()``, help escaped.

sphinx-argparse reads every help string as reStructuredText, but the help of ``gates`` is plain text
written for a terminal: ``|w|`` would be a substitution, ``T*x`` the start of emphasis. This returns
the real parser (every command's full subparser) with each help string and description escaped, so
the page shows the text exactly as ``gates COMMAND --help`` prints it and never drifts from it.
"""

import argparse
import re

from gates.cli.main import build_parser

_SPECIAL = re.compile(r"([\\`*|_\[\]<>])")


def _escape(text):
    return None if text is None else _SPECIAL.sub(r"\\\1", text)


def _escape_parser(parser, seen):
    if id(parser) in seen:
        return
    seen.add(id(parser))
    parser.description = _escape(parser.description)
    parser.epilog = _escape(parser.epilog)
    for action in parser._actions:
        if action.help not in (None, argparse.SUPPRESS):
            # keep argparse's own %(default)s style placeholders working
            action.help = _escape(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _escape(choice.help)
            for sub in action.choices.values():
                _escape_parser(sub, seen)


def parser():
    """``build_parser()`` (every command in full) with its help text escaped for reStructuredText."""
    p = build_parser()
    _escape_parser(p, set())
    return p
