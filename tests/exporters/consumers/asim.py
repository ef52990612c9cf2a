"""ASiM computing a layer with cimchar's asim export, as its code does.

ASiM (github.com/Keio-CSG/ASiM), module/asim_linear.py ASiMLinear (module/asim_conv.py
ASiMConv2d does the same arithmetic):
  - __init__: act_enc None keeps the bit-serial branch; hybrid_levels sets boundary_levels;
  - forward, mode 'Simulation', bit-serial branch, unsigned activations: for weight bit i and
    activation bit j the column MAC m / nrow gets rand_noise_sigma% and non_linear_sigma% /
    sqrt(m + 1) noise only when i + j <= wbit + xbit - boundary_levels - 2 (analog), is clamped
    to [0, 1], rounded to adc_prec bits (analog and digital cycles alike) and scaled back by nrow;
    the MSB weight plane counts negative.

usage: asim.py EXPORT_DIR EXPECTED_JSON
"""
import math
import os
import sys

from common import check_provenance, expect, finish, load_json, report

KWARGS = {"in_features", "out_features", "bias", "wbit", "xbit", "adc_prec", "nrow",
          "rand_noise_sigma", "non_linear_sigma", "act_enc", "signed_act", "layer",
          "hybrid_levels", "mode", "trim_noise", "device"}


def asim_split(wbit, xbit, hybrid_levels):
    digital = analog = 0
    for i in range(wbit - 1, -1, -1):
        for j in range(xbit - 1, -1, -1):
            if i + j <= wbit + xbit - hybrid_levels - 2:
                analog += 1
            else:
                digital += 1
    return digital, analog


def asim_quantize(count, nrow, adc_prec):
    m = min(max(count / nrow, 0.0), 1.0)
    return round(m * (2.0 ** adc_prec - 1.0)) / (2.0 ** adc_prec - 1.0) * nrow


def main(out, expected_path):
    expected = load_json(expected_path)
    doc = load_json(os.path.join(out, "asim.json"))
    check_provenance(doc, "asim.json")
    kw = doc["module_kwargs"]
    expect(set(kw) <= KWARGS, "not ASiMLinear arguments: %r" % (set(kw) - KWARGS))
    expect(kw["act_enc"] is None, "act_enc must be null (bit-serial) for an order-wise split")
    expect(kw["signed_act"] is False, "activations are unsigned")
    expect(kw["nrow"] == expected["rows"], "nrow")
    wbit, xbit = kw["wbit"], kw["xbit"]

    # The split per B_D/A: ASiM's digital 1-bit MACs are the model's digital ones; ASiM's analog
    # ones are the model's analog plus the orders the model discards.
    mismatched = 0
    for case in expected["splits"]:
        b = case["b_da"]
        h = doc["hybrid_levels_by_b_da"][str(b)]
        digital, analog = asim_split(wbit, xbit, h)
        ok = digital == case["model_digital"] and \
            analog == case["model_analog"] + case["model_discarded"] and \
            digital == case["model_digital_from_run"]
        mismatched += 0 if ok else 1
        expect(ok, "B_D/A %d: ASiM digital %d analog %d; model digital %d (run %d) analog %d "
               "discarded %d" % (b, digital, analog, case["model_digital"],
                                 case["model_digital_from_run"], case["model_analog"],
                                 case["model_discarded"]))
        stated = doc["split_by_b_da"][str(b)]
        expect(stated["asim_digital"] == digital and stated["model_digital"] ==
               case["model_digital"], "B_D/A %d: the stated split differs" % b)
    report("B_D/A values whose digital/analog split differs between ASiM and the model",
           mismatched)
    expect(kw["hybrid_levels"] == doc["hybrid_levels_by_b_da"][str(expected["reference_b_da"])],
           "hybrid_levels is not the reference B_D/A's")

    # Digital cycles pass ASiM's ADC unchanged (to the stated rounding).
    worst = max(abs(asim_quantize(c, kw["nrow"], kw["adc_prec"]) - c)
                for c in range(kw["nrow"] + 1))
    report("ASiM rounding of an exact 1-bit column count (counts)", worst)
    expect(worst < 1e-3, "adc_prec %d rounds digital counts by %r" % (kw["adc_prec"], worst))

    # The noise of one of the model's analog ops: ASiM's n bit-serial conversions of the op's
    # bits, weighted 2^j, against the model's op error (an independent run of the model).
    n = expected["window_bits"]
    asim_var = sum((kw["nrow"] * kw["rand_noise_sigma"] / 100.0) ** 2 * 4 ** m for m in range(n))
    asim_sigma = math.sqrt(asim_var)
    report("ASiM op noise sigma / model op error sigma - 1",
           asim_sigma / expected["model_op_error_sigma"] - 1.0)
    # Both sigmas are Monte Carlo estimates: relative standard error sqrt((kurtosis - 1) / 4N).
    k = expected["model_op_error_kurtosis"]
    n_export = doc["approximations"]["analog_error"]["ops"]
    tolerance = 4.0 * math.sqrt((k - 1.0) / 4.0 * (1.0 / expected["model_ops"] + 1.0 / n_export))
    expect(abs(asim_sigma / expected["model_op_error_sigma"] - 1.0) < tolerance,
           "ASiM op sigma %r vs the model's %r (tolerance %.3f)" %
           (asim_sigma, expected["model_op_error_sigma"], tolerance))
    expect(kw["non_linear_sigma"] == 0.0, "non_linear_sigma")
    finish("asim")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
