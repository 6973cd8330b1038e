"""The training protocol's command-line options, generated from the metadata of its fields.

Each :class:`gates.learning.protocol.Protocol` field gives its option's flag,
type, default, choices and help; a negated switch (``--no-bias``,
``--literal-encoding``) sets its field to False.
"""

from dataclasses import fields

from gates.learning.protocol import Protocol

__all__ = ["HELP_ORDER", "add_protocol_arguments", "protocol_from"]

_FIELDS = {f.name: f for f in fields(Protocol)}

# the fields' order, with the --literal-encoding switch (recode) beside --encoding
HELP_ORDER = ("encoding", "recode", *(name for name in _FIELDS if name not in ("encoding", "recode")))


def _flag(f):
    return f.metadata["flag"] or "--" + f.name.replace("_", "-")


def _dest(f):
    return _flag(f).lstrip("-").replace("-", "_")


def add_protocol_arguments(parser, names=HELP_ORDER):
    """Add the options of the protocol fields `names` to the argparse `parser`."""
    for name in names:
        f = _FIELDS[name]
        m = f.metadata
        if m["negate"]:
            parser.add_argument(_flag(f), action="store_true", help=m["cli_help"])
            continue
        kw = {"choices": m["choices"]} if m["choices"] is not None else {"type": f.type}
        if m["metavar"] is not None:
            kw["metavar"] = m["metavar"]
        parser.add_argument(_flag(f), default=f.default, help=m["cli_help"], **kw)


def protocol_from(args):
    """The :class:`Protocol` the parsed `args` describe (options not on the parser keep their defaults)."""
    values = {}
    for f in _FIELDS.values():
        if hasattr(args, _dest(f)):
            v = getattr(args, _dest(f))
            values[f.name] = not v if f.metadata["negate"] else v
    return Protocol(**values)
