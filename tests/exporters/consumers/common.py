"""Shared helpers of the consumer checks: each check reimplements a consumer's own reading and
computing path (named in its docstring) in a few lines, runs it on a cimchar export, compares
with what cimchar's model gave on the same inputs (EXPECTED_JSON, written by the C++ test) and
prints the measured differences. Exit status 0 when every check holds."""
import json
import math
import sys

FAILURES = []


def expect(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message)


def report(name, value):
    print("MEASURED %s = %s" % (name, value))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def close(a, b, rel=1e-12, abs_tol=1e-300):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def finish(name):
    if FAILURES:
        print("%s: %d check(s) failed" % (name, len(FAILURES)))
        sys.exit(1)
    print("OK " + name)
    sys.exit(0)


def check_provenance(doc, where):
    """Every consumer file (or its meta file) names the binary's commit and each table's file,
    SHA-256 and commit, and says whether a dirty tree built them."""
    p = doc.get("provenance")
    expect(isinstance(p, dict), where + ": no provenance")
    if not isinstance(p, dict):
        return
    commit = p.get("cimchar_commit", "")
    # A full hash, or "unknown" for a build outside a git checkout.
    expect(commit == "unknown" or len(commit.replace("-dirty", "")) == 40,
           where + ": the exporter's commit is not a full hash: %r" % commit)
    expect(p.get("tree") == ("dirty" if commit.endswith("-dirty") else "clean"),
           where + ": tree %r does not match commit %r" % (p.get("tree"), commit))
    for t in p.get("tables", []):
        for key in ("file", "file_sha256", "cimchar_commit", "master_seed", "recipe"):
            expect(key in t, where + ": a table source lacks " + key)
        expect(t.get("tree") == ("dirty" if t.get("cimchar_commit", "").endswith("-dirty")
                                 else "clean"), where + ": table tree mark is wrong")
