"""NeuroSim V1.5 reading and computing with cimchar's neurosim export, as its code does.

NeuroSim 2DInferenceV1.5 (github.com/neurosim/NeuroSim, branch 2DInferenceV1.5-dev):
  - pytorch_quantization/cim/modules/_utils.py (the CIM layers' set-up with output_noise = -1):
    the CSV's header names the columns "output", "mean", "std"; every row is read in order; more
    than 2^adc_precision + 1 rows is refused;
  - pytorch_quantization/cim/modules/macro.py CIM.ADC_output: the ideal count
    (input digits x weight bits summed over the rows) clamped to [0, 2^adc_precision] indexes
    the mean and std lists by position; the output is normal(mean, std), rounded and clamped to
    [0, 2^adc_precision].

usage: neurosim.py EXPORT_DIR EXPECTED_JSON
"""
import csv
import math
import os
import sys

import numpy as np

from common import check_provenance, expect, finish, load_json, report

DRAWS = 200000


def read_output_noise(path, adc_precision):
    with open(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        expect("output" in header and "mean" in header and "std" in header,
               "header %r lacks output/mean/std" % header)
        o, m, s = header.index("output"), header.index("mean"), header.index("std")
        values, means, stds = [], [], []
        for row in reader:
            values.append(float(row[o]))
            means.append(float(row[m]))
            stds.append(float(row[s]))
    expect(len(values) <= 2 ** adc_precision + 1,
           "NeuroSim refuses %d rows for adc_precision %d" % (len(values), adc_precision))
    expect(values == [float(i) for i in range(len(values))],
           "row i must be count i: NeuroSim indexes by position")
    return np.array(means), np.array(stds)


def adc_output(count, means, stds, adc_precision, rng):
    ref = min(max(int(count), 0), 2 ** adc_precision)
    out = rng.normal(loc=means[ref], scale=stds[ref], size=DRAWS)
    return np.clip(np.round(out), 0.0, float(2 ** adc_precision))


def main(out, expected_path):
    expected = load_json(expected_path)
    meta = load_json(os.path.join(out, "neurosim.meta.json"))
    check_provenance(meta, "neurosim.meta.json")
    settings = meta["settings"]
    p = settings["adc_precision"]
    expect(settings["output_noise"] == -1.0, "output_noise must be -1 to read the file")
    expect(settings["dac_precision"] == expected["window_bits"], "dac_precision")
    expect(settings["parallel_read"] == expected["rows"], "parallel_read")
    means, stds = read_output_noise(os.path.join(out, settings["output_noise_file"]), p)
    full = expected["rows"] * (2 ** expected["window_bits"] - 1)
    expect(len(means) == full + 1, "one row per count 0..%d, got %d" % (full, len(means)))
    expect(2 ** p >= full, "counts above 2^adc_precision would be clamped")
    lsb = meta["adc_lsb_counts"]
    stated = meta["approximations"]["count_only"]

    rng = np.random.default_rng(12345)
    worst = {"even": 0.0, "random": 0.0}
    worst_sigma = {"even": 0.0, "random": 0.0}
    for case in expected["patterns"]:
        got = adc_output(case["count"], means, stds, p, rng)
        mean, std = float(np.mean(got)), float(np.std(got))
        dm = (mean - case["model_mean"]) / lsb
        ds = (std - case["model_std"]) / lsb
        worst[case["kind"]] = max(worst[case["kind"]], abs(dm))
        worst_sigma[case["kind"]] = max(worst_sigma[case["kind"]], abs(ds))
        # Sampling error of both sides (the table's own Monte Carlo, the test's, NeuroSim's
        # draws), rounding to a count, and for random patterns the stated count-only error.
        # Sampling error of both Monte Carlo estimates (the table's chip instances and the
        # test's) and of NeuroSim's draws: for the standard deviation through the variance of
        # the sample variance, (m4 - sigma^4) / N, as the read-back value is a mixture of a few
        # levels (heavy-tailed near a transition).
        n_model = expected["chips"]
        n_table = meta["table"]["chip_instances"]
        var = case["model_std"] ** 2
        se = math.sqrt(var / n_model + var / n_table + std ** 2 / DRAWS)
        allowed = 4.0 * se + 0.5
        if case["kind"] == "random":
            allowed += 2.0 * stated["pattern_mean_max_lsb"] * lsb
        expect(abs(mean - case["model_mean"]) <= allowed,
               "count %d (%s): NeuroSim mean %.3f vs model %.3f (allowed %.3f)" %
               (case["count"], case["kind"], mean, case["model_mean"], allowed))
        var_se = math.sqrt(max(case["model_m4"] - var * var, 0.0) * (1.0 / n_model + 1.0 / n_table))
        sigma_allowed = 4.0 * var_se / (2.0 * max(case["model_std"], 1e-9)) + 0.02 * std + 0.5
        if case["kind"] == "random":
            sigma_allowed += 2.0 * stated["pattern_std_rms_lsb"] * lsb
        expect(abs(std - case["model_std"]) <= sigma_allowed,
               "count %d (%s): NeuroSim std %.3f vs model %.3f" %
               (case["count"], case["kind"], std, case["model_std"]))
    for kind in ("even", "random"):
        report("max |NeuroSim mean - model mean| (%s patterns), LSB" % kind, worst[kind])
        report("max |NeuroSim std - model std| (%s patterns), LSB" % kind, worst_sigma[kind])
    finish("neurosim")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
