"""Any CSV/JSON reader on cimchar's csv and json exports: the tables, their units, the grid they
hold and each table's provenance (its file's SHA-256, the exact commit, clean or dirty).

usage: tables.py csv|json EXPORT_DIR EXPECTED_JSON
"""
import csv
import hashlib
import os
import sys

from common import check_provenance, close, expect, finish, load_json, report


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_source(table, expected):
    src = table["source"]
    expect(src["file"] == expected["file"], "%s: file %r" % (table["quantity"], src["file"]))
    expect(src["file_sha256"] == sha256(expected["file"]),
           "%s: the SHA-256 is not the file's" % table["quantity"])
    expect(src["cimchar_commit"] == expected["cimchar_commit"], "commit")
    expect(src["tree"] == ("dirty" if src["cimchar_commit"].endswith("-dirty") else "clean"),
           "%s: tree mark %r" % (table["quantity"], src["tree"]))


def main(fmt, out, expected_path):
    expected = load_json(expected_path)
    meta = load_json(os.path.join(out, "tables.json" if fmt == "json" else "tables.meta.json"))
    check_provenance(meta, fmt)
    expect(meta["grid"]["vdd_v"] == expected["grid"]["vdd_v"], "grid vdd %r" % meta["grid"])
    expect(meta["grid"]["temp_c"] == expected["grid"]["temp_c"], "grid temp")
    expect(meta["grid"]["corner"] == expected["grid"]["corner"], "grid corners")
    expect("operating_point" not in meta, "a whole-table export names one operating point")
    tables = {t["quantity"]: t for t in meta["tables"]}
    for want in expected["tables"]:
        got = tables.get(want["quantity"])
        expect(got is not None, "missing table " + want["quantity"])
        if got is None:
            continue
        check_source(got, expected)
        expect(got["units"] == want["units"], "%s: units %r, expected %r" %
               (want["quantity"], got["units"], want["units"]))
        expect(got["units"] != "1", want["quantity"] + ": units '1' say nothing")
        for axis in got["axes"]:
            expect(axis["units"] not in ("", "1"), "%s: axis %s has units %r" %
                   (want["quantity"], axis["name"], axis["units"]))
        if fmt == "json":
            data = got["data"]
        else:
            with open(os.path.join(out, got["file"]), newline="") as f:
                rows = list(csv.reader(f))
            header = ["%s [%s]" % (a["name"], a["units"]) for a in got["axes"]]
            header.append("%s [%s]" % (got["quantity"], got["units"]))
            expect(rows[0] == header, "header %r" % rows[0])
            data = [float(r[-1]) if r[-1] != "" else None for r in rows[1:]]
        expect(len(data) == len(want["data"]), want["quantity"] + ": size")
        for g, w in zip(data, want["data"]):
            expect((g is None and w is None) or (g is not None and w is not None and close(g, w)),
                   "%s: %r vs %r" % (want["quantity"], g, w))
    report("tables checked (%s)" % fmt, len(expected["tables"]))
    finish("tables " + fmt)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
