"""The image experiments on one data source, and their files (``gates single-unit images``).

Runs :func:`gates.studies.single_unit.images.hebb_images`,
:func:`gates.studies.single_unit.images.riccati_images` (the control, whose
rule does not read O) and
:func:`gates.studies.single_unit.riccati_tanh.riccati_tanh_images` (the tanh
unit whose rule reads O) on one source of
:func:`gates.io.datasets.image_data`, and writes CSV, manifests and plots.
"""

import os

from gates.errors import InputError
from gates.io.progress import paced
from gates.io.plots import NO_MATPLOTLIB, have_matplotlib, save_png, subplots
from gates.studies.single_unit.images import hebb_images, riccati_images
from gates.studies.single_unit.riccati_tanh import riccati_tanh_images
from gates.studies.single_unit.written import Written


__all__ = ["IMAGE_STEPS", "image_study", "write_image_study"]


# typical seconds of the three experiments on the digits (warm, one core): the bar's weights
_STEP_SECONDS = {"hebb": 0.1, "riccati": 2.8, "riccati_tanh": 1.5}
IMAGE_STEPS = tuple(_STEP_SECONDS)


def image_study(source="digits", digit=9, rule="T*x - T*w^2", seed=0, hebb=None, riccati=None, tanh=None,
                progress=None):
    """The image experiments on one data source (the CLI's entry point).

    Parameters
    ----------
    source : str
        As in :func:`gates.io.datasets.image_data`; the control needs labels.
    digit, rule, seed
        As in :func:`riccati_images` (`rule` is the control's); the O-reading
        unit trains on the images of `digit` (all images without labels).
    hebb, riccati, tanh : dict, optional
        Extra keyword arguments of :func:`hebb_images` /
        :func:`riccati_images` / :func:`riccati_tanh_images`.
    progress : callable, optional
        Called as ``progress(k)`` with the steps done (the three experiments,
        :data:`IMAGE_STEPS`, each weighted by its typical cost; the calls add
        up to 3), about four times a second from a helper thread.

    Returns
    -------
    dict
        ``data`` (the source description), ``hebb``, ``riccati`` (the
        control, whose rule does not read O; None without labels) and
        ``riccati_tanh`` (the tanh unit whose rule reads O).

    Examples
    --------
    >>> res = image_study("segments", hebb={"epochs": 10}, riccati={"epochs": 5}, tanh={"epochs": 5})
    >>> res["riccati"]["settings"]["role"], res["riccati_tanh"]["settings"]["role"]
    ('control: rule does not read O', 'reads O')
    """
    from gates.io.datasets import image_data

    X, y, info = image_data(source)
    sent = [0.0]

    def send(k):
        sent[0] += k
        progress(k)

    total = sum(_STEP_SECONDS.values())
    weight = {k: len(_STEP_SECONDS) * v / total for k, v in _STEP_SECONDS.items()}
    with paced(send if progress is not None else None, weight["hebb"], _STEP_SECONDS["hebb"]):
        out = {"data": info, "hebb": hebb_images(X, seed=seed, **(hebb or {})), "riccati": None}
    with paced(send if progress is not None else None, weight["riccati"], _STEP_SECONDS["riccati"]):
        if y is not None:
            out["riccati"] = riccati_images(X, y, digit=digit, rule=rule, seed=seed, **(riccati or {}))
    with paced(send if progress is not None else None, weight["riccati_tanh"], _STEP_SECONDS["riccati_tanh"]):
        out["riccati_tanh"] = riccati_tanh_images(X, y, digit=digit if y is not None else None, seed=seed,
                                                  **(tanh or {}))
    if progress is not None and sent[0] != len(_STEP_SECONDS):
        send(len(_STEP_SECONDS) - sent[0])  # rounding: the calls add up to the steps exactly
    return out


def _plot_weights(ax, res, dotted=None):
    """Simulated weights (lines) and their Riccati prediction (circles); `dotted`: a third curve per weight."""
    for i, j in enumerate(res["weights"]):
        line, = ax.plot(res["t"], res["simulated"][:, i], lw=1.5, label=f"w{j} simulated")
        ax.plot(res["t"], res["riccati"][:, i], "o", color=line.get_color(), mfc="none", ms=4,
                markevery=max(1, len(res["t"]) // 15))
        if dotted is not None:
            ax.plot(res["t"], res[dotted][:, i], ":", color=line.get_color(), lw=1)


def write_image_study(res, out_dir, command=None):
    """Write the image experiments into `out_dir`, atomically.

    Parameters
    ----------
    res : dict
        ``{"hebb": ..., "riccati": ..., "riccati_tanh": ..., "data": ...}``:
        results of :func:`hebb_images`, :func:`riccati_images` (the control)
        and :func:`riccati_tanh_images` (any may be None or missing) and the
        data description of :func:`gates.io.datasets.image_data` (optional).
    out_dir : str
        Destination folder.
    command : list of str, optional
        The command line for the manifests.

    Returns
    -------
    Written
        ``files``: ``hebb_images.csv`` (epoch, norm, log10_norm, angle_cog, angle_pc),
        ``riccati_images.csv`` (epoch, t, weight, a, b, c, simulated,
        riccati), ``riccati_tanh_images.csv`` (epoch, t, tau, weight, a, b,
        c, simulated, riccati, o_free, mean_ode), a manifest beside each, and
        ``hebb_images.png`` / ``riccati_images.png`` /
        ``riccati_tanh_images.png`` when matplotlib is installed; ``note``:
        why the plots are missing, or None (a named tuple: it unpacks as
        ``files, note``).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(50, 4)); y = rng.integers(0, 2, 50)
    >>> res = {"hebb": hebb_images(X, epochs=10), "riccati": riccati_images(X, y, digit=1, epochs=10)}
    >>> files, _ = write_image_study(res, tempfile.mkdtemp(), command=["gates", "doc"])
    >>> files[:2]
    ['hebb_images.csv', 'hebb_images.manifest.json']
    """
    from gates.io.storage import manifest, manifest_path, write_csv, write_json

    data = res.get("data")
    hebb, ric, tnh = res.get("hebb"), res.get("riccati"), res.get("riccati_tanh")
    if hebb is None and ric is None and tnh is None:
        raise InputError("nothing to write: the image study holds neither a Hebb nor a Riccati result")
    files = []

    def put(name, header, rows, kind, protocol, results):
        path = os.path.join(out_dir, name)
        write_csv(path, header, rows)
        mpath = manifest_path(path)
        write_json(mpath, manifest(kind, protocol, [name], seed=protocol.get("seed"), command=command,
                                   results=results))
        files.extend([name, os.path.basename(mpath)])

    if hebb is not None:
        rows = [[int(e), float(hebb["norm"][e]), round(float(hebb["log10_norm"][e]), 8),
                 round(float(hebb["angle_cog"][e]), 6), round(float(hebb["angle_pc"][e]), 6)]
                for e in hebb["epoch"]]
        put("hebb_images.csv", ["epoch", "norm", "log10_norm", "angle_cog", "angle_pc"], rows, "hebb-images",
            {**hebb["settings"], "data": data}, {"final": hebb["final"], "lambda": hebb["lambda"]})
    if ric is not None:
        co = ric["coefficients"]
        rows = [[int(e), float(ric["t"][e]), j, float(co["a"][i]), float(co["b"][i]), float(co["c"][i]),
                 float(ric["simulated"][e, i]), float(ric["riccati"][e, i])]
                for i, j in enumerate(ric["weights"]) for e in ric["epoch"]]
        put("riccati_images.csv", ["epoch", "t", "weight", "a", "b", "c", "simulated", "riccati"], rows,
            "riccati-images", {**ric["settings"], "data": data},
            {"max_abs_deviation": ric["max_abs_deviation"], "r2": ric["r2"], "diverged": ric["diverged"],
             "weights": ric["weights"]})
    if tnh is not None:
        co, full = tnh["coefficients"], tnh["full"]
        # per picked weight: simulation, prediction R(tau(t)) and the exact expected ODE (no approximation)
        rows = [[int(e), float(tnh["t"][e]), float(tnh["tau"][e]), j, float(co["a"][i]), float(co["b"][i]),
                 float(co["c"][i]), float(tnh["simulated"][e, i]), float(tnh["riccati"][e, i]),
                 float(tnh["o_free"][e, i]), float(full["mean_ode"][e, j])]
                for i, j in enumerate(tnh["weights"]) for e in tnh["epoch"]]
        put("riccati_tanh_images.csv", ["epoch", "t", "tau", "weight", "a", "b", "c", "simulated", "riccati",
                                        "o_free", "mean_ode"], rows, "riccati-tanh-images",
            {**tnh["settings"], "data": data},
            {k: tnh[k] for k in ("r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight",
                                 "o_free_clock", "approximation", "mean_ode", "weights")})
    if not have_matplotlib():
        return Written(files, f"{NO_MATPLOTLIB}: no image plots")
    if hebb is not None:
        fig, (a1, a2) = subplots(1, 2, figsize=(9, 3.8))
        a1.plot(hebb["epoch"], hebb["angle_cog"], label="to centre of gravity")
        a1.plot(hebb["epoch"], hebb["angle_pc"], label="to principal eigenvector (lines)")
        a1.set_xlabel("epoch")
        a1.set_ylabel("angle (degrees)")
        a1.legend(fontsize=8)
        a2.plot(hebb["epoch"], hebb["log10_norm"])
        a2.set_xlabel("epoch")
        a2.set_ylabel("log10 |w|")
        fig.suptitle("unsupervised simple Hebb on a linear unit", fontsize=10)
        fig.tight_layout()
        save_png(fig, os.path.join(out_dir, "hebb_images.png"), dpi=120)
        files.append("hebb_images.png")
    if ric is not None:
        fig, ax = subplots(figsize=(7, 4.5))
        _plot_weights(ax, ric)
        ax.set_xlabel("t = eta * epoch")
        ax.set_ylabel("weight")
        ax.set_title(f"{ric['settings']['rule']}, digit {ric['settings']['digit']}: simulation (lines) and "
                     f"Riccati (circles), R^2 = {ric['r2']:.4f}", fontsize=9)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        save_png(fig, os.path.join(out_dir, "riccati_images.png"), dpi=120)
        files.append("riccati_images.png")
    if tnh is not None:
        fig, ax = subplots(figsize=(7, 4.5))
        _plot_weights(ax, tnh, dotted="o_free")
        ax.set_xlabel("t = eta * epoch")
        ax.set_ylabel("weight")
        ax.set_title(f"tanh unit, {tnh['settings']['rule']} (reads O), R^2 = {tnh['r2']:.6f}\nsimulation "
                     "(lines), Riccati in the clock tau(t) (circles), O-free clock t (dotted)", fontsize=9)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        save_png(fig, os.path.join(out_dir, "riccati_tanh_images.png"), dpi=120)
        files.append("riccati_tanh_images.png")
    return Written(files, None)
