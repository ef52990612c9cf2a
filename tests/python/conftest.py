"""Shared fixtures of the Python module's tests (run by ctest: tests/python/CMakeLists.txt).

The tests read the characterized tables of results/lut (what tools/run wrote) and the reference
network; they compare the module with the cimchar command where both compute the same thing.
A missing dependency fails: nothing here skips.
"""

import os
import subprocess

import pytest

HOME = os.environ.get("CIMCHAR_HOME",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
LUT = os.path.join(HOME, "results", "lut")


@pytest.fixture(scope="session")
def lut():
    return LUT


@pytest.fixture(scope="session")
def macro():
    import cimchar
    return cimchar.read_macro(LUT, corner="tt", vdd=0.6, temp=27)


@pytest.fixture(scope="session")
def cli():
    """Runs the cimchar command; returns (exit code, stdout, stderr)."""
    binary = os.environ.get("CIMCHAR_BIN", os.path.join(HOME, "build", "cimchar"))

    def run(*args, cwd=None):
        p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                           timeout=600)
        return p.returncode, p.stdout, p.stderr
    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test is a failed one here: every dependency must be installed."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but nothing may be missing here: {report.longrepr}"
