"""Reads an analog-path characterization file written by a real ngspice run with h5py (a
third-party reader) and checks its axes, units, shapes and provenance against the recipe text
stored in the file itself (characterization/README.md is the contract).

Usage: check_apath_store.py FILE.h5   (exit 0 when every check passes)
"""
import sys

import h5py
import numpy as np


def as_str(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def recipe_keys(text):
    keys = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        keys[key.strip()] = value.strip()
    return keys


def numbers(text):
    return [float(x) for x in text.replace(",", " ").split()]


def main(path):
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    with h5py.File(path, "r") as f:
        attrs = f.attrs
        check(int(attrs["schema_version"]) == 1, "schema_version is not 1")
        check(int(attrs["complete"]) == 1, "file is not complete")
        recipe = recipe_keys(as_str(attrs["recipe"]))
        check(recipe.get("bench") == "apath", f"bench is {recipe.get('bench')}")
        check("dynamic noise: apath/line_v" in as_str(attrs["recipe"]),
              "the dynamic-noise method is not stated in the recipe provenance")
        check(int(attrs["master_seed"]) == int(recipe["seed"]), "master_seed != recipe seed")
        check(as_str(attrs["ngspice_version"]).strip() != "", "ngspice_version is empty")
        files = [as_str(x) for x in attrs["input_files"]]
        hashes = [as_str(x) for x in attrs["input_sha256"]]
        check(len(files) == len(hashes) > 0, "input_files/input_sha256 mismatch")
        check(all(len(h) == 64 for h in hashes), "a hash is not a SHA-256 hex digest")
        for needed in ("analog_chain.sp", "hcima.sp", "cs_line.sp", "a_mult.sp", "ptm65.lib"):
            check(any(x.endswith(needed) for x in files), f"input files lack {needed}")

        vdds = numbers(recipe["vdd"])
        temps = numbers(recipe["temp"])
        corners = recipe["corners"].replace(",", " ").split()
        codes = numbers(recipe.get("apath.codes", " ".join(str(c) for c in range(16))))
        points = len(codes)
        check("# resolved: apath.rows = " in as_str(attrs["recipe"]),
              "the resolved row count is not in the recipe provenance")
        samples = int(recipe["samples"])

        grid = [as_str(x) for x in attrs["grid_axes"]]
        check(grid == ["corner", "vdd", "temp"], f"grid_axes is {grid}")
        expected_axes = {"corner": ("categorical", ""), "vdd": ("numeric", "V"),
                         "temp": ("numeric", "degC"), "code": ("numeric", "1"),
                         "check": ("numeric", "1")}
        check(sorted(f["axes"]) == sorted(expected_axes), f"axes are {sorted(f['axes'])}")
        for name, (kind, units) in expected_axes.items():
            ds = f["axes"][name]
            check(as_str(ds.attrs["kind"]) == kind, f"axis {name} kind")
            check(as_str(ds.attrs["units"]) == units, f"axis {name} units")
            if kind == "numeric":
                values = ds[()]
                check(values.dtype == np.float64, f"axis {name} dtype {values.dtype}")
                check(bool(np.all(np.diff(values) > 0)), f"axis {name} not increasing")
        check([as_str(x) for x in f["axes/corner"][()]] == corners, "corner labels")
        check(np.allclose(f["axes/vdd"][()], vdds, rtol=0, atol=1e-12), "vdd values")
        check(np.allclose(f["axes/temp"][()], temps, rtol=0, atol=1e-12), "temp values")
        code = f["axes/code"][()]
        check(code.shape == (points,), f"code axis has {code.shape} points")
        check(np.allclose(code, codes), f"code axis is {code}, the recipe asks for {codes}")

        n = len(corners) * len(vdds) * len(temps) * samples
        check(int(attrs["samples_total"]) == n, "samples_total")
        check(int(attrs["samples_done"]) == n, "samples_done")
        check(int(attrs["samples_per_point"]) == samples, "samples_per_point")
        s = f["samples"]
        for name in ("grid_point", "sample", "status"):
            check(s[name].shape == (n,), f"/samples/{name} shape {s[name].shape}")
        values = s["values"]
        columns = [as_str(x) for x in values.attrs["columns"]]
        units = [as_str(x) for x in values.attrs["units"]]
        expected_columns = ([f"line_v_c{int(c)}" for c in codes] +
                            [f"energy_op_j_c{int(c)}" for c in codes] +
                            ["baseline_v", "baseline_energy_j", "superposition_error_v_1",
                             "superposition_error_v_2"])
        check(columns == expected_columns, f"columns {columns}")
        check(units == ["V"] * points + ["J"] * points + ["V", "J", "V", "V"],
              f"column units {units}")
        check(values.shape == (n, 2 * points + 4), f"/samples/values shape {values.shape}")
        check(int(np.sum(s["status"][()])) == 0, "a sample failed")
        check(bool(np.all(np.isfinite(values[()]))), "non-finite sample value")

        grid_shape = (len(corners), len(vdds), len(temps))
        per_code = (grid_shape + (points,), ["corner", "vdd", "temp", "code"])
        scalar = (grid_shape, ["corner", "vdd", "temp"])
        checks = (grid_shape + (2,), ["corner", "vdd", "temp", "check"])
        tables = {
            "apath/line_v/mean": ("V", per_code),
            "apath/line_v/static_sigma": ("V", per_code),
            "apath/line_v/dynamic_sigma": ("V", per_code),
            "apath/energy_op_j/mean": ("J", per_code),
            "apath/energy_op_j/static_sigma": ("J", per_code),
            "apath/baseline_v/mean": ("V", scalar),
            "apath/baseline_v/static_sigma": ("V", scalar),
            "apath/baseline_v/dynamic_sigma": ("V", scalar),
            "apath/baseline_energy_j/mean": ("J", scalar),
            "apath/baseline_energy_j/static_sigma": ("J", scalar),
            "apath/superposition_error_v/mean": ("V", checks),
            "apath/superposition_error_v/static_sigma": ("V", checks),
        }
        listed = []
        f["quantities"].visit(lambda name: listed.append(name)
                              if isinstance(f["quantities"][name], h5py.Dataset) else None)
        check(sorted(listed) == sorted(tables), f"quantity datasets {sorted(listed)}")
        for name, (unit, (shape, axes)) in tables.items():
            ds = f["quantities"][name]
            check([as_str(x) for x in ds.attrs["axes"]] == axes, f"{name} axes")
            check(as_str(ds.attrs["units"]) == unit, f"{name} units")
            check(ds.shape == shape, f"{name} shape {ds.shape}, expected {shape}")
            check(bool(np.all(np.isfinite(ds[()]))), f"{name} has non-finite values")

        # The physics the table must at least get right: the line rises with the DAC code and
        # stays within the supply; an op costs energy; sigmas are non-negative.
        line = f["quantities/apath/line_v/mean"][()]
        check(bool(np.all(np.diff(line, axis=3) > 0)), "line_v does not rise with the code")
        for i, vdd in enumerate(vdds):
            check(bool(np.all(line[:, i] < vdd)), f"line_v above the supply at {vdd} V")
        check(bool(np.all(f["quantities/apath/energy_op_j/mean"][()] > 0)), "energy <= 0")
        for name in ("apath/line_v/static_sigma", "apath/line_v/dynamic_sigma",
                     "apath/energy_op_j/static_sigma"):
            check(bool(np.all(f["quantities"][name][()] >= 0)), f"{name} negative")

    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    if not problems:
        print(f"{path}: axes, units, shapes and provenance OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
