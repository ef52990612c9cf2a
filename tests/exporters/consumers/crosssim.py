"""CrossSim loading cimchar's crosssim export and converting with it, as its code does.

CrossSim 3.x (github.com/sandialabs/cross-sim), simulator/:
  - parameters/base_parameters.py BaseParameters.from_json: cls(**json) and, in __setattr__,
    every nested dict becomes its dataclass with value_type(**value) (an unknown key is a
    TypeError), enums take their name or value; an ADC dict's "model" picks its parameter class;
  - parameters/crosssim_parameters.py, core_parameters.py, xbar_parameters.py: the fields;
  - circuits/adc/iadc.py IADC.set_limits: CALIBRATED takes min, max = calibrated_range;
  - circuits/adc/sar_adc.py SarADC.set_limits (non-split CDAC levels, Vref = max |limit|) and
    convert (clip, binary search: bit set when input > level - comparator offset);
  - circuits/adc/quantizer_adc.py QuantizerADC.convert (clip, rint((x - min) (2^b - 1) / range));
  - circuits/dac/quantizer_dac.py QuantizerDAC: unsigned limits core.mapping.inputs.min/range.

usage: crosssim.py EXPORT_DIR EXPECTED_JSON
"""
import math
import os
import sys

from common import check_provenance, expect, finish, load_json, report

FIELDS = {
    "CrossSimParameters": {"core", "simulation", "xbar"},
    "CoreParameters": {"style", "rows_max", "cols_max", "weight_bits", "complex_matrix",
                       "complex_input", "output_dtype", "balanced", "bit_sliced", "offset",
                       "mapping"},
    "CoreMappingParameters": {"weights", "inputs"},
    "MatmulParameters": {"_match", "mvm", "vmm"},
    "MappingParameters": {"clipping", "min", "max", "percentile"},
    "XbarParameters": {"device", "array", "adc", "dac"},
    "PairedADCParameters": {"_match", "mvm", "vmm"},
    "PairedDACParameters": {"_match", "mvm", "vmm"},
    "ADCParameters": {"model", "bits", "signed", "stochastic_rounding", "adc_per_ibit",
                      "calibrated_range", "adc_range_option"},
    "DACParameters": {"model", "bits", "input_bitslicing", "signed", "slice_size"},
}
FIELDS["SarADCParameters"] = FIELDS["ADCParameters"] | {"gain_db", "sigma_capacitor",
                                                        "sigma_comparator", "split_cdac",
                                                        "group_size"}
ADC_RANGE_LIMITS = {"CALIBRATED": 1, "MAX": 2, "GRANULAR": 3}


def from_json(doc):
    """The key checks BaseParameters.from_json and __setattr__ make on the file."""
    def fields(obj, cls, where):
        extra = set(obj) - FIELDS[cls]
        expect(not extra, "%s: %s has no field %r (from_json raises)" % (where, cls, extra))
    fields(doc, "CrossSimParameters", "root")
    core = doc.get("core", {})
    fields(core, "CoreParameters", "core")
    mapping = core.get("mapping", {})
    fields(mapping, "CoreMappingParameters", "core.mapping")
    inputs = mapping.get("inputs", {})
    fields(inputs, "MatmulParameters", "core.mapping.inputs")
    for op in ("mvm", "vmm"):
        fields(inputs.get(op, {}), "MappingParameters", "core.mapping.inputs." + op)
    xbar = doc.get("xbar", {})
    fields(xbar, "XbarParameters", "xbar")
    fields(xbar["adc"], "PairedADCParameters", "xbar.adc")
    fields(xbar["dac"], "PairedDACParameters", "xbar.dac")
    for op in ("mvm", "vmm"):
        adc = xbar["adc"][op]
        fields(adc, "SarADCParameters" if adc["model"] == "SarADC" else "ADCParameters",
               "xbar.adc." + op)
        expect(adc["adc_range_option"] in ADC_RANGE_LIMITS, "adc_range_option")
        fields(xbar["dac"][op], "DACParameters", "xbar.dac." + op)
    return doc


def digit(x, n):
    return (x // 2 ** n) % 2


def sar_levels(bits, vref, gain_db):
    """SarADC.set_limits with no capacitor mismatch, non-split CDAC."""
    caps = [2.0 ** k for k in range(bits)] + [2.0 ** (bits - 1)]
    gain = 10 ** (gain_db / 20)
    levels = []
    for count in range(2 ** bits):
        x1 = 2 ** (bits - 1) - count
        lower = digit(count - 2 ** (bits - 1), bits - 1) == 1
        temp = sum(digit(x1 if lower else -x1, k) * caps[k] for k in range(bits))
        beta = caps[bits] / (caps[bits] + temp)
        d = digit(count - 2 ** (bits - 1), bits - 1)
        level = temp / caps[bits - 1] * (vref - 2 * d * vref) + vref / 2 ** bits
        levels.append(level / (1 + 1 / (gain * beta)) - vref / 2 ** bits)
    return levels


def sar_convert(y, adc):
    lo, hi = adc["calibrated_range"]
    vref = max(abs(lo), abs(hi))
    levels = sar_levels(adc["bits"], vref, adc["gain_db"])
    v = min(max(y, lo), hi)
    reg = 0
    for i in range(adc["bits"]):
        comp = 2 ** (adc["bits"] - i - 1)
        if v > levels[comp + reg]:  # no comparator offset drawn: the ideal converter
            reg += comp
    return reg


def quantizer_convert(y, adc):
    lo, hi = adc["calibrated_range"]
    qmult = (2 ** adc["bits"] - 1) / (hi - lo)
    return int(round((min(max(y, lo), hi) - lo) * qmult))


def dac_levels(dac, inputs):
    lo, hi = inputs["min"] / (inputs["max"] - inputs["min"]), inputs["max"] / (
        inputs["max"] - inputs["min"])
    expect(lo >= 0.0, "QuantizerDAC refuses unsigned inputs with negative limits")
    return lo, hi


def main(out, expected_path):
    expected = load_json(expected_path)
    meta = load_json(os.path.join(out, "crosssim.meta.json"))
    check_provenance(meta, "crosssim.meta.json")
    b = expected["adc_bits"]
    digit_top = 2 ** expected["window_bits"] - 1
    stated = meta["approximations"]
    for name, convert, model_codes in (
            ("crosssim.json", lambda y, a: sar_convert(y, a) - 2 ** b, "SarADC"),
            ("crosssim_quantizer.json", quantizer_convert, "QuantizerADC")):
        doc = from_json(load_json(os.path.join(out, name)))
        adc = doc["xbar"]["adc"]["mvm"]
        expect(adc["adc_range_option"] == "CALIBRATED" and len(adc["calibrated_range"]) == 2,
               name + ": the ADC range is not set")
        lo, hi = dac_levels(doc["xbar"]["dac"]["mvm"], doc["core"]["mapping"]["inputs"]["mvm"])
        expect(lo == 0.0 and hi == 1.0, name + ": the DAC does not span [0, 1]")
        expect(doc["core"]["rows_max"] == expected["rows"], name + ": rows_max")
        ramp = [convert(case["count"] / digit_top, adc) for case in expected["ramp"]]
        distinct = sorted(set(ramp))
        report(name + ": distinct codes on the ramp", len(distinct))
        expect(distinct == list(range(2 ** b)), name + ": ramp codes %r, expected 0..%d" %
               (distinct, 2 ** b - 1))
        mismatch = sum(c != case["model_code"] for c, case in zip(ramp, expected["ramp"])) / len(
            ramp)
        report(name + ": ramp code mismatch fraction against the model", mismatch)
        expect(abs(mismatch - stated[model_codes]["ramp_code_mismatch_fraction"]) < 1e-9,
               name + ": stated mismatch %r, measured %r" %
               (stated[model_codes]["ramp_code_mismatch_fraction"], mismatch))
        expect(mismatch <= expected["mismatch_limit"][model_codes]["ramp"],
               name + ": %.3f of the ramp codes differ from the model's" % mismatch)
        rand = [convert(case["count"] / digit_top, adc) for case in expected["random"]]
        rand_mismatch = sum(c != case["model_code"]
                            for c, case in zip(rand, expected["random"])) / len(rand)
        report(name + ": random-pattern code mismatch fraction against the model",
               rand_mismatch)
        expect(rand_mismatch <= expected["mismatch_limit"][model_codes]["random"],
               name + ": %.3f of random-pattern codes differ" % rand_mismatch)
        p = stated[model_codes]["random_pattern_code_mismatch_fraction"]
        spread = 3.0 * math.sqrt(max(p * (1 - p), 0.01) * (
            1.0 / len(rand) + 1.0 / stated["random_patterns"]["points"]))
        expect(abs(rand_mismatch - p) <= spread,
               name + ": stated random-pattern mismatch %r, measured %r" % (p, rand_mismatch))
    finish("crosssim")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
