"""Consumer-side check of a cimchar export: parses the files the way the consumer would (PyYAML,
json, csv) and compares them with the values the test put in.

usage: check_export.py FORMAT OUT_DIR EXPECTED_JSON
Exit status 0 when every check passes; otherwise prints what failed and exits 1.
"""
import csv
import json
import math
import os
import sys

import yaml

REL_TOL = 1e-12


def close(a, b):
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-300)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def check_provenance(doc, expected, where):
    expect(doc.get("provenance") == expected["provenance"],
           where + ": provenance differs: %r" % (doc.get("provenance"),))


def check_accelergy(out, expected):
    with open(os.path.join(out, "ERT.yaml")) as f:
        ert_doc = yaml.safe_load(f)
    with open(os.path.join(out, "ART.yaml")) as f:
        art_doc = yaml.safe_load(f)
    expect("ERT" in ert_doc, "ERT.yaml has no root key ERT")
    expect("ART" in art_doc, "ART.yaml has no root key ART")
    ert, art = ert_doc["ERT"], art_doc["ART"]
    for name, table in (("ERT", ert), ("ART", art)):
        expect(isinstance(table.get("version"), float), name + ".version is not a number")
        expect(isinstance(table.get("tables"), list), name + ".tables is not a list")
    check_provenance(ert_doc["cimchar"], expected, "ERT.yaml")
    check_provenance(art_doc["cimchar"], expected, "ART.yaml")
    expect(ert_doc["cimchar"]["energy_units"].startswith("pJ"), "ERT energy units are not pJ")
    by_name = {t["name"]: t for t in ert["tables"]}
    for e in expected["energies"]:
        table = by_name.get(e["name"])
        expect(table is not None, "ERT lacks table " + e["name"])
        matches = [a for a in table["actions"]
                   if a["name"] == e["action"] and (a["arguments"] or {}) == e["arguments"]]
        expect(len(matches) == 1, "ERT %s.%s %r found %d times" %
               (e["name"], e["action"], e["arguments"], len(matches)))
        energy = matches[0]["energy"]
        expect(isinstance(energy, float), "energy is not a float: %r" % (energy,))
        expect(close(energy, e["energy_j"] * 1e12),
               "energy of %s.%s is %r pJ, expected %r J x 1e12" %
               (e["name"], e["action"], energy, e["energy_j"]))
        if not e["arguments"]:
            expect(matches[0]["arguments"] is None, "data-independent action has arguments")
    areas = {t["name"]: t["area"] for t in art["tables"]}
    for name, area in expected["areas"].items():
        if area is None:
            expect(name not in areas, "ART invents an area for " + name)
            expect(name + ".area" in art_doc["cimchar"]["not_derived"],
                   "ART does not say the area of %s is not derived" % name)
        else:
            expect(close(areas[name], area), "area of %s is %r" % (name, areas.get(name)))


def check_neurosim(out, expected):
    with open(os.path.join(out, "neurosim_adc_noise.csv"), newline="") as f:
        rows = list(csv.reader(f))
    expect(rows[0] == ["output", "mean", "std"], "header is %r" % (rows[0],))
    codes = expected["codes"]
    expect(len(rows) - 1 == len(codes), "rows: %d, codes: %d" % (len(rows) - 1, len(codes)))
    for row, code in zip(rows[1:], codes):
        expect(int(row[0]) == code["code"], "code %r" % (row,))
        expect(close(float(row[1]), code["mean_lsb"]), "mean %r" % (row,))
        sigma = math.hypot(code["static_sigma_lsb"], code["dynamic_sigma_lsb"])
        expect(close(float(row[2]), sigma), "std %r vs %r" % (row, sigma))
    with open(os.path.join(out, "neurosim_adc_noise.meta.json")) as f:
        check_provenance(json.load(f), expected, "neurosim meta")


def load_json(out, name, expected):
    with open(os.path.join(out, name)) as f:
        doc = json.load(f)
    check_provenance(doc, expected, name)
    expect(doc["operating_point"] == expected["operating_point"],
           name + ": operating point differs")
    return doc


def check_aihwkit(out, expected):
    doc = load_json(out, "aihwkit.json", expected)
    io = doc["IOParameters"]
    allowed = {"out_bound", "out_res", "out_noise", "out_nonlinearity", "out_scale"}
    expect(set(io) <= allowed, "unexpected IOParameters keys %r" % (set(io) - allowed,))
    for key, value in io.items():
        expect(isinstance(value, float) and math.isfinite(value), key + " is not a finite float")
    e = expected["aihwkit"]
    for key in ("out_bound", "out_res", "out_noise", "out_scale"):
        expect(close(io[key], e[key]), "%s is %r, expected %r" % (key, io[key], e[key]))
    if e.get("out_nonlinearity") is None:
        expect("out_nonlinearity" not in io, "out_nonlinearity invented")
        expect("out_nonlinearity" in doc["not_derived"], "out_nonlinearity not marked")
    else:
        expect(close(io["out_nonlinearity"], e["out_nonlinearity"]), "out_nonlinearity")


def check_asim(out, expected):
    doc = load_json(out, "asim.json", expected)
    kw = doc["module_kwargs"]
    e = expected["asim"]
    for key in ("wbit", "xbit", "adc_prec", "nrow", "act_enc"):
        expect(kw[key] == e[key], "%s is %r, expected %r" % (key, kw[key], e[key]))
    expect(kw["signed_act"] is False, "signed_act")
    expect(kw["rand_noise_sigma"] >= 0.0, "rand_noise_sigma negative")
    if e.get("from_lut"):
        # Fitted from tables the test did not shape: given and non-negative, or marked.
        expect("non_linear_sigma" in kw or "non_linear_sigma" in doc["not_derived"],
               "non_linear_sigma neither given nor marked")
        expect(kw.get("non_linear_sigma", 0.0) >= 0.0, "non_linear_sigma negative")
    elif e.get("non_linear_sigma") is None:
        expect("non_linear_sigma" not in kw, "non_linear_sigma invented")
        expect("non_linear_sigma" in doc["not_derived"], "non_linear_sigma not marked")
    else:
        expect(kw["non_linear_sigma"] >= 0.0, "non_linear_sigma negative")
        for key in ("rand_noise_sigma", "non_linear_sigma"):
            expect(math.isclose(kw[key], e[key], rel_tol=1e-6),
                   "%s is %r, expected %r" % (key, kw[key], e[key]))


def check_crosssim(out, expected):
    doc = load_json(out, "crosssim.json", expected)
    p = doc["SarADCParameters"]
    e = expected["crosssim"]
    expect(p["model"] == "SarADC", "model")
    expect(p["bits"] == e["bits"], "bits")
    expect(p["signed"] is False, "signed")
    expect(close(p["sigma_comparator"], e["sigma_comparator"]), "sigma_comparator")
    if e.get("sigma_capacitor") is None:
        expect("sigma_capacitor" not in p, "sigma_capacitor invented")
        expect("sigma_capacitor" in doc["not_derived"], "sigma_capacitor not marked")
    else:
        expect(close(p["sigma_capacitor"], e["sigma_capacitor"]), "sigma_capacitor")
    if e.get("gain_db") is None:
        expect("gain_db" not in p, "gain_db invented")
        expect("gain_db" in doc["not_derived"], "gain_db not marked")
    else:
        expect(math.isclose(p["gain_db"], e["gain_db"], rel_tol=1e-9), "gain_db")


def check_tables_json(out, expected):
    doc = load_json(out, "tables.json", expected)
    tables = {t["quantity"]: t for t in doc["tables"]}
    for t in expected["tables"]:
        got = tables[t["quantity"]]
        expect(got["units"] == t["units"], "units of " + t["quantity"])
        expect([a["name"] for a in got["axes"]] == [a["name"] for a in t["axes"]], "axis names")
        expect([a["units"] for a in got["axes"]] == [a["units"] for a in t["axes"]], "axis units")
        expect(got["shape"] == [len(a.get("values") or a.get("labels")) for a in t["axes"]],
               "shape")
        for g, w in zip(got["data"], t["data"]):
            if w is None:
                expect(g is None, "missing value not null")
            else:
                expect(close(g, w), "data of %s: %r vs %r" % (t["quantity"], g, w))


def check_csv(out, expected):
    with open(os.path.join(out, "tables.meta.json")) as f:
        meta = json.load(f)
    check_provenance(meta, expected, "tables.meta.json")
    files = {t["quantity"]: t["file"] for t in meta["tables"]}
    for t in expected["tables"]:
        with open(os.path.join(out, files[t["quantity"]]), newline="") as f:
            rows = list(csv.reader(f))
        header = ["%s [%s]" % (a["name"], a["units"]) if a["units"] else a["name"]
                  for a in t["axes"]]
        header.append("%s [%s]" % (t["quantity"], t["units"]))
        expect(rows[0] == header, "header %r vs %r" % (rows[0], header))
        expect(len(rows) - 1 == len(t["data"]), "row count of " + t["quantity"])
        for row, w in zip(rows[1:], t["data"]):
            if w is None:
                expect(row[-1] == "", "missing value not empty")
            else:
                expect(close(float(row[-1]), w), "value %r vs %r" % (row[-1], w))


CHECKS = {
    "accelergy": check_accelergy,
    "neurosim": check_neurosim,
    "aihwkit": check_aihwkit,
    "asim": check_asim,
    "crosssim": check_crosssim,
    "json": check_tables_json,
    "csv": check_csv,
}

if __name__ == "__main__":
    fmt, out_dir, expected_path = sys.argv[1:4]
    with open(expected_path) as f:
        expected_doc = json.load(f)
    CHECKS[fmt](out_dir, expected_doc)
    print("OK " + fmt)
