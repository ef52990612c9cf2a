"""The README's Python code runs as printed, from a folder holding results/: the session prints
the SNR curve `cimchar snr` prints for the same settings, the PyTorch example an accuracy."""

import os
import re
import subprocess

HOME = os.environ.get("CIMCHAR_HOME",
                      os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def readme_blocks():
    """The ```python blocks of the README's section "Python and PyTorch"."""
    with open(os.path.join(HOME, "README.md")) as f:
        text = f.read()
    start = text.index("\n## Python and PyTorch\n")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def readme_session():
    return readme_blocks()[0]


def run_in_project_like_folder(code, folder):
    if not (folder / "results").exists():
        os.symlink(os.path.join(HOME, "results"), folder / "results")
    return subprocess.run(["/usr/bin/python3", "-c", code], cwd=folder, capture_output=True,
                          text=True, timeout=300)


def test_the_session_is_at_most_ten_lines():
    lines = readme_session().strip().split("\n")
    assert lines[0] == "import cimchar" and len(lines) <= 10


def test_the_readme_session_runs_and_prints_the_snr_curve(cli, tmp_path):
    p = run_in_project_like_folder(readme_session(), tmp_path)
    assert p.returncode == 0, p.stderr
    printed = re.findall(r"^(\w+) B_D/A=\s*(\d+)\s+SNR\s+(\S+) dB", p.stdout, re.M)
    assert [(m, int(b)) for m, b, _ in printed] == [("dcim", 0)] + [("hcim", b)
                                                                    for b in range(5, 11)]
    assert (tmp_path / "snr.png").stat().st_size > 1000
    # the same figures as the command with the same settings (its defaults)
    code, out, err = cli("snr", "--lut", os.path.join(HOME, "results", "lut"), "--corner", "tt",
                         "--vdd", 0.6, "--temp", 27, "--boundaries", "5-10")
    assert code == 0, err
    table = re.findall(r"^  (dcim|hcim)\s+(\d+)\s+\S+\s+\S+\s+(\S+) \[", out, re.M)
    assert [(m, int(b), s) for m, b, s in table] == [(m, int(b), s) for m, b, s in printed]


def test_the_pytorch_example_runs(tmp_path):
    blocks = readme_blocks()
    assert len(blocks) == 2
    p = run_in_project_like_folder(blocks[1], tmp_path)
    assert p.returncode == 0, p.stderr
    assert 0.8 < float(p.stdout.strip()) < 0.95  # HCIM B=6 on 1000 test images
