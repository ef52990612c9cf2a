#include "exporters/formats/formats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "exporters/document.h"
#include "exporters/formats/common.h"

namespace cimchar::exporters::formats {

namespace {

// cimchar's SAR ADC has no amplifier after its CDAC: an open-loop gain this large makes
// CrossSim's finite-gain term 1/(1 + 1/(A beta)) differ from 1 by 1e-10.
constexpr double kCrossSimGainDb = 200.0;

// The model's transitions in CrossSim's ADC units (y = u / (2^n - 1)).
std::vector<double> CrossSimTransitions(const ExportModel& model) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::vector<double> y;
  for (double t : model.op.transitions) {
    y.push_back(t / digit_top);
  }
  return y;
}

// Fraction of the counts 0 .. full scale whose code under `code_of(y)` differs from the model's
// noiseless code.
template <typename CodeOf>
double RampMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  const auto& codes = model.op.codes_by_count;
  std::int64_t differ = 0;
  for (std::size_t u = 0; u < codes.size(); ++u) {
    differ += code_of(static_cast<double>(u) / digit_top) != codes[u] ? 1 : 0;
  }
  return static_cast<double>(differ) / static_cast<double>(codes.size());
}

// The same over the model's noiseless random patterns.
template <typename CodeOf>
double PatternMismatch(const ExportModel& model, CodeOf code_of) {
  const double digit_top = (1 << model.shape.analog_window) - 1;
  std::int64_t differ = 0;
  for (const auto& [u, code] : model.noiseless_patterns) {
    differ += code_of(static_cast<double>(u) / digit_top) != code ? 1 : 0;
  }
  return model.noiseless_patterns.empty()
             ? 0.0
             : static_cast<double>(differ) / static_cast<double>(model.noiseless_patterns.size());
}

// CrossSim's SarADC (circuits/adc/sar_adc.py) on ideal levels with one more bit than the model
// and the calibrated range [0, R]: Vref = R, and its upper half has 2^b codes whose
// transitions sit at j x R / 2^b. Returns the model's code for input y.
int SarCode(double y, double step, int codes) {
  const double clipped = std::clamp(y, 0.0, step * codes);
  int code = 0;
  for (int j = 1; j < codes; ++j) {
    code += clipped > j * step ? 1 : 0;  // the SAR's comparison: input > level
  }
  return code;
}

// CrossSim's QuantizerADC (circuits/adc/quantizer_adc.py): 2^b levels from min to max, rounding.
int QuantizerCode(double y, double min, double max, int codes) {
  const double q = (codes - 1) / (max - min);
  return static_cast<int>(std::nearbyint((std::clamp(y, min, max) - min) * q));
}

Document CrossSimParams(const ExportModel& model, const Document& adc) {
  const mac::MacShape& s = model.shape;
  Document dac;
  dac.Set("model", "QuantizerDAC");
  dac.Set("bits", s.analog_window);
  dac.Set("input_bitslicing", false);
  dac.Set("signed", false);
  dac.Set("slice_size", 1);
  Document inputs;
  inputs.Set("clipping", true);
  inputs.Set("min", 0.0);
  inputs.Set("max", 1.0);
  inputs.Set("percentile", nullptr);
  Document core;
  core.Set("rows_max", s.rows);
  core.Set("cols_max", s.columns);
  core.Set("mapping",
           Document().Set("inputs",
                          Document().Set("_match", true).Set("mvm", inputs).Set("vmm", inputs)));
  Document params;
  params.Set("core", std::move(core));
  params.Set("xbar",
             Document()
                 .Set("adc", Document().Set("_match", true).Set("mvm", adc).Set("vmm", adc))
                 .Set("dac", Document().Set("_match", true).Set("mvm", dac).Set("vmm", dac)));
  return params;
}

std::vector<report::PendingFile> RenderCrossSim(const ExportModel& model) {
  const std::string format = "crosssim";
  CheckModel(format, model);
  const OpTransfer& op = model.op;
  const mac::MacShape& s = model.shape;
  const double digit_top = (1 << s.analog_window) - 1;
  const int codes = 1 << s.adc_bits;
  const std::vector<double> y = CrossSimTransitions(model);
  const double lsb = op.lsb / digit_top;

  // SarADC: the step whose transitions j x step give the fewest ramp codes that differ from
  // the model's (searched over 0.5 .. 1.5 LSB; the closest to the LSB among equals).
  constexpr int kSteps = 2000;
  double step = lsb;
  double sar_mismatch = RampMismatch(model, [&](double v) { return SarCode(v, lsb, codes); });
  for (int i = 0; i <= kSteps; ++i) {
    const double candidate = lsb * (0.5 + static_cast<double>(i) / kSteps);
    const double m = RampMismatch(model, [&](double v) { return SarCode(v, candidate, codes); });
    if (m < sar_mismatch - 1e-12 ||
        (std::abs(m - sar_mismatch) <= 1e-12 && std::abs(candidate - lsb) < std::abs(step - lsb))) {
      sar_mismatch = m;
      step = candidate;
    }
  }
  const double range = step * codes;
  double sar_worst = 0.0;
  for (std::size_t k = 1; k <= y.size(); ++k) {
    sar_worst = std::max(sar_worst, std::abs(y[k - 1] - static_cast<double>(k) * step) / lsb);
  }
  const double comparator = OpTransfer::Rms(op.comparator_offset_sigma) / digit_top;
  Document sar;
  sar.Set("model", "SarADC");
  sar.Set("bits", s.adc_bits + 1);
  sar.Set("signed", false);
  sar.Set("stochastic_rounding", false);
  sar.Set("adc_per_ibit", false);
  sar.Set("calibrated_range", Document::MakeArray().Push(0.0).Push(range));
  sar.Set("adc_range_option", "CALIBRATED");
  sar.Set("gain_db", kCrossSimGainDb);
  sar.Set("sigma_capacitor", 0.0);
  sar.Set("sigma_comparator", comparator / range);
  sar.Set("split_cdac", false);
  sar.Set("group_size", 1);

  // QuantizerADC: levels min + i x LSB with its rounding thresholds on the model's end-point
  // transitions (the first at min + LSB / 2).
  const double q_min = y.front() - 0.5 * lsb;
  const double q_max = q_min + (codes - 1) * lsb;
  const double q_mismatch =
      RampMismatch(model, [&](double v) { return QuantizerCode(v, q_min, q_max, codes); });
  double q_worst = 0.0;
  for (std::size_t k = 1; k <= y.size(); ++k) {
    q_worst = std::max(q_worst,
                       std::abs(y[k - 1] - (q_min + (static_cast<double>(k) - 0.5) * lsb)) / lsb);
  }
  Document quantizer;
  quantizer.Set("model", "QuantizerADC");
  quantizer.Set("bits", s.adc_bits);
  quantizer.Set("signed", false);
  quantizer.Set("stochastic_rounding", false);
  quantizer.Set("adc_per_ibit", false);
  quantizer.Set("calibrated_range", Document::MakeArray().Push(q_min).Push(q_max));
  quantizer.Set("adc_range_option", "CALIBRATED");

  Document meta = Header(model, "CrossSim (Sandia) 3.x",
                         "simulator/parameters/base_parameters.py BaseParameters.from_json and "
                         "__setattr__, parameters/xbar_parameters.py ADCParameters, "
                         "SarADCParameters and DACParameters, parameters/core_parameters.py, "
                         "circuits/adc/iadc.py IADC.set_limits (CALIBRATED), "
                         "circuits/adc/sar_adc.py SarADC.set_limits and convert, "
                         "circuits/adc/quantizer_adc.py QuantizerADC.convert, "
                         "circuits/dac/quantizer_dac.py, cores/analog_core.py (rows_max)");
  meta.Set("files",
           Document()
               .Set("crosssim.json",
                    "CrossSimParameters.from_json input with the SAR ADC: the model's converter "
                    "with its comparator offset, transitions approximated (below)")
               .Set("crosssim_quantizer.json",
                    "the same with CrossSim's QuantizerADC: the model's end-point transfer "
                    "(any offset), no converter mismatch"));
  meta.Set("units", Document()
                        .Set("adc_input",
                             "y = sum over rows of w x: one row with weight at full scale and "
                             "input at the top DAC code = 1 (CrossSim's own ADC units: its MAX "
                             "range is the row count)")
                        .Set("input", "x = activation digit / " + FormatReal(digit_top) + ", the " +
                                          std::to_string(s.analog_window) +
                                          "-bit QuantizerDAC over inputs mapped to [0, 1]"));
  meta.Set(
      "settings_explained",
      Document()
          .Set("SarADC bits", std::to_string(s.adc_bits + 1) +
                                  ": CrossSim's SAR ADC is bipolar (+-Vref, Vref = max |range|); "
                                  "the model's " +
                                  std::to_string(s.adc_bits) +
                                  "-bit unipolar transfer is its upper half: subtract " +
                                  std::to_string(codes) + " from its code")
          .Set("SarADC calibrated_range", "[0, 2^b x step]: transitions at j x step")
          .Set("sigma_comparator", "the model's comparator offset sigma over Vref")
          .Set("gain_db", "cimchar's SAR has no amplifier after its CDAC: " +
                              FormatReal(kCrossSimGainDb) + " dB makes the gain term negligible")
          .Set("split_cdac", "false: a binary-weighted CDAC, as cimchar's")
          .Set("group_size", "1: one SAR ADC per column")
          .Set("QuantizerADC calibrated_range",
               "[first transition - LSB/2, that + (2^b - 1) LSB]: its rounding thresholds are "
               "the model's end-point transitions, its levels the codes' centres")
          .Set("core",
               "rows_max = the macro's rows (inputs per core), cols_max = its "
               "columns; inputs mapped to [0, 1] for the unsigned DAC"));
  meta.Set(
      "approximations",
      Document()
          .Set("SarADC",
               Document()
                   .Set("what",
                        "CrossSim's SAR transitions sit at j x step from 0; the "
                        "model's where the measured ADC and line put them")
                   .Set("step", step)
                   .Set("model_lsb", lsb)
                   .Set("model_transitions", Document::Reals(y))
                   .Set("max_transition_difference_lsb", sar_worst)
                   .Set("ramp_points", static_cast<std::int64_t>(op.codes_by_count.size()))
                   .Set("ramp_code_mismatch_fraction", sar_mismatch)
                   .Set("random_pattern_code_mismatch_fraction",
                        PatternMismatch(model, [&](double v) { return SarCode(v, step, codes); })))
          .Set(
              "QuantizerADC",
              Document()
                  .Set("max_transition_difference_lsb", q_worst)
                  .Set("ramp_code_mismatch_fraction", q_mismatch)
                  .Set("random_pattern_code_mismatch_fraction",
                       PatternMismatch(
                           model, [&](double v) { return QuantizerCode(v, q_min, q_max, codes); })))
          .Set("ramp",
               "every count 0 .. full scale (every row W = 1, digits as equal as possible) "
               "against the model's noiseless code")
          .Set("random_patterns",
               Document()
                   .Set("what",
                        "random row patterns with the model's default statistics: "
                        "CrossSim's ADC sees their sum only, the model's line also "
                        "which DAC codes make it")
                   .Set("points", static_cast<std::int64_t>(model.noiseless_patterns.size()))));
  meta.Set(
      "not_representable",
      Document()
          .Set("transition_deviations",
               Document()
                   .Set("sigma_lsb", OpTransfer::Rms(op.transition_own_sigma) / op.lsb)
                   .Set("why",
                        "each transition's own static deviation (beyond the "
                        "comparator offset) is measured as a whole, not split into "
                        "CDAC capacitor mismatch: sigma_capacitor stays 0"))
          .Set("line_static", Document()
                                  .Set("sigma_lsb", OpTransfer::Rms(op.line_static_sigma) / op.lsb)
                                  .Set("why",
                                       "the analog line's fixed-pattern error per column has no "
                                       "CrossSim ADC parameter"))
          .Set("dynamic_noise",
               Document()
                   .Set("sigma_lsb", OpTransfer::Rms(op.dynamic_sigma) / op.lsb)
                   .Set("why", "CrossSim's ADC models draw no per-conversion noise"))
          .Set("QuantizerADC mismatch", "QuantizerADC has no comparator or CDAC mismatch"));
  meta.Set("not_derived", NotDerived(model, "crosssim."));
  return {{"crosssim.json", CrossSimParams(model, sar).ToJson()},
          {"crosssim_quantizer.json", CrossSimParams(model, quantizer).ToJson()},
          {"crosssim.meta.json", meta.ToJson()}};
}

}  // namespace

ExportFormat CrossSimFormat() {
  return {.name = "crosssim",
          .help =
              "crosssim.json: CrossSimParameters.from_json input (SAR ADC with the calibrated\n"
              "range); crosssim.meta.json: units, approximations, provenance.",
          .input = ExportInput::kModel,
          .render = RenderCrossSim};
}

}  // namespace cimchar::exporters::formats
