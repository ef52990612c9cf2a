"""IBM aihwkit computing one analog tile with cimchar's aihwkit export, as its code does.

aihwkit (github.com/IBM/aihwkit):
  - src/aihwkit/simulator/parameters/io.py IOParameters and mapping.py MappingParameter: the
    keyword arguments the export gives (every key must be a field);
  - src/rpucuda/rpu_pulsed_meta_parameter.cpp IOMetaParameter::initializeForForward with
    checkAndSetRes: a resolution r > 1 means 1/r; the step is r x 2 x bound;
  - src/rpucuda/rpu_forward_backward_pass.cpp prepareInputImplStage4 (round the input to the
    step with rintf, clip to +-inp_bound), finalizeOutputImplStage5 (add out_noise, round to the
    step, clip to +-out_bound) and ForwardBackwardPassIOManaged::forwardVector (noise and bound
    management None: scale 1; the output times out_scale).

usage: aihwkit.py EXPORT_DIR EXPECTED_JSON
"""
import math
import os
import sys

import numpy as np

from common import check_provenance, close, expect, finish, load_json, report

IO_FIELDS = {"is_perfect", "mv_type", "inp_bound", "inp_noise", "inp_res", "inp_sto_round",
             "inp_asymmetry", "out_bound", "out_noise", "out_noise_std", "out_res",
             "out_sto_round", "out_scale", "out_asymmetry", "bound_management",
             "noise_management", "w_noise", "w_noise_type", "ir_drop", "ir_drop_g_ratio",
             "out_nonlinearity", "out_nonlinearity_std", "slope_calibration", "v_offset_std",
             "v_offset_w_min", "r_series", "w_read_asymmetry_dtod", "max_bm_factor",
             "max_bm_res", "bm_test_negative_bound", "nm_thres"}
MAPPING_FIELDS = {"digital_bias", "weight_scaling_omega", "weight_scaling_columnwise",
                  "weight_scaling_lr_compensation", "learn_out_scaling", "out_scaling_columnwise",
                  "max_input_size", "max_output_size"}


def check_and_set_res(res, bound):
    r = 0.0 if res < 0.0 else res
    r = 1.0 / r if r > 1.0 else r
    return r * 2.0 * bound


def prepare_input(x, io):
    step = check_and_set_res(io["inp_res"], io["inp_bound"])
    v = np.rint(x / step) * step if step > 0 else x
    return np.clip(v, -io["inp_bound"], io["inp_bound"])


def finalize_output(y, io, rng=None):
    step = check_and_set_res(io["out_res"], io["out_bound"])
    if rng is not None and io["out_noise"] > 0:
        y = y + io["out_noise"] * rng.standard_normal(np.shape(y))
    v = np.rint(y / step) * step if step > 0 else y
    return np.clip(v, -io["out_bound"], io["out_bound"])


def forward(weights, x, io, rng=None):
    # bound_management and noise_management None: one pass at scale 1, then out_scale.
    return finalize_output(weights @ prepare_input(x, io), io, rng) * io["out_scale"]


def main(out, expected_path):
    expected = load_json(expected_path)
    doc = load_json(os.path.join(out, "aihwkit.json"))
    check_provenance(doc, "aihwkit.json")
    io = doc["rpu_config"]["forward"]
    mapping = doc["rpu_config"]["mapping"]
    expect(set(io) <= IO_FIELDS, "not IOParameters fields: %r" % (set(io) - IO_FIELDS))
    expect(set(mapping) <= MAPPING_FIELDS, "not MappingParameter fields: %r" %
           (set(mapping) - MAPPING_FIELDS))
    expect(io["bound_management"] == "None" and io["noise_management"] == "None",
           "bound/noise management would rescale the macro's fixed DAC codes")
    rows, digit_top = expected["rows"], 2 ** expected["window_bits"] - 1
    expect(mapping["max_input_size"] == rows, "tile inputs %r vs %d rows" %
           (mapping["max_input_size"], rows))

    # Input: every DAC code is an input step, reproduced exactly.
    step_in = check_and_set_res(io["inp_res"], io["inp_bound"])
    report("aihwkit input step x (2^n - 1)", step_in * digit_top)
    expect(close(step_in * digit_top, 1.0, rel=1e-12), "input step is not one DAC code")
    codes = np.arange(digit_top + 1)
    expect(np.allclose(prepare_input(codes / digit_top, io) * digit_top, codes, rtol=0,
                       atol=1e-9), "a DAC code does not survive aihwkit's input quantization")

    # Output: step and bound against the model's ADC.
    step_out = check_and_set_res(io["out_res"], io["out_bound"])
    model_lsb = expected["model_lsb_y"]
    report("aihwkit output step / model LSB - 1", step_out / model_lsb - 1.0)
    expect(abs(step_out / model_lsb - 1.0) < expected["step_tolerance"],
           "output step %r vs model LSB %r" % (step_out, model_lsb))
    report("aihwkit out_bound / model top level - 1", io["out_bound"] / expected["model_top_y"] - 1)
    expect(io["out_bound"] <= rows, "out_bound %r above the column's %d" % (io["out_bound"], rows))
    expect(abs(io["out_bound"] - expected["model_top_y"]) <= 0.5 * model_lsb,
           "out_bound %r vs the model's top level %r" % (io["out_bound"], expected["model_top_y"]))

    # The noiseless ramp (every row w = 1, digits as equal as possible) and random patterns.
    stated = doc["approximations"]["noiseless_ramp"]
    stated_random = doc["approximations"]["noiseless_random_patterns"]
    for name, cases in (("ramp", expected["ramp"]), ("random", expected["random"])):
        errors = []
        for case in cases:
            digits = np.array(case["digits"], dtype=float)
            w = np.array(case["w"], dtype=float)
            y = forward(w[np.newaxis, :], digits / digit_top, io)[0]
            errors.append((y - case["model_y"]) / step_out)
        errors = np.abs(np.array(errors))
        report("aihwkit vs model, %s: max error (LSB)" % name, float(errors.max()))
        report("aihwkit vs model, %s: level mismatch fraction" % name,
               float(np.mean(errors > 0.5)))
        if name == "ramp":
            expect(abs(float(errors.max()) - stated["max_error_lsb"]) < 1e-6,
                   "stated ramp max error %r, measured %r" % (stated["max_error_lsb"],
                                                              float(errors.max())))
            expect(abs(float(np.mean(errors > 0.5)) - stated["level_mismatch_fraction"]) < 1e-9,
                   "stated ramp mismatch differs from the measured one")
        else:
            # Other random patterns than the export's: binomial spread of both fractions.
            p = stated_random["level_mismatch_fraction"]
            spread = 3.0 * math.sqrt(max(p * (1 - p), 0.01) * (1.0 / len(cases) +
                                                               1.0 / stated_random["points"]))
            expect(abs(float(np.mean(errors > 0.5)) - p) <= spread,
                   "stated random-pattern mismatch %r, measured %r" %
                   (p, float(np.mean(errors > 0.5))))
        expect(float(np.mean(errors > 0.5)) <= expected["mismatch_limit"][name],
               "%s: %.3f of the outputs on another level" % (name, float(np.mean(errors > 0.5))))

    # Per-conversion noise: aihwkit's out_noise against the model's, measured on the model's
    # code probabilities around its transitions.
    model_noise = expected["model_dynamic_sigma_y"]
    report("aihwkit out_noise / model dynamic sigma - 1", io["out_noise"] / model_noise - 1.0)
    expect(abs(io["out_noise"] / model_noise - 1.0) < expected["noise_tolerance"],
           "out_noise %r vs the model's %r" % (io["out_noise"], model_noise))
    expect(io["out_scale"] == 1.0, "out_scale")
    finish("aihwkit")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
