"""The figures of the learnability tables: what ``gates tables`` draws beside them.

Two figures, each read from the tables' CSV files (so they can be redrawn from
the committed ``enumerations/`` without computing anything):

- ``learnable_by_n.png``: the fraction of functions learnable against the
  number of inputs n, per rule, on a log scale; one panel for one threshold
  gate (``shallow_boolean``), one for two layers (``deep_boolean``, simulated
  rows, one line per hidden/output pair), with the 95% intervals as error bars.
- ``deep_width.png``: the two-layer learnable count against the hidden width h
  (``deep_width``), one panel per n, one line per pair, with the intervals.

The figures are detached :class:`matplotlib.figure.Figure` objects
(:mod:`gates.io.plots`); matplotlib is optional, and
:func:`write_table_figures` says when it is missing instead of drawing.
"""

import csv
import os

from gates.io import plots
from gates.io.plots import save_png, subplots
from gates.io.storage import manifest, write_json

__all__ = ["FIGURES", "FIGURE_SOURCES", "read_rows", "plot_learnable_by_n", "plot_deep_width",
           "write_table_figures"]

FIGURE_SOURCES = {
    "learnable_by_n.png": ("shallow_boolean", "deep_boolean"),
    "deep_width.png": ("deep_width",),
}
"""Each figure and the tables (CSV stems) it is drawn from."""
FIGURES = tuple(FIGURE_SOURCES)

_RULE_STYLE = {  # one colour per rule, the same in every panel (output rule by colour, hidden rule by marker)
    "hebb": "tab:blue", "oja": "tab:orange", "hebb-tanh": "tab:green", "gradient": "tab:red", "none": "tab:gray",
}
_HIDDEN_MARKER = {"hebb": "o", "oja": "s", "hebb-tanh": "^", "none": "x"}
_HIDDEN_LINE = {"hebb": "-", "oja": "--", "hebb-tanh": "-.", "none": ":"}
_WIDTH_PX, _DPI = 1280, 100
ONE_GATE = ("hebb", "oja", "hebb-tanh", "gradient")


def read_rows(path):
    """The rows of a learnability table's CSV file as a list of dicts (column name -> text)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _value(d, q="learnable"):
    """(value, low, high) of quantity `q` in row `d`; low/high equal the value where the row has no interval."""
    v = float(d[q])
    lo = float(d[f"{q} low"]) if d.get(f"{q} low") not in (None, "") else v
    hi = float(d[f"{q} high"]) if d.get(f"{q} high") not in (None, "") else v
    return v, lo, hi


def _decided(rows, **where):
    """Rows with a value (not undecided / not run) matching every column in `where`."""
    return [d for d in rows if d["learnable"] != "" and all(d[k] == v for k, v in where.items())]


def _errorbar(ax, xs, vals, scale, **style):
    """Points at `xs` with asymmetric error bars from (value, low, high) triples, each divided by its `scale`."""
    ys = [v / s for (v, _, _), s in zip(vals, scale)]
    lo = [max(0.0, (v - low) / s) for (v, low, _), s in zip(vals, scale)]
    hi = [max(0.0, (high - v) / s) for (v, _, high), s in zip(vals, scale)]
    ax.errorbar(xs, ys, yerr=[lo, hi], capsize=3, linewidth=1.4, markersize=5, **style)


def _jitter(xs, k, count, log2=False):
    """`xs` shifted by the k-th of `count` small offsets, so the error bars of overlapping lines separate."""
    off = 0.0 if count < 2 else (k / (count - 1) - 0.5) * 0.3
    return [x * 2 ** off for x in xs] if log2 else [x + off for x in xs]


def _floor(ax, values):
    """Put the bottom of a log axis a little below the smallest value shown (bars reaching 0 run off it)."""
    low = min((v for v in values if v > 0), default=None)
    if low is not None:
        ax.set_ylim(bottom=low / 4)


def _positive(xs, vals, scale):
    """The points of a line that a log axis can show (a value 0 has no place on it)."""
    keep = [i for i, (v, _, _) in enumerate(vals) if v > 0]
    return [xs[i] for i in keep], [vals[i] for i in keep], [scale[i] for i in keep]


def plot_learnable_by_n(shallow=None, deep=None, axes=None):
    """Draw the fraction of Boolean functions learnable against n: one gate, and two layers per pair.

    Parameters
    ----------
    shallow, deep : list of dict, optional
        Rows of the ``shallow_boolean`` and ``deep_boolean`` tables (:func:`read_rows`); a missing
        table leaves its panel empty, with a note.
    axes : pair of matplotlib Axes, optional
        Where to draw; default: a new 1280 px wide figure with two panels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes.
    """
    if axes is None:
        fig, axes = subplots(1, 2, figsize=(_WIDTH_PX / _DPI, 5.6))
    fig = axes[0].figure
    left, right = axes
    for ax, rows in ((left, shallow), (right, deep)):
        threshold = {int(d["n"]): int(d["threshold"]) / int(d["functions"]) for d in rows or []}
        if threshold:
            ns = sorted(threshold)
            ax.plot(ns, [threshold[n] for n in ns], color="black", linestyle=(0, (4, 3)), linewidth=1,
                    label="threshold functions\n(one gate computes them)")
    shown = {id(left): [], id(right): []}
    for rule in ONE_GATE:
        rows = sorted(_decided(shallow or [], family="all", layers="1", rule=rule), key=lambda d: int(d["n"]))
        if not rows:
            continue
        xs, vals, scale = _positive([int(d["n"]) for d in rows], [_value(d) for d in rows],
                                    [int(d["functions"]) for d in rows])
        shown[id(left)] += [v / s for (v, _, _), s in zip(vals, scale)]
        _errorbar(left, _jitter(xs, ONE_GATE.index(rule), len(ONE_GATE)), vals, scale, color=_RULE_STYLE[rule],
                  marker="o", label=rule)
    left.set_title("one threshold gate (shallow_boolean)")
    pairs = []
    for d in _decided(deep or [], family="all", layers="2", mode="simulate"):
        if (d["hidden rule"], d["rule"]) not in pairs:
            pairs.append((d["hidden rule"], d["rule"]))
    for k, (hidden, rule) in enumerate(pairs):
        rows = sorted(_decided(deep, family="all", layers="2", mode="simulate", rule=rule,
                               **{"hidden rule": hidden}), key=lambda d: int(d["n"]))
        xs, vals, scale = _positive([int(d["n"]) for d in rows], [_value(d) for d in rows],
                                    [int(d["functions"]) for d in rows])
        shown[id(right)] += [v / s for (v, _, _), s in zip(vals, scale)]
        _errorbar(right, _jitter(xs, k, len(pairs)), vals, scale, color=_RULE_STYLE[rule],
                  marker=_HIDDEN_MARKER.get(hidden, "o"), linestyle=_HIDDEN_LINE.get(hidden, "-"),
                  label=f"{hidden} / {rule}")
    right.set_title("two layers, h = $2^{n-1}$ hidden gates (deep_boolean, simulated)")
    for ax, rows in ((left, shallow), (right, deep)):
        ax.set_yscale("log")
        ax.set_xlabel("n (inputs)")
        ax.grid(True, which="major", alpha=0.3)
        ax.grid(True, which="minor", axis="y", alpha=0.1)
        _floor(ax, shown[id(ax)])
        if rows:
            ax.set_xticks(sorted({int(d["n"]) for d in rows}))
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"no {'shallow' if ax is left else 'deep'}_boolean table in this folder\n"
                    "(gates tables writes it)", transform=ax.transAxes, ha="center", color="gray")
    left.set_ylabel("fraction of all $2^{2^n}$ functions learnable\n(mean over seeds, 95% CI)")
    right.set_ylabel("fraction learnable (mean over seeds, 95% CI)")
    left.legend(title="rule", loc="lower left", fontsize=8, title_fontsize=8)
    if pairs:
        right.legend(title="hidden / output rule", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                     title_fontsize=8, ncol=1)
    fig.suptitle("Boolean functions learnable by local rules against the number of inputs")
    fig.subplots_adjust(left=0.08, right=0.82, bottom=0.11, top=0.87, wspace=0.2)
    return fig


def plot_deep_width(rows, axes=None):
    """Draw the two-layer learnable count against the hidden width h, one panel per n, one line per pair.

    Parameters
    ----------
    rows : list of dict
        Rows of the ``deep_width`` table (:func:`read_rows`).
    axes : sequence of matplotlib Axes, optional
        One per n in `rows`; default: a new 1280 px wide figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = _decided(rows, layers="2")
    ns = sorted({int(d["n"]) for d in rows}) or [0]
    if axes is None:
        fig, axes = subplots(1, len(ns), figsize=(_WIDTH_PX / _DPI, 5.6), squeeze=False)
        axes = list(axes[0])
    fig = axes[0].figure
    for ax, n in zip(axes, ns):
        at_n = [d for d in rows if int(d["n"]) == n]
        pairs = []
        for d in at_n:
            if (d["hidden rule"], d["rule"]) not in pairs:
                pairs.append((d["hidden rule"], d["rule"]))
        shown = []
        for k, (hidden, rule) in enumerate(pairs):
            line = sorted((d for d in at_n if (d["hidden rule"], d["rule"]) == (hidden, rule)),
                          key=lambda d: int(d["h"]))
            xs, vals, scale = _positive([int(d["h"]) for d in line], [_value(d) for d in line], [1] * len(line))
            shown += [v for v, _, _ in vals]
            _errorbar(ax, _jitter(xs, k, len(pairs), log2=True), vals, scale, color=_RULE_STYLE[rule],
                      marker=_HIDDEN_MARKER.get(hidden, "o"),
                      linestyle=_HIDDEN_LINE.get(hidden, "-"), label=f"{hidden} / {rule}")
        if at_n:
            total = int(at_n[0]["functions"])
            thr = int(at_n[0]["threshold"])
            ax.axhline(total, color="black", linewidth=1, label="all functions ($2^{2^n}$)")
            ax.axhline(thr, color="black", linestyle=(0, (4, 3)), linewidth=1,
                       label="threshold functions\n(one gate computes them)")
            for y in (total, thr):  # the line's value, at its left end
                ax.annotate(f"{y:,}", (0.01, y), xycoords=("axes fraction", "data"), va="bottom", fontsize=8)
            widths = sorted({int(d["h"]) for d in at_n})
            ax.set_xscale("log", base=2)
            ax.set_xticks(widths)
            ax.set_xticklabels([str(h) for h in widths])
        ax.set_yscale("log")
        _floor(ax, shown)
        how = "" if not at_n else " (every function)" if at_n[0]["reduction"].startswith("none") else \
            " (classes sampled, estimate)"
        ax.set_title(f"n = {n}{how}")
        ax.set_xlabel("hidden width h (threshold gates)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("functions learnable (mean over seeds, 95% CI)")
    axes[-1].legend(title="hidden / output rule", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                    title_fontsize=8)
    fig.suptitle("Two layers: functions learnt against the hidden width (deep_width)")
    fig.subplots_adjust(left=0.08, right=0.80, bottom=0.11, top=0.87, wspace=0.18)
    return fig


def write_table_figures(tables_dir, out_dir=None, stems=None, command=None):
    """Draw the figures of the tables found in `tables_dir` into `out_dir` (default ``tables_dir/figures``).

    Parameters
    ----------
    tables_dir : str
        The folder holding the tables' CSV files (``gates tables --out``).
    out_dir : str, optional
        Where the PNG files and ``figures.manifest.json`` go.
    stems : iterable of str, optional
        Draw only the figures drawn from one of these tables (the tables a run
        has just written); default: every figure whose tables are present.
    command : list of str, optional
        The command line, for the manifest.

    Returns
    -------
    (list of str, str or None)
        The files written (relative to `tables_dir`) and a note: None, or why
        nothing was drawn (matplotlib missing).
    """
    out_dir = os.path.join(tables_dir, "figures") if out_dir is None else out_dir
    present = {s for srcs in FIGURE_SOURCES.values() for s in srcs
               if os.path.exists(os.path.join(tables_dir, f"{s}.csv"))}
    wanted = present if stems is None else present & set(stems)
    todo = [f for f, srcs in FIGURE_SOURCES.items() if wanted & set(srcs)]
    if not todo:
        return [], None
    if not plots.have_matplotlib():  # looked up at call time: a test may switch it off
        return [], f"figures not drawn: {plots.NO_MATPLOTLIB}"
    rows = {s: read_rows(os.path.join(tables_dir, f"{s}.csv")) for s in present}
    written = []
    for name in todo:
        if name == "learnable_by_n.png":
            fig = plot_learnable_by_n(rows.get("shallow_boolean"), rows.get("deep_boolean"))
        else:
            fig = plot_deep_width(rows["deep_width"])
        save_png(fig, os.path.join(out_dir, name), dpi=_DPI)
        written.append(name)
    rel_tables = os.path.relpath(tables_dir, out_dir)
    sources = {name: [os.path.join(rel_tables, f"{s}.csv") for s in FIGURE_SOURCES[name] if s in present]
               for name in written}
    write_json(os.path.join(out_dir, "figures.manifest.json"),
               manifest("figures", {"sources": sources, "intervals": "95% Student t over seeds, as in the tables",
                                    "width_px": _WIDTH_PX}, written, command=command))
    rel = os.path.relpath(out_dir, tables_dir)
    return [os.path.join(rel, f) for f in [*written, "figures.manifest.json"]], None
