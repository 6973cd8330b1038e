"""Study adapters for batch jobs: what a chunk of a census or an enumeration computes.

:mod:`gates.jobs` (the framework: job files, chunk storage, claims, executors)
knows no science. It drives a study through this protocol; every study
here calls the same functions as the interactive command, so a merged job
writes exactly what ``gates learn --out`` or ``gates enumerate --out``
would have written.

``STUDIES[name]`` has

* ``keys``: key -> (types, default or REQUIRED, help): every option of the
  study's command;
* ``validate(spec)`` -> the spec with defaults filled, or InputError;
* ``plan(spec)`` -> chunk descriptors (JSON), deterministic;
* ``run(spec, chunk)`` -> numeric arrays, a pure function of (spec, chunk);
* ``merge(spec, results, out_dir, command)`` -> summary, writing the tables;
* ``cost(spec, chunk)`` -> relative work, for the time-left estimate.

Randomness. A census gives every function the same draws: restart k of
seed s uses ``SeedSequence(s).spawn(K)[k]`` (see :mod:`gates.learning.protocol`).
A chunk's randomness is therefore a function of (root seed, its rows)
alone, and the results are identical whatever the chunking, executor,
worker count or order of completion, and equal to the interactive
command's.
"""

import os
from dataclasses import fields

import numpy as np

from gates._validate import check_int, is_int
from gates.errors import InputError
from gates.learning.protocol import Protocol

__all__ = ["STUDIES", "REQUIRED", "LearnStudy", "EnumerateStudy"]


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED = _Required()


def _protocol_keys():
    """The protocol's batch keys from its fields' metadata: key -> (types, default, help).

    ``seed`` is not a key: a job names its root seeds in ``seeds``. A float
    setting takes TOML's integers too; the ranges are Protocol's own checks.
    """
    keys = {}
    for f in fields(Protocol):
        if f.name == "seed":
            continue
        m = f.metadata
        c = m["choices"]
        help_ = m["help"] if c is None else f"{', '.join(c[:-1])} or {c[-1]}"
        keys[f.name] = ((int, float) if f.type is float else f.type, f.default, help_)
    return keys


_PROTOCOL_KEYS = _protocol_keys()


class LearnStudy:
    """``gates learn`` as a batch job: one chunk = a slice of the census rows for one seed."""

    name = "learn"
    keys = {
        "family": (str, "all", "all, monotone or threshold"),
        "n": (int, REQUIRED, "number of inputs"),
        "layers": (int, 1, "1 (one gate) or 2 (hidden layer + gate)"),
        "rule": (str, "hebb", "output rule: hebb, oja, hebb-tanh, gradient"),
        "poly": ((str, type(None)), None, "a polynomial rule instead of rule (one gate)"),
        "form": ((str, type(None)), None, "clamped or unsupervised (one gate; default: clamped for a named "
                 "rule, a poly as written)"),
        "mode": (str, "simulate", "simulate or exact (two layers: hidden layer simulated, output decided exactly)"),
        "classes": (str, "none", "none, p, np or npn"),
        "members": (int, 2, "random members per class (stratified sampling, simulate)"),
        "exhaustive": (bool, False, "train every function (one gate)"),
        "hidden": ((int, type(None)), None, "hidden width (two layers; default 2^(n-1))"),
        "hidden_rule": (str, "hebb", "hebb, oja, hebb-tanh or none (two layers)"),
        "order": (str, "hidden-first", "hidden-first or simultaneous (two layers)"),
        **_PROTOCOL_KEYS,
        "seeds": (list, [0], "root seeds, one census each"),
        "chunk_size": (int, 2000, "rows per chunk"),
    }

    # -- the rows, once per process (class reductions take seconds to build)
    _cache = {}
    _sampled = {}

    def _protocol(self, spec, seed):
        # a job stored before "recode" existed ran the +-1 formulas literally: resume it that way
        return Protocol(**{k: spec.get(k, False) if k == "recode" else spec[k] for k in _PROTOCOL_KEYS},
                        seed=int(seed))

    def _rows(self, spec):
        key = tuple((k, v if not isinstance(v, list) else tuple(v)) for k, v in sorted(spec.items())
                    if k not in ("seeds", "chunk_size"))
        if key not in self._cache:
            proto = self._protocol(spec, spec["seeds"][0])
            if spec["layers"] == 2:
                from gates.studies.deep_census import deep_census_rows

                self._cache[key] = deep_census_rows(spec["family"], spec["n"], spec["rule"], spec["hidden_rule"],
                                                    spec["hidden"], spec["order"], proto, spec["classes"])
            else:
                from gates.studies.census import census_rows

                # a job stored before "recode" existed ran a poly as written whatever its form
                form = None if ("recode" not in spec and spec["poly"] is not None) else spec["form"]
                self._cache[key] = (census_rows(spec["family"], spec["n"], spec["rule"], form, spec["mode"],
                                                proto, spec["classes"], spec["exhaustive"], spec["poly"]), None)
        return self._cache[key]

    def validate(self, spec):
        if spec["layers"] not in (1, 2):
            raise InputError(f"layers {spec['layers']!r} is not available: allowed 1 or 2")
        if spec["layers"] == 2:
            for key, bad in (("exhaustive", spec["exhaustive"]),
                             ("poly", spec["poly"] is not None), ("form", spec["form"] == "unsupervised")):
                if bad:
                    raise InputError(f"{key} is for one gate (layers = 1); two layers simulate every row with "
                                     "a clamped output rule")
        if not spec["seeds"] or not all(is_int(s) and s >= 0
                                        for s in spec["seeds"]):
            raise InputError(f"seeds must be a non-empty list of integers >= 0, got {spec['seeds']!r}")
        if len(set(spec["seeds"])) != len(spec["seeds"]):
            raise InputError(f"seeds must be distinct, got {spec['seeds']!r}")
        check_int(spec["chunk_size"], "chunk_size", lo=1)
        for s in spec["seeds"]:
            self._protocol(spec, s)  # validates every protocol value
        if self._exact_deep(spec):
            from gates.studies.deep_census import check_exact

            check_exact(spec["family"], spec["n"], spec["rule"], spec["hidden_rule"], spec["hidden"], spec["order"],
                        spec["classes"])
            return spec
        self._rows(spec)  # validates family, n, rule, classes (the interactive command's checks)
        from gates.studies.census_results import stratify

        stratify(self._rows(spec)[0], spec["seeds"][0], spec["members"])  # validates members
        return spec

    @staticmethod
    def _exact_deep(spec):
        return spec["layers"] == 2 and spec["mode"] == "exact"

    def _seed_rows(self, spec, seed):
        """The rows of one seed: stratified sampling draws its class members from the seed."""
        rows, net = self._rows(spec)
        if spec["mode"] != "simulate" or rows.group is None:
            return rows, net
        key = (id(rows), int(seed), spec["members"])
        if key not in self._sampled:
            from gates.studies.census_results import stratify

            self._sampled.clear()  # one seed's members at a time per process
            self._sampled[key] = stratify(rows, seed, spec["members"])
        return self._sampled[key], net

    def plan(self, spec):
        if self._exact_deep(spec):
            # the exact verdicts of one seed are decided at once for every function: a chunk per seed
            return [{"id": f"s{seed}", "seed": seed} for seed in spec["seeds"]]
        rows, _ = self._rows(spec)
        m, c = len(rows.tables) * (spec["members"] if spec["mode"] == "simulate" and rows.group else 1), spec["chunk_size"]
        return [{"id": f"s{seed}-c{i // c:06d}", "seed": seed, "start": i, "stop": min(m, i + c)}
                for seed in spec["seeds"] for i in range(0, m, c)]

    def run(self, spec, chunk):
        proto = self._protocol(spec, chunk["seed"])
        if self._exact_deep(spec):
            from gates.studies.deep_census import deep_census

            res = deep_census(spec["family"], spec["n"], spec["rule"], spec["hidden_rule"], spec["hidden"],
                              spec["order"], proto, mode="exact")
            return {"tables": res.tables[:, 0].copy(), "successes": res.successes,
                    "features": np.array(res.extra["features_per_restart"], dtype=np.int64),
                    "ties": np.array([res.extra["ties"]], dtype=np.float64)}
        rows, net = self._seed_rows(spec, chunk["seed"])
        tables = rows.tables[chunk["start"]:chunk["stop"]]
        if net is not None:
            from gates.learning.two_layer import deep_train, features_per_restart, hidden_layer

            layer = hidden_layer(rows.n, net, proto)
            learnt = deep_train(tables, rows.n, rows.rule, net, proto, layer=layer)
            return {"successes": learnt.sum(axis=1).astype(np.int64),
                    "features": np.array(features_per_restart(layer.features), dtype=np.int64)}
        from gates.studies.census import shallow_successes

        successes, status = shallow_successes(tables, rows.n, rows.rule, proto, spec["mode"],
                                              rows.is_threshold[chunk["start"]:chunk["stop"]])
        out = {"successes": successes}
        if status is not None:
            out["status"] = status
        return out

    def merge(self, spec, results, out_dir, command):
        from gates.studies.census import census_result
        from gates.studies.census_results import SeedRuns, write_census
        from gates.studies.deep_census import deep_result

        plan = self.plan(spec)
        runs = []
        for seed in spec["seeds"]:
            parts = [r for c, r in zip(plan, results) if c["seed"] == seed]
            proto = self._protocol(spec, seed)
            if self._exact_deep(spec):
                from gates.studies.deep_census import exact_result

                p = parts[0]
                runs.append(exact_result(spec["family"], spec["n"], spec["rule"], spec["hidden_rule"],
                                         spec["hidden"], spec["order"], proto, p["tables"], p["successes"],
                                         p["features"].tolist(), float(p["ties"][0])))
                continue
            rows, net = self._seed_rows(spec, seed)
            successes = np.concatenate([p["successes"] for p in parts])
            if net is not None:
                runs.append(deep_result(rows, net, proto, successes, features=parts[0]["features"].tolist()))
            else:
                status = np.concatenate([p["status"] for p in parts]) if "status" in parts[0] else None
                runs.append(census_result(rows, spec["mode"], proto, successes, status))
        res = SeedRuns(runs)
        summary = {"study": "learn", **res.to_dict()}
        summary.pop("protocol", None)
        summary["files"] = write_census(res if len(runs) > 1 else runs[0], out_dir, command)
        return summary

    def cost(self, spec, chunk):
        return float(chunk.get("stop", 1) - chunk.get("start", 0))


class EnumerateStudy:
    """``gates enumerate`` as a batch job.

    Threshold NP / NPN classes are chunked by their parents (the classes of
    n - 1 each chunk grows from, :func:`gates.boolean.threshold_classes.np_classes_chunk`);
    every other enumeration is one chunk.
    """

    name = "enumerate"
    keys = {
        "family": (str, REQUIRED, "all, monotone or threshold"),
        "n": (int, REQUIRED, "number of inputs"),
        "classes": (str, "none", "none, p, np or npn"),
        "count": (bool, False, "counts only (no representatives file)"),
        "format": (str, "hex", "hex (CSV) or npy"),
        "chunk_size": (int, 256, "parent classes per chunk (threshold np/npn)"),
    }

    def _chunked(self, spec):
        return spec["family"] == "threshold" and spec["classes"] in ("np", "npn") and spec["n"] >= 1

    def validate(self, spec):
        from gates.boolean.families import check_classes, check_family
        from gates.boolean.threshold_classes import CLASSES_MAX_N
        from gates.boolean.truth import check_n

        check_family(spec["family"])
        if spec["format"] not in ("hex", "npy"):
            raise InputError(f"format {spec['format']!r} is unknown: allowed hex, npy")
        check_int(spec["chunk_size"], "chunk_size", lo=1)
        if spec["classes"] != "none":
            check_classes(spec["family"], spec["classes"], spec["n"])
        if self._chunked(spec):
            check_n(spec["n"], 1, CLASSES_MAX_N, "a threshold class census")
            if spec["n"] >= 7 and not spec["count"]:
                raise InputError(f"n = {spec['n']} has millions of representatives: set count = true, or "
                                 "enumerate interactively with --out FILE --format npy")
        else:
            from gates.studies.enumeration import enumerate_family

            if spec["n"] > 6:
                raise InputError(f"n = {spec['n']}: a batch enumeration of the {spec['family']} family runs as "
                                 "one chunk up to n = 6; threshold np/npn classes are chunked up to n = 8")
            enumerate_family(spec["family"], min(spec["n"], 2), None if spec["classes"] == "none" else
                             spec["classes"], count_only=True)
        return spec

    def plan(self, spec):
        if not self._chunked(spec):
            return [{"id": "c000000", "all": True}]
        from gates.boolean.threshold_classes import np_class_parents

        p, c = np_class_parents(spec["n"]), spec["chunk_size"]
        return [{"id": f"c{i // c:06d}", "start": i, "stop": min(p, i + c)} for i in range(0, p, c)]

    def run(self, spec, chunk):
        if self._chunked(spec):
            from gates.boolean.threshold_classes import np_classes_chunk

            tables, wpm = np_classes_chunk(spec["n"], chunk["start"], chunk["stop"])
            return {"tables": tables, "weights_pm1": wpm}
        from gates.studies.enumeration import enumerate_family

        res = enumerate_family(spec["family"], spec["n"], None if spec["classes"] == "none" else spec["classes"],
                               count_only=spec["count"])
        out = {"functions": np.array([res.functions], dtype=np.uint64)}
        for key in ("tables", "orbit_sizes", "weights", "bias"):
            if getattr(res, key) is not None:
                out[key] = getattr(res, key)
        return out

    def merge(self, spec, results, out_dir, command):
        from gates.studies.enumeration import Enumeration, write_enumeration
        from gates.io.storage import manifest, write_json
        from gates.boolean.threshold_classes import np_classes_from_parts, npn_from_np

        n, cls = spec["n"], None if spec["classes"] == "none" else spec["classes"]
        res = Enumeration(spec["family"], n, cls)
        if self._chunked(spec):
            base = np_classes_from_parts(n, [r["tables"] for r in results], [r["weights_pm1"] for r in results])
            c = base if cls == "np" else npn_from_np(base)
            res.functions, res.num_classes = int(c.orbit_sizes.sum(dtype=np.int64)), int(len(c.tables))
            res.representative, res.method = "positive-ordered", f"{cls.upper()} classes, summed orbit sizes"
            if not spec["count"]:
                res.tables, res.orbit_sizes, res.weights, res.bias = c.tables, c.orbit_sizes, c.weights, c.bias
        else:
            r = results[0]
            res.functions = int(r["functions"][0])
            for key in ("tables", "orbit_sizes", "weights", "bias"):
                setattr(res, key, r.get(key))
            if res.tables is not None and cls is not None:
                res.num_classes = int(len(res.tables))
            res.method = "batch job, one chunk"
        summary = res.to_dict()
        summary.pop("seconds", None)
        os.makedirs(out_dir, exist_ok=True)
        if spec["count"] or res.tables is None:
            name = "counts.json"
            write_json(os.path.join(out_dir, name),
                       dict(summary, manifest=manifest("enumeration-count", dict(spec), [name], command=command)))
        else:
            name = f"{spec['family']}_n{n}{'' if cls is None else '_' + cls}.{'csv' if spec['format'] == 'hex' else 'npy'}"
            write_enumeration(res, os.path.join(out_dir, name), spec["format"], command=command)
        summary["file"] = os.path.join(out_dir, name)
        return summary

    def cost(self, spec, chunk):
        return float(chunk.get("stop", 1) - chunk.get("start", 0))


STUDIES = {"learn": LearnStudy(), "enumerate": EnumerateStudy()}
