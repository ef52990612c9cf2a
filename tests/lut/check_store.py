"""Reads a cimchar run file with h5py (a third-party reader) and checks axes, units and shapes.

Usage: check_store.py FILE.h5   (exit 0 when every check passes)
"""
import sys

import h5py
import numpy as np


def as_str(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main(path):
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    with h5py.File(path, "r") as f:
        attrs = f.attrs
        check(int(attrs["schema_version"]) == 1, "schema_version is not 1")
        check(int(attrs["complete"]) == 1, "file is not complete")
        for name in ("recipe", "ngspice_version", "cimchar_version", "cimchar_commit",
                     "created_utc"):
            check(len(as_str(attrs[name])) > 0, f"provenance attribute {name} is empty")
        check(int(attrs["master_seed"]) == 42, "master_seed is not 42")
        files = [as_str(x) for x in attrs["input_files"]]
        hashes = [as_str(x) for x in attrs["input_sha256"]]
        check(len(files) == len(hashes) > 0, "input_files/input_sha256 mismatch")
        check(all(len(h) == 64 for h in hashes), "a hash is not a SHA-256 hex digest")

        grid = [as_str(x) for x in attrs["grid_axes"]]
        check(grid == ["corner", "vdd", "temp"], f"grid_axes is {grid}")
        expected_axes = {"corner": ("categorical", ""), "vdd": ("numeric", "V"),
                         "temp": ("numeric", "K"), "code": ("numeric", "1")}
        for name, (kind, units) in expected_axes.items():
            ds = f["axes"][name]
            check(as_str(ds.attrs["kind"]) == kind, f"axis {name} kind")
            check(as_str(ds.attrs["units"]) == units, f"axis {name} units")
            if kind == "numeric":
                values = ds[()]
                check(values.dtype == np.float64, f"axis {name} dtype {values.dtype}")
                check(bool(np.all(np.diff(values) > 0)), f"axis {name} not increasing")
        corners = [as_str(x) for x in f["axes/corner"][()]]
        check(corners == ["tt", "ff"], f"corner labels {corners}")
        sizes = {name: f["axes"][name].shape[0] for name in f["axes"]}

        n = int(attrs["samples_total"])
        check(n == 2 * 3 * 2 * int(attrs["samples_per_point"]), "samples_total")
        samples = f["samples"]
        for name in ("grid_point", "sample", "status"):
            check(samples[name].shape == (n,), f"/samples/{name} shape {samples[name].shape}")
        values = samples["values"]
        columns = [as_str(x) for x in values.attrs["columns"]]
        column_units = [as_str(x) for x in values.attrs["units"]]
        check(values.shape == (n, len(columns)), f"/samples/values shape {values.shape}")
        check(dict(zip(columns, column_units)).get("energy_j") == "J", "energy_j units")
        keys = list(zip(samples["grid_point"][()], samples["sample"][()]))
        check(keys == sorted(keys) and len(set(keys)) == n, "samples not sorted/unique")
        ok = samples["status"][()] == 0
        check(bool(np.all(np.isfinite(values[()][ok]))), "non-finite value in an ok sample")

        mask = f["failures/mask"][()]
        check(bool(np.array_equal(mask, samples["status"][()])), "failure mask != status")
        failed_rows = f["failures/record"][()]
        reasons = [as_str(x) for x in f["failures/reason"][()]]
        check(len(failed_rows) == len(reasons) == int(mask.sum()), "failure counts")
        check(all(reasons), "empty failure reason")

        expected_tables = {
            "apath/line_v/mean": (["corner", "vdd", "temp"], "V"),
            "apath/line_v/static_sigma": (["corner", "vdd", "temp"], "V"),
            "adc/transition_v/mean": (["corner", "vdd", "temp", "code"], "V"),
            "adc/transition_v/static_sigma": (["corner", "vdd", "temp", "code"], "V"),
            "energy/conv_j/mean": (["corner", "vdd", "temp"], "J"),
        }
        for name, (axes, units) in expected_tables.items():
            ds = f["quantities"][name]
            ds_axes = [as_str(x) for x in ds.attrs["axes"]]
            check(ds_axes == axes, f"{name} axes {ds_axes}")
            check(as_str(ds.attrs["units"]) == units, f"{name} units")
            shape = tuple(sizes[a] for a in axes)
            check(ds.shape == shape, f"{name} shape {ds.shape}, expected {shape}")
            check(bool(np.all(np.isfinite(ds[()]))), f"{name} has non-finite values")
        mean = f["quantities/adc/transition_v/mean"][()]
        check(bool(np.all(mean[..., 1] > mean[..., 0])), "code 1 transition not above code 0")

    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    if not problems:
        print(f"{path}: axes, units, shapes and provenance OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
